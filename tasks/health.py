"""integration-health's rules: facts about one integration in, a verdict and its reasons out.

`assess` is a pure function (tested without Prefect); `gather` reads the facts from the
ledger (dead letters, error rate, inbox, stored OAuth tokens) and the Prefect API (runs).
Stored credentials are read for their expiry only: values never leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterEndTime,
    FlowRunFilterName,
    FlowRunFilterStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.sorting import FlowRunSort
from pydantic import BaseModel

from connectors.errors import ConfigError
from ledger import Ledger
from ledger.activity import Activity, InboxState, activity, inbox_state
from ledger.credentials import Credentials
from ledger.inbox import Inbox
from tasks.budgets import system_budgets


class Health(StrEnum):
    ok = "ok"
    pending = "pending"  # never ran, and its first scheduled run is not yet due
    warning = "warning"
    silent = "silent"  # no runs, or nothing posted for longer than usual
    failing = "failing"


class Thresholds(BaseModel):
    window: timedelta = timedelta(hours=1)
    backlog_max_age: timedelta = timedelta(minutes=30)
    error_rate: float = 0.2
    token_warning: timedelta = timedelta(hours=24)
    refresh_token_warning: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class TokenFacts:
    name: str
    expires_at: datetime | None  # the access token
    refresh_expires_at: datetime | None  # value["refresh_token_expires_at"], ISO, when the provider says
    encrypted: bool = True
    problem: str | None = None  # e.g. encrypted with a key this process does not have


@dataclass(frozen=True)
class Facts:
    integration: str
    sla: timedelta
    quiet_after: timedelta | None
    last_success: datetime | None
    runs_in_window: int
    failed_runs_in_window: int
    ledger: Activity
    inbox: InboxState | None
    tokens: list[TokenFacts] = field(default_factory=list)
    rate_budget: str | None = None
    cannot_work: str | None = None  # a configured mode the target system's API cannot serve
    conflicts: int = 0  # unresolved webhook conflicts: an event id redelivered with another payload
    ever_ran: bool = False  # Prefect has a run of it that started, in any state
    next_scheduled: datetime | None = None  # its deployment's next scheduled run, where the server knows one


@dataclass
class Verdict:
    integration: str
    health: Health
    problems: list[str]
    row: dict[str, Any]


_RANK = {Health.ok: 0, Health.pending: 1, Health.warning: 2, Health.silent: 3, Health.failing: 4}


def ago(delta: timedelta) -> str:
    """A duration a person reads; never negative (the server's clock and ours may differ a little)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h" if minutes < 48 * 60 else f"{minutes // 1440} d"


def assess(f: Facts, t: Thresholds, now: datetime) -> Verdict:
    found: list[tuple[Health, str]] = [(Health.failing, f.cannot_work)] if f.cannot_work else []
    since_success = now - f.last_success if f.last_success else None
    never_ran = not f.ever_ran and f.runs_in_window == 0 and f.ledger.last_run_started_at is None
    if f.last_success is None and never_ran and f.next_scheduled and f.next_scheduled > now:
        found.append((Health.pending, f"first scheduled run not yet due (at {f.next_scheduled:%Y-%m-%d %H:%M} UTC)"))
    elif f.last_success is None and never_ran:
        found.append((Health.silent, "no runs recorded"))
    elif since_success is None:
        found.append((Health.failing, f"no successful run yet (SLA {ago(f.sla)})"))
    elif since_success > f.sla:
        found.append((Health.failing, f"last successful run {ago(since_success)} ago (SLA {ago(f.sla)})"))
    if f.quiet_after and f.last_success is not None:
        quiet = now - f.ledger.last_posted_at if f.ledger.last_posted_at else None
        if quiet is None or quiet > f.quiet_after:
            what = "ever" if quiet is None else f"for {ago(quiet)}"
            found.append((Health.silent, f"runs succeed but nothing posted {what} (usually within {ago(f.quiet_after)})"))
    if f.inbox and f.inbox.oldest_pending and now - f.inbox.oldest_pending > t.backlog_max_age:
        found.append((Health.failing, f"{f.inbox.pending} webhook event(s) waiting, oldest {ago(now - f.inbox.oldest_pending)}"))
    if f.inbox and f.inbox.dead:
        found.append((Health.warning, f"{f.inbox.dead} webhook event(s) given up"))
    if f.conflicts:
        found.append(
            (Health.warning, f"{f.conflicts} webhook event(s) redelivered with a different payload: `ion-sync webhook-conflicts`")
        )
    if f.ledger.dead_new:
        found.append((Health.warning, f"{f.ledger.dead_new} new dead letter(s) in the last {ago(t.window)}"))
    rate = f.ledger.error_rate
    if rate is not None and rate > t.error_rate and f.ledger.errors > f.ledger.dead_new:
        found.append((Health.failing, f"error rate {rate:.0%} over the last {ago(t.window)}"))
    if f.failed_runs_in_window:
        found.append((Health.warning, f"{f.failed_runs_in_window} failed run(s) in the last {ago(t.window)}"))
    for token in f.tokens:
        if token.problem:
            found.append((Health.failing, token.problem))
        if not token.encrypted:
            found.append(
                (Health.warning, f"{token.name} is stored in clear (by an older version): it is encrypted on its next refresh")
            )
        for label, expires, warn in (
            ("access token", token.expires_at, t.token_warning),
            ("refresh token", token.refresh_expires_at, t.refresh_token_warning),
        ):
            if expires is None:
                continue
            if expires <= now:
                found.append((Health.failing, f"{token.name}: {label} expired {ago(now - expires)} ago"))
            elif label == "refresh token" and expires - now < warn:
                found.append((Health.warning, f"{token.name}: refresh token expires in {ago(expires - now)}: reconnect"))
    health = max((h for h, _ in found), key=_RANK.__getitem__, default=Health.ok)
    token_expiry = min((d for tk in f.tokens if (d := tk.refresh_expires_at or tk.expires_at) is not None), default=None)
    row = {
        "integration": f.integration,
        "health": health.value,
        "last success": f"{ago(since_success)} ago"
        if since_success is not None
        else ("not yet due" if health is Health.pending else "never"),
        "SLA": ago(f.sla),
        "inbox backlog": f"{f.inbox.pending} (oldest {ago(now - f.inbox.oldest_pending)})"
        if f.inbox and f.inbox.oldest_pending
        else (0 if f.inbox else "–"),
        "webhook conflicts": f.conflicts,
        "dead letters new/total": f"{f.ledger.dead_new}/{f.ledger.dead_total}",
        "error rate": f"{rate:.0%}" if rate is not None else "–",
        "runs (failed)": f"{f.runs_in_window} ({f.failed_runs_in_window})",
        "token expiry": f"in {ago(token_expiry - now)}"
        if token_expiry and token_expiry > now
        else ("expired" if token_expiry else "–"),
        "rate budget": f.rate_budget or "–",
        "problems": "; ".join(p for _, p in found) or "none",
    }
    return Verdict(f.integration, health, [p for _, p in found], row)


class Announced(BaseModel):
    """The last verdict announced for one integration (kept between checks in a Prefect variable)."""

    health: Health
    since: datetime  # when it entered this health
    announced_at: datetime


def announce(previous: Announced | None, health: Health, now: datetime, reminder: timedelta) -> Announced | None:
    """Whether to emit this check's verdict: when it changed (a recovery to ok included), and
    while it stays bad, once per `reminder`; None means stay quiet. The first check announces."""
    if previous is None or previous.health is not health:
        return Announced(health=health, since=now, announced_at=now)
    if health not in (Health.ok, Health.pending) and now - previous.announced_at >= reminder:
        return Announced(health=health, since=previous.since, announced_at=now)
    return None


def _naive(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value and value.tzinfo else value


def tokens(ledger: Ledger, names: tuple[str, ...]) -> list[TokenFacts]:
    """Expiry of each stored credential; the values themselves are read only for the
    refresh token's expiry and go no further. A name ending in `*` stands for every stored
    credential it prefixes (`quickbooks:*`: one per connected company)."""
    store = Credentials(ledger)
    found = []
    stored_names = store.names() if any(n.endswith("*") for n in names) else []
    names = tuple(
        n
        for pattern in names
        for n in ([m for m in stored_names if m.startswith(pattern[:-1])] if pattern.endswith("*") else [pattern])
    )
    for name in names:
        try:
            stored = store.get(name)
        except ConfigError as exc:  # encrypted with a key this process does not have
            found.append(TokenFacts(name, store.expiry(name), None, True, str(exc)))
            continue
        if stored is None:
            continue
        raw = stored.value.get("refresh_token_expires_at") if isinstance(stored.value, dict) else None
        try:
            refresh = datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
        except ValueError:
            refresh = None
        found.append(TokenFacts(name, stored.expires_at, _naive(refresh), stored.encrypted))
    return found


@dataclass(frozen=True)
class RunFacts:
    last_success: datetime | None  # end of the last run whose state type is COMPLETED (named states included)
    runs: int  # started since the window's start
    failed: int  # of which failed or crashed
    ever_ran: bool
    next_scheduled: datetime | None


async def prefect_runs(flow_name: str, since: datetime, deployment: str | None = None, runs_named: bool = False) -> RunFacts:
    """What the Prefect API knows of one integration's flow runs (of its `deployment` only, when
    its flow serves several: an ERP-port flow run for another ERP, a PLM-port flow for one PLM).
    `runs_named`: the flow names its runs after the deployment (the PLM-port flows), so a run
    outside the deployment (the demo, `ion-sync run` without a server) is found by its name;
    scheduled runs, not yet named, by the deployment."""
    flows = FlowFilter(name=FlowFilterName(any_=[flow_name]))
    deployments = DeploymentFilter(name=DeploymentFilterName(any_=[deployment])) if deployment else None
    named = FlowRunFilterName(like_=deployment) if deployment and runs_named else None
    started_runs = None if named else deployments
    async with get_client() as client:
        last = await client.read_flow_runs(
            flow_filter=flows,
            deployment_filter=started_runs,
            # On PostgreSQL a descending sort puts NULLs first: one Completed run without an end
            # time (never started) hid every real success ("never" after three good runs).
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED])),
                end_time=FlowRunFilterEndTime(is_null_=False),
                name=named,
            ),
            sort=FlowRunSort.END_TIME_DESC,
            limit=1,
        )
        recent = await client.read_flow_runs(
            flow_filter=flows,
            deployment_filter=started_runs,
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since.replace(tzinfo=UTC)), name=named),
            limit=200,
        )
        started = await client.read_flow_runs(
            flow_filter=flows,
            deployment_filter=started_runs,
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(is_null_=False), name=named),
            limit=1,
        )
        scheduled = await client.read_flow_runs(
            flow_filter=flows,
            deployment_filter=deployments,
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=1,
        )
    bad = {StateType.FAILED, StateType.CRASHED}
    return RunFacts(
        last_success=_naive(last[0].end_time) if last else None,
        runs=len(recent),
        failed=sum(1 for r in recent if r.state_type in bad),
        ever_ran=bool(started),
        next_scheduled=_naive(scheduled[0].expected_start_time) if scheduled else None,
    )


async def rate_budget(system: str) -> str | None:
    """Slots in use of the Prefect global concurrency limits that hold a system's API budgets
    (`tasks.budgets.system_budgets`; those not created on the server are left out)."""
    from prefect.exceptions import ObjectNotFound

    uses = []
    async with get_client() as client:
        for budget in system_budgets(system):
            try:
                limit = await client.read_global_concurrency_limit_by_name(budget.name)
            except ObjectNotFound:
                continue
            uses.append(f"{limit.active_slots}/{limit.limit} slots ({budget.name})")
    return "; ".join(uses) or None


@task(name="gather-health-facts", cache_policy=NO_CACHE)
async def gather(ledger: Ledger, integrations: list[Any], sla_minutes: dict[str, int], since: datetime) -> list[Facts]:
    facts = []
    budget_use: dict[str, str | None] = {}  # by system: several integrations share its budgets
    for integ in integrations:
        runs = await prefect_runs(integ.flow or integ.name, since, integ.name if integ.flow else None, integ.runs_named)
        inbox = None
        conflicts = sum(len(Inbox(ledger).conflicts(r.source, r.event_types)) for r in integ.routes)
        for route in integ.routes:
            state = inbox_state(ledger, route.source, route.event_types)
            inbox = (
                state
                if inbox is None
                else InboxState(
                    inbox.pending + state.pending,
                    min(filter(None, [inbox.oldest_pending, state.oldest_pending]), default=None),
                    inbox.dead + state.dead,
                )
            )
        if integ.budgets and integ.budgets not in budget_use:
            budget_use[integ.budgets] = await rate_budget(integ.budgets)
        budget = budget_use.get(integ.budgets) if integ.budgets else None
        sla = timedelta(minutes=sla_minutes[integ.name]) if integ.name in sla_minutes else integ.sla
        facts.append(
            Facts(
                integration=integ.name,
                sla=sla,
                quiet_after=integ.quiet_after,
                last_success=runs.last_success,
                runs_in_window=runs.runs,
                failed_runs_in_window=runs.failed,
                ledger=activity(ledger, integ.ledger_name, since),
                inbox=inbox,
                tokens=tokens(ledger, integ.credentials),
                rate_budget=budget,
                cannot_work=integ.cannot_work() if integ.cannot_work else None,
                conflicts=conflicts,
                ever_ran=runs.ever_ran,
                next_scheduled=runs.next_scheduled,
            )
        )
    return facts
