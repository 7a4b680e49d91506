"""Arena go-live checks, read-only: the integration user can log in, the request category and
number sequence prefix NCRs are filed under exist in the workspace, the file category (if set),
the mapped Arena items, the outbound integration (if set), the routing items (if
ARENA_ROUTING_SUFFIX is set), and the daily API quota.

Each call and its source (`ptc-arena/arena-restapi-doc`): login [Endpoints/Access/endpoint_login.md];
`GET /settings/requests/categories[/{guid}]` [Endpoints/Settings/Request Settings/endpoint_get_request_categories.md];
`GET /settings/requests/numbersequenceprefixes` [.../endpoint_get_request_number_prefixes.md];
`GET /settings/files/categories/{guid}` [Endpoints/Settings/File Settings/endpoint_get_file_categories.md];
`GET /items?number=` [Endpoints/Item/endpoint_get_items.md]; `GET /outboundintegrations/{guid}`
[Endpoints/Outbound Integrations - Event Queue/endpoint_get_integrations.md]; the
`X-Arena-Requests-Remaining` header [api_licensing.md]. Whether the prefix belongs to the
category's number sequence is not checkable from these endpoints (a category names only its
default prefix), so a prefix other than that default is reported, not failed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from connectors.arena import ArenaClient, ArenaSettings
from connectors.errors import ConfigError, DataError, SyncError
from connectors.settings import load_settings
from core.config import AppSettings, ArenaMappings
from core.environment import load_mappings_for
from core.preflight import Check
from ledger import Ledger
from plm.arena.session import arena_client

SYSTEM = "arena"
LISTS = "GET /settings/requests/categories lists them"


async def run_checks() -> list[Check]:
    try:
        settings = load_settings(ArenaSettings)
        app = load_settings(AppSettings)
        mappings = load_mappings_for(app, optional=True).arena
    except ConfigError as exc:
        return [
            Check(
                SYSTEM,
                "Arena configuration",
                False,
                str(exc),
                "set the ARENA_* variables and the mappings file's arena: section it names",
            )
        ]
    ledger = Ledger(app.database_url)  # the session the flows share: a login of its own would cancel theirs
    try:
        return await preflight_checks(lambda: arena_client(settings, ledger), mappings)
    finally:
        ledger.close()


async def preflight_checks(factory: Callable[[], ArenaClient], setup: ArenaMappings) -> list[Check]:
    """Every check, each reported (pass or fail) even when an earlier one failed."""
    try:
        async with factory() as arena:
            who = f"{arena.settings.email}, workspace {arena.settings.workspace_id or '(last used)'}"
            checks = [Check(SYSTEM, "Arena credentials", True, f"logged in as {who}")]
            for check in (_request_category, _request_prefix, _file_category, _mapped_parts, _integration, _routings):
                checks += await _guarded(check, arena, setup)
            checks.append(_quota(arena))
            return checks
    except SyncError as exc:
        return [
            Check(
                SYSTEM,
                "Arena credentials",
                False,
                str(exc),
                "check ARENA_EMAIL, ARENA_PASSWORD, ARENA_WORKSPACE_ID and ARENA_API_URL (the API host of your app host)",
            )
        ]


async def _guarded(
    check: Callable[[ArenaClient, ArenaMappings], Awaitable[list[Check]]], arena: ArenaClient, setup: ArenaMappings
) -> list[Check]:
    try:
        return await check(arena, setup)
    except SyncError as exc:
        name = check.__name__.strip("_").replace("_", " ")
        return [Check(SYSTEM, f"Arena {name}", False, str(exc), "see the message; the call is read-only and can be retried")]


async def _request_category(arena: ArenaClient, setup: ArenaMappings) -> list[Check]:
    name = "NCR request category"
    guid = setup.request_category_guid
    if not guid:
        return [
            Check(
                SYSTEM,
                name,
                False,
                "arena.request_category_guid is not set",
                f"set arena.request_category_guid in the mappings file ({await _categories(arena)})",
            )
        ]
    try:
        category = await arena.request_category(guid)
    except DataError as exc:
        return [
            Check(
                SYSTEM,
                name,
                False,
                f"{guid} is not a request category of this workspace ({exc})",
                f"set arena.request_category_guid to one of: {await _categories(arena)}",
            )
        ]
    label = f"{category.get('name')} ({category.get('path')})"
    if category.get("structural") or category.get("assignable") is False or category.get("activated") is False:
        return [
            Check(
                SYSTEM,
                name,
                False,
                f"{label} cannot hold requests (structural, not assignable or inactive)",
                f"pick an active, assignable category: {await _categories(arena)}",
            )
        ]
    return [Check(SYSTEM, name, True, label)]


async def _categories(arena: ArenaClient) -> str:
    """The assignable request categories, `name = guid`, for a fix message."""
    try:
        rows = (await arena.get("/settings/requests/categories")).get("results") or []
    except SyncError:
        return LISTS
    usable = [f"{c.get('name')} = {c.get('guid')}" for c in rows if c.get("assignable") and c.get("activated", True)]
    return "; ".join(usable) or LISTS


async def _request_prefix(arena: ArenaClient, setup: ArenaMappings) -> list[Check]:
    name = "NCR number sequence prefix"
    prefixes = [p.get("value") for p in await arena.request_prefixes()]
    wanted = setup.request_number_prefix
    if not wanted or wanted not in prefixes:
        detail = "arena.request_number_prefix is not set" if not wanted else f"{wanted!r} is not a request number prefix here"
        return [
            Check(
                SYSTEM,
                name,
                False,
                detail,
                f"set arena.request_number_prefix to one of {', '.join(repr(p) for p in prefixes)} (dash included)",
            )
        ]
    default = None
    if setup.request_category_guid:
        with contextlib.suppress(DataError):  # the category check names that problem
            default = (
                (await arena.request_category(setup.request_category_guid)).get("numberingSequencePrefixDefault") or {}
            ).get("value")
    note = f"; the category's default is {default!r}" if default and default != wanted else ""
    return [Check(SYSTEM, name, True, f"{wanted!r}{note}")]


async def _file_category(arena: ArenaClient, setup: ArenaMappings) -> list[Check]:
    guid = setup.file_category_guid
    if not guid:
        return []
    try:
        category = await arena.file_category(guid)
    except DataError as exc:
        return [
            Check(
                SYSTEM,
                "As-built file category",
                False,
                f"{guid}: {exc}",
                "set arena.file_category_guid to a file category (GET /settings/files/categories), or leave it out",
            )
        ]
    return [Check(SYSTEM, "As-built file category", True, f"{category.get('name')} ({category.get('path')})")]


async def _mapped_parts(arena: ArenaClient, setup: ArenaMappings) -> list[Check]:
    if not setup.parts:
        return [Check(SYSTEM, "Mapped Arena items", True, "no part numbers mapped: Arena and ION numbers are the same")]
    missing = []
    for number in setup.parts:
        found = await arena.all("/items", {"number": number})
        if not any(i.get("number") == number for i in found):
            missing.append(number)
    if missing:
        return [
            Check(
                SYSTEM,
                "Mapped Arena items",
                False,
                f"not Arena items: {', '.join(missing)}",
                "fix or remove those keys of arena.parts (Arena item number -> ION part number)",
            )
        ]
    return [Check(SYSTEM, "Mapped Arena items", True, f"all {len(setup.parts)} mapped item number(s) exist")]


async def _integration(arena: ArenaClient, _setup: ArenaMappings) -> list[Check]:
    if not arena.settings.integration_guid:
        return [Check(SYSTEM, "Outbound integration", True, "ARENA_INTEGRATION_GUID unset: plm-change-sync-arena polls changes")]
    try:
        found = await arena.integration()
    except DataError as exc:
        return [
            Check(
                SYSTEM,
                "Outbound integration",
                False,
                f"{arena.settings.integration_guid}: {exc}",
                "ask Arena support for the outbound integration's GUID, or unset ARENA_INTEGRATION_GUID to poll changes",
            )
        ]
    enabled = found.get("enabled") is not False
    return [
        Check(
            SYSTEM,
            "Outbound integration",
            enabled,
            f"{found.get('name')} ({'enabled' if enabled else 'disabled'})",
            "" if enabled else "ask Arena support to enable the outbound integration",
        )
    ]


async def _routings(arena: ArenaClient, _setup: ArenaMappings) -> list[Check]:
    """Routing items exist for the suffix set (plm/arena/routings.py: Arena has no routing object)."""
    suffix = arena.settings.routing_suffix
    name = "Routing items"
    if not suffix:
        return [Check(SYSTEM, name, True, "ARENA_ROUTING_SUFFIX unset: plm-routing-sync-arena reads no routings")]
    found = [i["number"] for i in await arena.all("/items") if str(i.get("number", "")).endswith(suffix)]
    if not found:
        return [
            Check(
                SYSTEM,
                name,
                False,
                f"no Arena item is numbered <part number>{suffix}",
                "set ARENA_ROUTING_SUFFIX to the suffix your routing items carry, or unset it",
            )
        ]
    return [Check(SYSTEM, name, True, f"{len(found)} routing item(s), e.g. {', '.join(found[:3])}")]


def _quota(arena: ArenaClient) -> Check:
    remaining, reserve = arena.quota.remaining, arena.settings.quota_reserve
    if remaining is None:
        return Check(
            SYSTEM,
            "API request quota",
            False,
            "Arena sent no X-Arena-Requests-Remaining header",
            "check ARENA_API_URL points at the Arena REST API (…/v1)",
        )
    detail = f"{remaining} request(s) left today (reset {arena.quota.reset}); ARENA_QUOTA_RESERVE={reserve}"
    return Check(
        SYSTEM,
        "API request quota",
        remaining > reserve,
        detail,
        "" if remaining > reserve else "wait for the reset, or ask Arena for a larger daily quota",
    )
