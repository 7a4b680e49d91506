"""The flow-run names of the windowed syncs, as the runs list shows them: the records asked for,
else the time window, else the mode (one rule for every sync, so the list reads the same way)."""

from __future__ import annotations

from collections.abc import Callable

from prefect.runtime import flow_run


def windowed_run_name(label: str, **selectors: str) -> Callable[[], str]:
    """`flow_run_name` for a sync named `label`: `selectors` map an id-list parameter to the noun
    before its ids; the first one given names the run by its first ids (`consumption · runs 1004, 1005`)."""

    def name() -> str:
        params = flow_run.parameters
        mode = " (dry run)" if params.get("dry_run") else ""
        for parameter, noun in selectors.items():
            if chosen := params.get(parameter):
                shown = ", ".join(map(str, chosen[:5])) + ("…" if len(chosen) > 5 else "")
                return f"{label} · {noun}{shown}{mode}"
        if params.get("since") or params.get("until"):
            return f"{label} · {params.get('since') or '…'} → {params.get('until') or 'now'}{mode}"
        return f"{label} · {'full resync' if params.get('full_resync') else 'since watermark'}{mode}"

    return name
