"""What labor-sync plans from what the ledger says about a session's time entry (no I/O).

A session's entry is keyed `ion:session:<id>:time` and the ledger keeps, with the posted key,
what was posted (its fingerprint, hours, date): an unchanged session is settled, an edited one
is a correction of the entry posted (`Postable.corrects`), and a posted session edited into
something unpostable keeps its entry and is a dead letter under `ion:session:<id>:correction`.
"""

from __future__ import annotations

from typing import Any

from core.writer import Postable
from erp.port.time_entries import TimeEntry
from ledger import EntryStatus
from ledger.store import DeadLetter, EntryView
from mes.ion.labor import correction_key


def time_entry(plan: TimeEntry, body: dict[str, Any], fingerprint: str, corrects: str | None) -> Postable:
    """One entry for the engine: a new one, or the correction of the entry posted as `corrects`."""
    verb = "time entry" if corrects is None else f"correction of time bill {corrects}"
    row = {
        "session": plan.session_id,
        "work order": plan.work_order,
        "employee": plan.employee,
        "customer": plan.customer,
        "date": plan.tran_date,
        "hours": plan.hours,
        "action": "created" if corrects is None else "corrected",
    }
    kept = {  # what the ledger keeps: enough to see what the ERP holds and to detect edits
        "fingerprint": fingerprint,
        "hours": plan.hours,
        "tranDate": plan.tran_date,
        "employee": plan.employee,
        "work_order": plan.work_order,
        "session_etag": plan.etag,
        "_etag": plan.etag,
    }
    return Postable(
        plan.key,
        f"ion:session:{plan.session_id}",
        plan.label,
        body,
        row,
        plan.updated,
        record=plan,
        what=f"the {verb} for work order {plan.work_order}",
        payload=kept,
        corrects=corrects,
    )


def is_posted(entry: EntryView | None) -> bool:
    return entry is not None and entry.status is EntryStatus.posted


def etag_of(payload: dict[str, Any] | None) -> str | None:
    return (payload or {}).get("_etag")


def worth_keeping(letter: DeadLetter, entry: EntryView | None, *, retry_dead: bool) -> bool:
    """A dead letter already kept for this very version of the session is not news."""
    if entry is None or entry.status is not EntryStatus.dead or retry_dead:
        return True
    return etag_of(entry.payload) != etag_of(letter.payload)


def as_correction(letter: DeadLetter, entry: EntryView | None, erp: str) -> DeadLetter:
    """A posted session edited into something unpostable: the posted entry stays, the edit is
    kept under its own key so a person sees it."""
    if entry is None or entry.status is not EntryStatus.posted:
        return letter
    posted = entry.payload or {}
    session = letter.source_ref.rsplit(":", 1)[-1]
    reason = (
        f"edited after posting; {erp} time bill {entry.target_id} still holds {posted.get('hours', '?')} h "
        f"on {posted.get('tranDate', '?')}: {letter.reason}"
    )
    return DeadLetter(correction_key(session), letter.source_ref, reason, letter.payload, letter.source_time)
