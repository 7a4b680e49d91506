"""Duro go-live checks, read-only: the API key opens the library (x-api-key, x-organization,
x-library), its components carry the ION part number where DURO_PART_NUMBER_FIELD says, the
released statuses are statuses the library's components use, and change orders are readable
(plm-change-sync-duro polls them; plm-feedback-sync-duro creates draft ones).

Duro's API as documented has no query listing a library's lifecycle statuses, so the released
statuses are checked against the statuses the components use (a status no component has yet is
reported, not failed). Sources: connectors/duro/README.md.
"""

from __future__ import annotations

import os
from collections import Counter

from connectors.duro import DuroClient, DuroSettings
from connectors.duro.queries import CHANGE_ORDERS, COMPONENTS
from connectors.errors import ConfigError, SyncError
from connectors.settings import load_settings
from core.config import AppSettings
from core.preflight import Check
from plm.duro.engineering import Numbering, status_name

SYSTEM = "duro"
SAMPLE = 100  # components read to check numbering and statuses


async def run_checks() -> list[Check]:
    if "DURO_API_KEY" not in os.environ and (plm := load_settings(AppSettings).plm) != "duro":
        return [Check(SYSTEM, "Duro", True, f"not used (no DURO_API_KEY; ION_SYNC_PLM={plm})")]
    try:
        settings = load_settings(DuroSettings)
    except ConfigError as exc:
        return [Check(SYSTEM, "Duro configuration", False, str(exc), "set the DURO_* variables it names (README, 'Duro')")]
    return await preflight_checks(DuroClient(settings))


async def preflight_checks(duro: DuroClient) -> list[Check]:
    """Every check, each reported even when an earlier one failed (but a refused key ends them)."""
    settings = duro.settings
    async with duro:
        try:
            data = await duro.read(COMPONENTS, {"filter": {}, "pagination": {"first": min(SAMPLE, settings.page_size)}})
        except SyncError as exc:
            return [
                Check(
                    SYSTEM,
                    "Duro credentials",
                    False,
                    str(exc),
                    "check DURO_API_KEY (made in the library's settings, API keys), DURO_ORGANIZATION (@org) and "
                    "DURO_LIBRARY (@org/library), and DURO_API_URL",
                )
            ]
        found = data["component"]["findAll"]
        components = [edge["node"] for edge in found["edges"]]
        checks = [
            Check(
                SYSTEM, "Duro credentials", True, f"{settings.library}: {found.get('totalCount', len(components))} component(s)"
            )
        ]
        checks += [_numbering(settings, components), _statuses(settings, components)]
        try:
            orders = await duro.read(CHANGE_ORDERS, {"filter": {}, "pagination": {"first": 1}})
            total = orders["changeOrders"]["get"]["connection"].get("totalCount")
            checks.append(Check(SYSTEM, "Duro change orders", True, f"readable ({total} in the library)"))
        except SyncError as exc:
            checks.append(Check(SYSTEM, "Duro change orders", False, str(exc), "give the API key's user access to change orders"))
        return checks


def _numbering(settings: DuroSettings, components: list[dict[str, object]]) -> Check:
    name = "Duro part numbers"
    numbering = Numbering.of(settings)
    missing = [str(c.get("cpn")) for c in components if numbering.number(c) is None]
    if components and len(missing) == len(components):
        return Check(
            SYSTEM,
            name,
            False,
            f"none of {len(components)} component(s) has a {settings.part_number_field}",
            "set DURO_PART_NUMBER_FIELD to the field that holds the ION part number (cpn or eid)",
        )
    detail = f"the ION part number is the {settings.part_number_field}"
    if missing:
        detail += f"; {len(missing)} of {len(components)} sampled have none and will be skipped ({', '.join(missing[:5])})"
    return Check(SYSTEM, name, True, detail)


def _statuses(settings: DuroSettings, components: list[dict[str, object]]) -> Check:
    name = "Duro released statuses"
    used = Counter(status_name(c) for c in components)
    wanted = settings.released_statuses
    if not wanted:
        return Check(
            SYSTEM, name, False, "DURO_RELEASED_STATUSES is empty", "set it, e.g. DURO_RELEASED_STATUSES='[\"Production\"]'"
        )
    if components and not any(s in used for s in wanted):
        seen = ", ".join(f"{s} ({n})" for s, n in used.most_common())
        return Check(
            SYSTEM,
            name,
            False,
            f"no sampled component is in {', '.join(wanted)}; the library uses: {seen}",
            "set DURO_RELEASED_STATUSES to the status names (as Duro shows them) whose revisions go to ION",
        )
    unused = [s for s in wanted if s not in used]
    note = f" ({', '.join(unused)}: no sampled component yet)" if unused else ""
    return Check(SYSTEM, name, True, f"{', '.join(wanted)}{note}")
