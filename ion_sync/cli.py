"""The `ion-sync` command."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from connectors.errors import ConfigError
from ion_sync.child_processes import EMBEDDED_START_SECONDS, STARTUP_TIMEOUT_VARIABLE

if TYPE_CHECKING:
    import uvicorn

    from connectors.onshape import OnshapeSettings
    from ledger.store import Ledger

# Where Prefect starts the embedded API itself (a run not started by `start_prefect_api`), it
# waits as long as `start_prefect_api` does (ion_sync.child_processes: why).
os.environ.setdefault(STARTUP_TIMEOUT_VARIABLE, str(EMBEDDED_START_SECONDS))

app = typer.Typer(
    help="ion-sync: Prefect pipelines between ION Factory OS and NetSuite (and more to come).",
    no_args_is_help=True,
    add_completion=False,
)
DEBUG_VARIABLE = "ION_SYNC_DEBUG"
Command = TypeVar("Command", bound=Callable[..., Any])
_options = {"debug": False}


@app.callback()
def main(
    debug: Annotated[
        bool, typer.Option("--debug", envvar=DEBUG_VARIABLE, help="show the traceback of a configuration or infrastructure error")
    ] = False,
) -> None:
    """The options every command shares (set on every invocation, before the command runs)."""
    _options["debug"] = debug


def debugging() -> bool:
    """--debug, ION_SYNC_DEBUG=1 or PREFECT_LOGGING_LEVEL=DEBUG: tracebacks as well as messages."""
    return _options["debug"] or os.environ.get("PREFECT_LOGGING_LEVEL", "").upper() == "DEBUG"


class _ConfigErrorsOnce(logging.Filter):
    """Prefect prints a failed run's exception with its traceback, and the failed state; for a
    ConfigError the command prints the message once instead (the Prefect UI keeps it all)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ConfigError):
            return False
        message = record.getMessage()
        return not (
            message.startswith("Finished in state Failed") and ("ConfigError" in message or "InfrastructureError" in message)
        )


def _quiet_config_errors_in_console() -> None:
    import prefect.main  # noqa: F401 - sets up Prefect's logging, console handler included
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *(v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger))]
    for handler in {h for logger in loggers for h in logger.handlers if isinstance(h, PrefectConsoleHandler)}:
        if not any(isinstance(f, _ConfigErrorsOnce) for f in handler.filters):
            handler.addFilter(_ConfigErrorsOnce())


def stops_on_config_error(*, runs_flows: bool = False) -> Callable[[Command], Command]:
    """A ConfigError (settings, mappings, an unusable ledger, disk or key) ends the command with
    its message and exit code 2, nothing written; the traceback only when debugging. A SIGTERM
    stops the command as Ctrl-C does, so what it started stops too."""

    def decorate(command: Command) -> Command:
        @functools.wraps(command)
        def checked(*args: Any, **kwargs: Any) -> Any:
            from ion_sync.child_processes import stop_on_sigterm

            stop_on_sigterm()
            if runs_flows and not debugging():
                _quiet_config_errors_in_console()
            try:
                return command(*args, **kwargs)
            except ConfigError as exc:
                if debugging():
                    traceback.print_exc()
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(2) from None

        return checked  # type: ignore[return-value]

    return decorate


@app.command()
@stops_on_config_error(runs_flows=True)
def demo(
    workdir: Annotated[Path | None, typer.Option(help="where the demo keeps its simulators, ledger and reports")] = None,
) -> None:
    """Run every integration against the local simulators and print one line per run."""
    from ion_sync.demo import DEMO_DIR, run_demo

    results = run_demo(workdir or DEMO_DIR)
    raise typer.Exit(0 if all(r.ok for r in results) else 1)


@app.command()
@stops_on_config_error()
def sandbox(
    ion_port: Annotated[int, typer.Option(help="port of the ION simulator")] = 8701,
    netsuite_port: Annotated[int, typer.Option(help="port of the NetSuite simulator")] = 8702,
    arena_port: Annotated[int, typer.Option(help="port of the Arena simulator")] = 8703,
    workdir: Annotated[Path, typer.Option(help="where the simulators keep their state")] = Path(".sandbox"),
) -> None:
    """Start the ION and NetSuite simulators on loopback, print their URLs and credentials,
    and wait (Ctrl-C stops them). Export the printed variables in another shell to run flows by hand."""
    from ion_sync.sandbox import start_sandbox

    running = start_sandbox(workdir, ion_port=ion_port, netsuite_port=netsuite_port, arena_port=arena_port)
    try:  # from here on, Ctrl-C or SIGTERM stops the simulators
        typer.echo(f"ION simulator:      {running.ion.url}  (GraphQL at /graphql)")
        typer.echo(f"NetSuite simulator: {running.netsuite.url}")
        typer.echo(f"Ramp simulator:     {running.env['RAMP_BASE_URL']}  (Developer API at /developer/v1)")
        if running.arena is not None:
            typer.echo(f"Arena simulator:    {running.arena.url}  (REST at /v1)")
        if running.quickbooks:
            typer.echo(f"QuickBooks simulator: {running.quickbooks.url}  (API at /v3/company/<realm>/)")
        if running.duro is not None:
            typer.echo(f"Duro simulator:     {running.duro.url}  (GraphQL at /graphql)")
        if running.onshape:
            typer.echo(f"Onshape simulator:  {running.onshape.url}  (REST at /api/v16, requests signed)")
        typer.echo("\nEnvironment for ion-sync (paste into a shell):\n")
        for name, value in running.env.items():
            typer.echo(f"export {name}={value}")
        typer.echo(f"export ION_SYNC_DATABASE_URL=sqlite:///{workdir.resolve() / 'ledger.db'}")
        typer.echo("\nThen e.g.: ion-sync run consumption-sync --param dry_run=true\nCtrl-C to stop.")
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


@app.command()
@stops_on_config_error(runs_flows=True)
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
    """Run one deployment's flow now with its prefect.yaml parameters overridden by --param: the
    manual re-run. With PREFECT_API_URL set and the deployment on that server, it runs through the
    deployment (its tags, its work pool's worker) and this waits for it; else it runs in this
    process. Parameters are checked first: a typo creates no run. Exits non-zero unless the run
    Completed."""
    from ion_sync.runner import parse_params, run_deployment

    result = run_deployment(deployment, parse_params(param or []), through_server=True)
    if result.error:
        raise result.error
    if result.message and not result.ok:
        typer.echo(result.message, err=True)
    if result.dry_run_bodies:
        typer.echo(result.dry_run_bodies + "\n")
    if result.flow_run_url:
        typer.echo(f"flow run: {result.flow_run_url}")
    typer.echo(result.line())
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def serve() -> None:
    """Serve every deployment in prefect.yaml with its schedule, so a Prefect server's UI
    shows and runs them. Needs a running server (`prefect server start`) and PREFECT_API_URL."""
    from prefect import serve as prefect_serve
    from prefect.deployments.runner import RunnerDeployment
    from prefect.events import DeploymentEventTrigger
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
        deployment = spec.load_flow().to_deployment(
            name=spec.name,
            description=spec.description,
            tags=spec.tags,
            parameters=spec.parameters,
            schedules=[schedule.to_prefect() for schedule in spec.schedules],
            triggers=[DeploymentEventTrigger(**trigger) for trigger in spec.triggers],
        )
        assert isinstance(deployment, RunnerDeployment), "outside an event loop to_deployment returns it directly"
        deployments.append(deployment)
    import asyncio

    from tasks.budgets import configured_budgets, create_budgets

    shared = asyncio.run(create_budgets(configured_budgets()))
    typer.echo(f"Shared budgets: {', '.join(b.name for b, _ in shared) or 'none configured'}")
    typer.echo(f"Serving {len(deployments)} deployments: {', '.join(d.name for d in deployments)}")
    prefect_serve(*deployments)


@app.command()
@stops_on_config_error()
def webhooks(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8710,
    register_onshape: Annotated[
        str | None,
        typer.Option(
            help="once listening, register Onshape's release webhook to this public URL of /webhooks/onshape "
            "(default: ONSHAPE_WEBHOOK_URL)"
        ),
    ] = None,
) -> None:
    """Receive signed webhooks (ION, and Ramp / QuickBooks / Onshape once their secrets are set) at
    POST /webhooks/<source>: each verified event is stored in the ledger inbox before the 2xx,
    then a Prefect event triggers the deployment that handles it. With ONSHAPE_WEBHOOK_URL (or
    --register-onshape) the receiver, once up, registers (or keeps) the Onshape webhook that
    announces releases; Onshape's trial webhook.register is then answered here."""
    import uvicorn
    from prefect.settings import PREFECT_API_URL

    from connectors.settings import load_settings
    from core.config import AppSettings
    from ion_sync.webhooks.app import Emitter, ReceiverSettings, create_app
    from ion_sync.webhooks.events import emit_prefect_events
    from ion_sync.webhooks.server import server_config
    from ion_sync.webhooks.sources import SOURCES, load_sources
    from ledger.store import Ledger
    from plm.onshape.webhooks import RegistrationSettings

    app_settings = load_settings(AppSettings)
    receiver_settings = load_settings(ReceiverSettings)
    sources = load_sources()
    if not sources:
        names = ", ".join(f"{s.settings.model_config['env_prefix']}SECRET" for s in SOURCES.values())
        typer.echo(f"error: no webhook source is enabled: set at least one of {names}", err=True)
        raise typer.Exit(2)
    onshape_url = register_onshape or load_settings(RegistrationSettings).url
    onshape: OnshapeSettings | None = None
    if onshape_url is not None:
        if "onshape" not in sources:
            typer.echo(
                "error: registering the Onshape webhook (ONSHAPE_WEBHOOK_URL or --register-onshape) needs "
                "ONSHAPE_WEBHOOK_SECRET (the receiver must verify Onshape's trial)",
                err=True,
            )
            raise typer.Exit(2)
        from connectors.onshape import OnshapeSettings

        onshape = load_settings(OnshapeSettings)  # missing credentials stop here, before serving
    app_settings.prepare()
    ledger = Ledger(app_settings.database_url)
    typer.echo(f"Receiving {', '.join(sorted(sources))} webhooks at http://{host}:{port}/webhooks/<source>")
    emit: Emitter | None = emit_prefect_events
    if receiver_settings.emit_events and not PREFECT_API_URL.value():
        # Without it each emit would start a temporary Prefect server, holding a request task.
        typer.echo(
            "warning: PREFECT_API_URL is not set, so no Prefect events are emitted: ion-event-drain handles "
            "the stored events (set PREFECT_API_URL to trigger a run per event)",
            err=True,
        )
        emit = None
    receiver = create_app(ledger, sources, settings=receiver_settings, emit=emit)
    server = uvicorn.Server(server_config(receiver, receiver_settings, host, port))
    if onshape is None:
        server.run()
        return
    asyncio.run(_serve_and_register_onshape(server, str(onshape_url), onshape))


async def _serve_and_register_onshape(server: uvicorn.Server, url: str, settings: OnshapeSettings) -> None:
    """Serve, and once listening register the Onshape release webhook (its trial must find us up).
    A failed registration is reported and the receiver keeps serving: the other senders, and
    Onshape's notifications should an earlier registration exist."""
    registration = asyncio.create_task(_register_onshape_when_listening(server, url, settings))
    try:
        await server.serve()
    finally:
        registration.cancel()


async def _register_onshape_when_listening(server: uvicorn.Server, url: str, settings: OnshapeSettings) -> None:
    from connectors.onshape import OnshapeClient
    from plm.onshape.webhooks import register_release_webhook

    while not server.started:
        await asyncio.sleep(0.05)
    try:
        async with OnshapeClient(settings) as onshape:
            hook, created = await register_release_webhook(onshape, url)
    except Exception as exc:  # whatever failed, receiving must go on; connector messages hold no secret
        typer.echo(
            f"error: the Onshape release webhook for {url} was not registered: {type(exc).__name__}: {exc}. "
            "The receiver keeps serving; fix the cause and restart ion-sync webhooks to register it",
            err=True,
        )
        return
    typer.echo(f"Onshape webhook {hook.id} {'registered' if created else 'already registered'} for {url}")


@app.command("webhook-conflicts")
@stops_on_config_error()
def webhook_conflicts(
    resolve: Annotated[
        int | None, typer.Option(help="mark this conflict resolved, once both payloads are compared and acted on")
    ] = None,
) -> None:
    """Webhook events redelivered with the same id but a different payload: the first one was
    kept and handled; each later one is listed here (both payloads) until resolved.
    integration-health warns while any is unresolved."""
    import json

    from ledger.inbox import Inbox

    ledger = _ledger()
    try:
        inbox = Inbox(ledger)
        if resolve is not None:
            if not inbox.resolve_conflict(resolve, "ion-sync webhook-conflicts"):
                typer.echo(f"error: no unresolved webhook conflict {resolve}", err=True)
                raise typer.Exit(1)
            typer.echo(f"webhook conflict {resolve} resolved")
            return
        conflicts = inbox.conflicts()
    finally:
        ledger.close()
    for c in conflicts:
        typer.echo(
            f"#{c.id}  {c.source} event {c.event_id} ({c.event_type})  {c.received_at:%Y-%m-%d %H:%M}Z  inbox #{c.inbox_id}"
        )
        typer.echo("  kept:     " + json.dumps(c.stored_payload, sort_keys=True)[:2000])
        typer.echo("  received: " + json.dumps(c.payload, sort_keys=True)[:2000])
    typer.echo(f"{len(conflicts)} unresolved webhook conflict(s)")


dead_letters_app = typer.Typer(
    help="Records an integration could not post, kept in the ledger with the reason: list them, "
    "read one, and replay them once the cause is fixed.",
    no_args_is_help=True,
)
app.add_typer(dead_letters_app, name="dead-letters")


def _ledger() -> Ledger:
    from connectors.settings import load_settings
    from core.config import AppSettings
    from ledger.store import Ledger

    settings = load_settings(AppSettings)
    settings.prepare()
    return Ledger(settings.database_url)


@dead_letters_app.command("list")
@stops_on_config_error()
def dead_letters_list(
    integration: Annotated[str | None, typer.Option(help="only this integration, e.g. consumption-sync")] = None,
) -> None:
    """One line per dead letter: integration, key, when, and the reason."""
    from ledger import EntryStatus

    ledger = _ledger()
    try:
        letters = ledger.entries(integration, EntryStatus.dead)
    finally:
        ledger.close()
    for letter in letters:
        reason = (letter.reason or "").replace("\n", " ")
        typer.echo(f"{letter.integration}  {letter.key}  {letter.updated_at:%Y-%m-%d %H:%M}Z  {reason[:160]}")
    typer.echo(f"{len(letters)} dead letter(s)")


@dead_letters_app.command("show")
@stops_on_config_error()
def dead_letters_show(
    key: Annotated[str, typer.Argument(help="the ledger key, e.g. ion:run:1007:completion")],
    integration: Annotated[str, typer.Option(help="the integration the key belongs to")] = "consumption-sync",
) -> None:
    """Everything the ledger holds about one dead letter: reason, source, attempts, the body it tried to post."""
    import json

    from ledger import EntryStatus

    ledger = _ledger()
    try:
        found = ledger.entries(integration, keys=[key])
    finally:
        ledger.close()
    if not found:
        typer.echo(f"error: {integration} has no ledger entry {key!r}", err=True)
        raise typer.Exit(1)
    entry = found[0]
    typer.echo(f"integration: {entry.integration}\nkey:         {entry.key}\nstatus:      {entry.status.value}")
    typer.echo(
        f"source:      {entry.source_ref}\nattempts:    {entry.attempts}\nupdated:     {entry.updated_at:%Y-%m-%d %H:%M:%S}Z"
    )
    typer.echo(f"reason:      {entry.reason}")
    if entry.flow_run_id:
        from prefect.settings import PREFECT_UI_URL

        ui = PREFECT_UI_URL.value()
        typer.echo(f"flow run:    {entry.flow_run_id}" + (f" ({ui}/runs/flow-run/{entry.flow_run_id})" if ui else ""))
    if entry.payload:
        typer.echo("payload:\n" + json.dumps(entry.payload, indent=2, sort_keys=True))
    if entry.status is not EntryStatus.dead:
        typer.echo(f"(not a dead letter: it is {entry.status.value})")


@dead_letters_app.command("replay")
@stops_on_config_error(runs_flows=True)
def dead_letters_replay(
    integration: Annotated[str, typer.Option(help="the integration whose dead letters to replay")] = "consumption-sync",
    key: Annotated[list[str] | None, typer.Option("--key", "-k", help="a ledger key to replay; repeatable")] = None,
    all_: Annotated[bool, typer.Option("--all", help="replay every dead letter of the integration")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would be posted; write nothing")] = False,
) -> None:
    """Run the dead-letter-replay flow in this process (as the deployment would): the
    integration's flow runs again for the records behind the keys, through the ledger, so
    nothing already posted is posted twice. Exit code 0 only if the run Completed."""
    import asyncio

    from prefect import State

    from flows.dead_letter_replay import ReplaySummary, dead_letter_replay
    from ion_sync.child_processes import start_prefect_api

    if bool(key) == all_:
        typer.echo("error: give --key (one or more) or --all", err=True)
        raise typer.Exit(2)
    start_prefect_api()
    # prefect types an async flow called with return_state=True as an Awaitable; it is a coroutine
    replaying = dead_letter_replay(integration=integration, keys=key or None, dry_run=dry_run, return_state=True)
    state: State[ReplaySummary] = asyncio.run(replaying)  # type: ignore[arg-type]
    result = state.result(raise_on_failure=False)
    if isinstance(result, ConfigError):
        raise result
    if not state.is_completed() or isinstance(result, Exception):
        typer.echo(f"dead-letter-replay {state.name}: {state.message}", err=True)
        raise typer.Exit(1)
    typer.echo(f"dead-letter-replay {state.name} {result.line()}")


@app.command()
def automations(
    block: Annotated[
        str | None,
        typer.Option(
            help="an existing notification block to send through (default: a Slack-style webhook block from ION_SYNC_ALERT_WEBHOOK_URL)"
        ),
    ] = None,
) -> None:
    """Create the automations of automations.yaml on the Prefect server (PREFECT_API_URL): an
    unhealthy or silent integration, or health checks that stop, become notifications."""
    import asyncio

    from ion_sync.automations import apply_automations

    try:
        names = asyncio.run(apply_automations(block))
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo("Created automations: " + ", ".join(names))


@app.command()
def budgets() -> None:
    """Create (or bring up to date) one Prefect global concurrency limit per vendor budget of every
    system configured here (NetSuite's concurrency slots, Ramp's and QuickBooks' request budgets),
    so every worker and flow on an account shares it. `ion-sync serve` does this too."""
    import asyncio

    from prefect.settings import PREFECT_API_URL

    from tasks.budgets import configured_budgets, create_budgets

    if not PREFECT_API_URL.value():
        typer.echo(
            "error: shared budgets live on a Prefect server (the embedded API shares nothing between processes):\n"
            "  export PREFECT_API_URL=http://<server>:4200/api and run `ion-sync budgets` again",
            err=True,
        )
        raise typer.Exit(2)
    done = asyncio.run(create_budgets(configured_budgets()))
    if not done:
        typer.echo("no system with a shared budget is configured here (NETSUITE_*, RAMP_*, QUICKBOOKS_*)")
    for budget, action in done:
        per = f" per {budget.per_seconds:g} s" if budget.per_seconds else " at once"
        typer.echo(f"{action:9} {budget.name}: {budget.limit}{per} ({budget.what})")


@app.command()
def preflight(
    system: Annotated[
        str, typer.Argument(help="ion, netsuite, business-central, odoo, quickbooks, ramp, arena, duro, onshape, or all")
    ],
) -> None:
    """Check, read-only, every assumption the connectors make about the configured accounts
    before go-live, and print a PASS/FAIL table that says how to fix each FAIL. Exit code 1 if
    any check fails. The `preflight` flow publishes the same table as an artifact."""
    import asyncio

    from tasks.preflight import SYSTEMS, run_preflight, summary_line

    if system != "all" and system not in SYSTEMS:
        typer.echo(f"error: no preflight for {system!r}; available: {', '.join(SYSTEMS)}, all", err=True)
        raise typer.Exit(2)
    checks = asyncio.run(run_preflight([system]))
    current = None
    for check in checks:
        if check.system != current:
            current = check.system
            typer.echo(f"\n[{current}]")
        typer.echo(check.line())
    typer.echo(f"\n{summary_line(checks)}")
    raise typer.Exit(1 if any(not c.ok for c in checks) else 0)


@app.command()
@stops_on_config_error(runs_flows=True)
def acceptance(
    integration: Annotated[str, typer.Argument(help="an integration name, e.g. consumption-sync")],
    record: Annotated[str, typer.Option(help="source id of the marked test record in the customer's sandbox")],
    confirm: Annotated[bool, typer.Option(help="really push the record and write the report")] = False,
) -> None:
    """Acceptance (seed 002 rule 10): push one marked test record through the integration against
    the customer's sandbox accounts, read it back, and write the acceptance report (markdown and
    JSON: criterion, result, evidence, owner, SLA, time). Without --confirm it only says what it
    would do. Exit 0 PASS, 1 FAIL, 2 not supported or not configured."""
    import asyncio

    from ion_sync.acceptance import (
        UnsupportedError,
        plan_acceptance,
        run_acceptance,
        write_report,
    )
    from ion_sync.child_processes import start_prefect_api

    try:
        plan = plan_acceptance(integration, record)
    except (UnsupportedError, ConfigError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if not confirm:
        typer.echo(plan.describe())
        raise typer.Exit(0)
    start_prefect_api()
    report = asyncio.run(run_acceptance(plan))
    paths = write_report(report, plan.app.reports_dir)
    typer.echo(f"{report.result}  {report.integration} record {report.record}: {report.criterion}")
    for line in report.evidence:
        typer.echo(f"  {line}")
    typer.echo(f"report: {paths[0]}\n        {paths[1]}")
    raise typer.Exit(0 if report.result == "PASS" else 1)
