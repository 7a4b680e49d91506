"""Onshape go-live checks, read-only: the API key (or token) is accepted on this stack, the
configured company is one of its user's companies, the user may enumerate the company's
revisions (Onshape: "This API can only be called by company admins"), and which webhooks
announce releases. Calls and sources: connectors/onshape/README.md (`GET /users/sessioninfo`,
`GET /companies`, `GET /revisions/companies/{cid}`, `GET /webhooks?company=`)."""

from __future__ import annotations

from connectors.errors import ConfigError, SyncError
from connectors.onshape import OnshapeClient, OnshapeSettings
from connectors.settings import load_settings
from core.preflight import Check

SYSTEM = "onshape"
RELEASE_EVENTS = {"onshape.revision.created", "onshape.workflow.transition"}


async def run_checks() -> list[Check]:
    try:
        settings = load_settings(OnshapeSettings)
    except ConfigError as exc:
        return [Check(SYSTEM, "Onshape configuration", False, str(exc), "set the ONSHAPE_* variables it names")]
    async with OnshapeClient(settings) as onshape:
        return await preflight_checks(onshape)


async def preflight_checks(onshape: OnshapeClient) -> list[Check]:
    """Every check, each reported even when an earlier one failed."""
    settings = onshape.settings
    checks: list[Check] = []
    try:
        who = await onshape.session_info()
        checks.append(Check(SYSTEM, "credentials", True, f"{settings.auth} accepted for {who.get('name') or who.get('id')}"))
    except SyncError as exc:
        fix = "create an API key in Onshape's Company settings > Developer (on this stack) and set ONSHAPE_ACCESS_KEY / ONSHAPE_SECRET_KEY"
        return [Check(SYSTEM, "credentials", False, str(exc), fix)]
    try:
        listed = (await onshape.get("/companies")) or {}
        ids = {str(c.get("id")): c for c in listed.get("items", []) if isinstance(c, dict)}
        company = ids.get(settings.company_id)
        detail = f"{settings.company_id} ({company.get('name')})" if company else f"not among {', '.join(sorted(ids)) or 'none'}"
        checks.append(Check(SYSTEM, "company", company is not None, detail, "set ONSHAPE_COMPANY_ID to one of these ids"))
    except SyncError as exc:
        checks.append(Check(SYSTEM, "company", False, str(exc), "check ONSHAPE_COMPANY_ID"))
    try:
        first = await anext(onshape.revisions(latest_only=True))
        detail = f"revisions readable ({len(first)} on the first page); X-Rate-Limit-Remaining {onshape.rate_limit_remaining}"
        checks.append(Check(SYSTEM, "revisions of the company", True, detail))
    except SyncError as exc:
        fix = "use the API key of a company admin: enumerating a company's revisions is an admin call"
        checks.append(Check(SYSTEM, "revisions of the company", False, str(exc), fix))
    try:
        hooks = [h for h in await onshape.webhooks() if RELEASE_EVENTS & set(h.events)]
        detail = (
            f"{len(hooks)} webhook(s) announce releases: {', '.join(h.url or '?' for h in hooks)}"
            if hooks
            else "none announce releases: plm-change-sync-onshape runs on its schedule only"
        )
        checks.append(Check(SYSTEM, "release webhooks", True, detail))
    except SyncError as exc:
        checks.append(Check(SYSTEM, "release webhooks", False, str(exc), "the key needs read access to the company's webhooks"))
    return checks
