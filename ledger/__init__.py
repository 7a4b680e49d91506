"""Durable sync state: which record was posted where, watermarks, dead letters.

The exactly-once protocol of `../shared/DESIGN.md` ("The ledger") lives here: claim a key in
one transaction, post, then mark it posted, failed or dead; a claim left `pending` by a run
that died is resolved by asking the target, never by posting blind.
"""

from ledger.models import EntryStatus
from ledger.store import Claim, Ledger, Outcome, RunHandle

__all__ = ["Claim", "EntryStatus", "Ledger", "Outcome", "RunHandle"]
