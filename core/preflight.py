"""One go-live check and how it reads; each system's checks live in its package (`preflight.py`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One go-live check. `fix` says what to change when it fails (empty when it passes)."""

    system: str
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def row(self) -> dict[str, str]:
        return {
            "result": "PASS" if self.ok else "FAIL",
            "system": self.system,
            "check": self.name,
            "detail": self.detail,
            "how to fix": self.fix,
        }

    def line(self) -> str:
        text = f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.detail}"
        return text + (f"\n      fix: {self.fix}" if self.fix and not self.ok else "")


def case_hint(name: str, names: Iterable[str]) -> str:
    """A FAIL's hint when the name exists with other capitals (ION names are case-sensitive)."""
    close = [n for n in names if n.lower() == name.lower()]
    return f" (did you mean {close[0]!r}? names are case-sensitive)" if close else ""


def summary_line(checks: Sequence[Check]) -> str:
    failed = sum(not c.ok for c in checks)
    return f"{len(checks) - failed} passed, {failed} failed"
