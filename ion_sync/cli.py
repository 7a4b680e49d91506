"""The `ion-sync` command."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from connectors.errors import ConfigError

# The embedded Prefect API takes 5 to 30 s to start on a cold machine (measured here: a fresh
# virtualenv compiling Prefect's modules); Prefect gives up after 20 s by default.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

app = typer.Typer(
    help="ion-sync: Prefect pipelines between ION Factory OS and NetSuite (and more to come).",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def demo() -> None:
    """Run every integration against the local simulators and print one line per run."""
    from ion_sync.demo import run_demo

    results = run_demo()
    raise typer.Exit(0 if all(r.ok for r in results) else 1)


@app.command()
def sandbox(
    ion_port: Annotated[int, typer.Option(help="port of the ION simulator")] = 8701,
    netsuite_port: Annotated[int, typer.Option(help="port of the NetSuite simulator")] = 8702,
    workdir: Annotated[Path, typer.Option(help="where the simulators keep their state")] = Path(".sandbox"),
) -> None:
    """Start the ION and NetSuite simulators on loopback, print their URLs and credentials,
    and wait (Ctrl-C stops them). Export the printed variables in another shell to run flows by hand."""
    from ion_sync.sandbox import start_sandbox

    running = start_sandbox(workdir, ion_port=ion_port, netsuite_port=netsuite_port)
    typer.echo(f"ION simulator:      {running.ion.url}  (GraphQL at /graphql)")
    typer.echo(f"NetSuite simulator: {running.netsuite.url}")
    if running.quickbooks:
        typer.echo(f"QuickBooks simulator: {running.quickbooks.url}  (API at /v3/company/<realm>/)")
    typer.echo("\nEnvironment for ion-sync (paste into a shell):\n")
    for name, value in running.env.items():
        typer.echo(f"export {name}={value}")
    typer.echo(f"export ION_SYNC_DATABASE_URL=sqlite:///{workdir.resolve() / 'ledger.db'}")
    typer.echo("\nThen e.g.: ion-sync run consumption-sync --param dry_run=true\nCtrl-C to stop.")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


@app.command()
def run(
    deployment: Annotated[str, typer.Argument(help="a deployment name from prefect.yaml, e.g. consumption-sync")],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="name=value, repeatable; values are YAML: run_ids=[1001,1002] dry_run=true since=2026-11-20T08:00:00Z",
        ),
    ] = None,
) -> None:
    """Run one deployment's flow now, in this process, with its prefect.yaml parameters
    overridden by --param: the manual re-run. Exits non-zero unless the run Completed."""
    from ion_sync.runner import parse_params, run_deployment

    try:
        result = run_deployment(deployment, parse_params(param or []))
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if result.message and not result.ok:
        typer.echo(result.message, err=True)
    typer.echo(result.line())
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def serve() -> None:
    """Serve every deployment in prefect.yaml with its schedule, so a Prefect server's UI
    shows and runs them. Needs a running server (`prefect server start`) and PREFECT_API_URL."""
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL

    from ion_sync.deployments import load_deployments

    if not PREFECT_API_URL.value():
        typer.echo(
            "error: schedules need a running Prefect server. Start one with `prefect server start`, then\n"
            "  export PREFECT_API_URL=http://127.0.0.1:4200/api\nand run `ion-sync serve` again.",
            err=True,
        )
        raise typer.Exit(2)
    deployments = []
    for spec in load_deployments().values():
        deployments.append(
            spec.load_flow().to_deployment(
                name=spec.name,
                description=spec.description,
                tags=spec.tags,
                parameters=spec.parameters,
                schedules=[schedule.to_prefect() for schedule in spec.schedules],
            )
        )
    typer.echo(f"Serving {len(deployments)} deployments: {', '.join(d.name for d in deployments)}")
    prefect_serve(*deployments)



@app.command()
def preflight(
    system: Annotated[str, typer.Argument(help="the integration to check: quickbooks")],
) -> None:
    """Check an integration's environment before go-live and print a pass/fail checklist:
    for quickbooks, the credentials, the five accounts and their types, class tracking, purchase
    orders in this plan, and the ION class/expense attributes (Select, with options).
    Exits non-zero if any check fails. Writes nothing (except a rotated OAuth token to the ledger)."""
    import asyncio

    from connectors.ion import IonClient
    from flows.setup import load_quickbooks_environment
    from ledger import Ledger
    from tasks.quickbooks_setup import preflight_checks, quickbooks_client

    if system != "quickbooks":
        typer.echo(f"error: no preflight for {system!r}; available: quickbooks", err=True)
        raise typer.Exit(2)
    try:
        env = load_quickbooks_environment()
    except ConfigError as exc:
        typer.echo(f"FAIL  configuration\n      {exc}", err=True)
        raise typer.Exit(2) from None
    ledger = Ledger(env.app.database_url)
    try:
        checks = asyncio.run(
            preflight_checks(lambda: quickbooks_client(env.quickbooks, ledger), lambda: IonClient(env.ion), env.setup)
        )
    finally:
        ledger.close()
    for check in checks:
        typer.echo(f"{'PASS' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    failed = sum(not c.ok for c in checks)
    typer.echo(f"\n{len(checks) - failed} passed, {failed} failed")
    raise typer.Exit(1 if failed else 0)
