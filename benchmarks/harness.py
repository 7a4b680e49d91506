"""What the benchmarks share: the two simulators in their own processes, each measured child in a
fresh process (its wall time, CPU seconds and peak RSS, under cProfile if asked), and the floors'
hand-made tokens. Run as a script it is one simulator: `harness.py ion|netsuite <workdir>`."""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import pstats
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[1]
BULK_SINCE = "2026-11-21T00:00:00Z"  # the simulators' bulk seeds (runs, receipts) are after this; the demo's before
PAGE_SIZE = 200  # ION_PAGE_SIZE of every child (run_child), unless its env says otherwise
CONCURRENCY = 5  # NETSUITE_CONCURRENCY likewise
STEP_RECORDS = 500  # ION_STEP_RECORDS likewise (the product's default): a sync's step reads 3 pages of 200
PROFILE_VARIABLE = "ION_SYNC_BENCH_PROFILE"  # a file: the sync child runs under cProfile and writes its stats there
T = TypeVar("T")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pids: Sequence[int]) -> float:
    """The CPU seconds the processes `pids` have used so far (the simulators, a child's Prefect
    server): the work a child makes other processes do, on the same cores."""
    import psutil

    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def subprocess_pids() -> list[int]:
    """This process's descendants (the ephemeral Prefect API is one)."""
    import psutil

    return [child.pid for child in psutil.Process().children(recursive=True)]


async def profiled(work: Awaitable[T]) -> T:
    """`work`, under cProfile when PROFILE_VARIABLE names a file (its stats are written there):
    where the child's CPU goes."""
    path = os.environ.get(PROFILE_VARIABLE)
    if not path:
        return await work
    profile = cProfile.Profile()
    profile.enable()
    try:
        return await work
    finally:
        profile.disable()
        profile.dump_stats(path)


def print_profile(path: Path, top: int = 25) -> None:
    """The `top` functions by own CPU time, then by cumulative time, from a child's cProfile stats."""
    for order in ("tottime", "cumulative"):
        print(f"  profile {path.name}, top {top} by {order}:")
        pstats.Stats(str(path), stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(top)


async def ion_access_token(ion: httpx.AsyncClient) -> str:
    """A floor's ION token: the client-credentials grant, by hand."""
    env = os.environ
    data = {"grant_type": "client_credentials", "client_id": env["ION_CLIENT_ID"], "client_secret": env["ION_CLIENT_SECRET"]}
    token: str = (await ion.post(env["ION_AUTH_URL"], data=data)).json()["access_token"]
    return token


async def netsuite_access_token(ns: httpx.AsyncClient) -> str:
    """A floor's NetSuite token: the OAuth 2.0 client-credentials (M2M) grant with a signed assertion, by hand."""
    import jwt

    env = os.environ
    token_url = f"{env['NETSUITE_BASE_URL']}/services/rest/auth/oauth2/v1/token"
    now = int(time.time())
    assertion = jwt.encode(
        {"iss": env["NETSUITE_CLIENT_ID"], "scope": ["rest_webservices"], "aud": token_url, "iat": now, "exp": now + 300},
        Path(env["NETSUITE_PRIVATE_KEY_PATH"]).read_text(),
        algorithm="ES256",
        headers={"kid": env["NETSUITE_CERTIFICATE_ID"]},
    )
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    token: str = (await ns.post(token_url, data=data)).json()["access_token"]
    return token


def child_simulator(system: str, workdir: Path) -> None:
    """One simulator in this process (ION and NetSuite are separate services: separate
    processes, so neither steals the other's interpreter lock)."""
    from sandbox import ion, netsuite
    from sandbox.server import start

    if system == "ion":
        app = ion.create_app(ion.IonSimConfig(database=str(workdir / "ion.db")))
    else:
        app = netsuite.create_app(
            netsuite.NetSuiteSimConfig(
                database=str(workdir / "netsuite.db"), oauth2_public_key_pem=(workdir / "public.pem").read_text()
            )
        )
    print(start(app).url, flush=True)
    signal.pause()


def start_simulators(workdir: Path) -> tuple[list[subprocess.Popen[str]], dict[str, str]]:
    """Both simulators, each in its own process, and the environment pointing ion-sync at them."""
    from ion_sync.sandbox import SANDBOX_MAPPINGS, netsuite_key_pair
    from sandbox import ion, netsuite

    workdir.mkdir(parents=True, exist_ok=True)
    key_path, public_pem = netsuite_key_pair(workdir)
    (workdir / "public.pem").write_text(public_pem)
    processes, urls = [], {}
    for system in ("ion", "netsuite"):
        process = subprocess.Popen(
            [sys.executable, __file__, system, str(workdir)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert process.stdout is not None
        urls[system] = process.stdout.readline().strip()
        processes.append(process)
    ion_defaults, ns_defaults = ion.IonSimConfig(), netsuite.NetSuiteSimConfig()
    env = {
        "ION_API_URL": urls["ion"],
        "ION_AUTH_URL": f"{urls['ion']}/realms/api-keys/protocol/openid-connect/token",
        "ION_CLIENT_ID": ion_defaults.client_id,
        "ION_CLIENT_SECRET": ion_defaults.client_secret,
        "NETSUITE_ACCOUNT_ID": ns_defaults.account_id,
        "NETSUITE_BASE_URL": urls["netsuite"],
        "NETSUITE_CLIENT_ID": ns_defaults.oauth2_client_id,
        "NETSUITE_CERTIFICATE_ID": ns_defaults.oauth2_certificate_id,
        "NETSUITE_PRIVATE_KEY_PATH": str(key_path),
        "NETSUITE_JWT_ALGORITHM": "ES256",
        "ION_SYNC_CONFIG": str(SANDBOX_MAPPINGS),
    }
    return processes, env


def admin(url: str, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{url}/_sandbox/{path}", json=body, timeout=600)
    response.raise_for_status()
    return response.json()


def run_child(kind: str, env: dict[str, str], workdir: Path, *, script: str, profile: Path | None = None) -> dict[str, Any]:
    """`script --child kind` in a fresh process; `env` overrides the defaults set here;
    `profile`: run it under cProfile, print its top entries."""
    child_env = {
        **os.environ,
        "ION_PAGE_SIZE": str(PAGE_SIZE),
        "NETSUITE_CONCURRENCY": str(CONCURRENCY),
        "ION_STEP_RECORDS": str(STEP_RECORDS),
        **env,
        "ION_SYNC_DATABASE_URL": f"sqlite:///{workdir / f'ledger-{kind}-{time.time_ns()}.db'}",
        "ION_SYNC_REPORTS_DIR": str(workdir / "reports"),
        "PREFECT_HOME": str(workdir / f"prefect-{time.time_ns()}"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # the embedded API takes 10-20 s to start here, more under load; Prefect's default wait is 20 s
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
    }
    child_env.pop("PREFECT_API_URL", None)
    if profile:
        child_env[PROFILE_VARIABLE] = str(profile)
    output = subprocess.run(
        [sys.executable, script, "--child", kind], env=child_env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    lines = [line for line in output.stdout.splitlines() if line.startswith("{")]
    if output.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} child failed:\n{output.stdout[-3000:]}\n{output.stderr[-3000:]}")
    if profile:
        print_profile(profile)
    return json.loads(lines[-1])


def stop_simulators(simulators: Sequence[subprocess.Popen[Any]]) -> None:
    for process in simulators:
        process.terminate()
        process.wait(30)


def timed_flow(run: Callable[[], Awaitable[Any]]) -> tuple[dict[str, Any], Any]:
    """A child's flow run (`lambda: flow(..., return_state=True)`), timed once the ephemeral Prefect API
    has started (its start-up apart): wall and CPU seconds, its state, and its result."""
    from prefect.client.orchestration import get_client

    async def main() -> tuple[dict[str, Any], Any]:
        started = time.perf_counter()
        async with get_client() as client:
            await client.hello()
        api_seconds = time.perf_counter() - started
        api_pids = subprocess_pids()
        started, cpu, api_cpu = time.perf_counter(), cpu_seconds(), process_cpu_seconds(api_pids)
        state = await profiled(run())
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        api_cpu = process_cpu_seconds(api_pids) - api_cpu
        result = await state.aresult(raise_on_failure=False)
        figures = {"seconds": seconds, "cpu": cpu, "api_cpu": api_cpu, "api_start_seconds": api_seconds, "state": state.name}
        return figures, result

    return asyncio.run(main())


if __name__ == "__main__":
    child_simulator(sys.argv[1], Path(sys.argv[2]))
