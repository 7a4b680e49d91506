"""The QuickBooks setup, made safe (seed 001 setup steps 3-6): tokens kept in the ledger, the
five account names resolved to ids once per run (a missing name or a wrong type stops the run
before any write), and names of vendors, classes, accounts and items looked up page by page.
The go-live checklist is `erp/quickbooks/preflight.py`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.errors import ConfigError
from connectors.quickbooks import (
    QuickBooksClient,
    QuickBooksSettings,
    query_value_problem,
)
from core.config import QuickBooksMappings
from core.stored_credential import StoredCredential
from erp.quickbooks.rules import SetupIds
from ledger import Ledger

# setup field -> (label in messages, allowed AccountTypes)
ACCOUNT_TYPES: dict[str, tuple[str, set[str]]] = {
    "accounts_payable": ("Accounts Payable", {"Accounts Payable"}),
    "income": ("Income Account", {"Income", "Other Income"}),
    "inventory_asset": ("Inventory Asset Account", {"Other Current Asset"}),
    "inventory_expense": ("Inventory Expense Account", {"Cost of Goods Sold"}),
    "fees": ("Account for Fees", {"Expense", "Other Expense", "Cost of Goods Sold"}),
}


class LedgerTokenStore(StoredCredential):
    """`connectors.quickbooks.TokenStore` on the ledger's credential store."""

    def rotate(self, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]) -> dict[str, Any] | None:
        """The credential row's `expires_at` is the access token's, as integration health reads it."""

        def with_expiry(current: dict[str, Any] | None) -> tuple[dict[str, Any], datetime | None] | None:
            new = change(current)
            if new is None:
                return None
            access = new.get("access_expires_at")
            return new, datetime.fromtimestamp(float(access), UTC) if access else None

        return self.credentials.rotate(self.name, with_expiry)


class StagedTokenStore:
    """A `TokenStore` for checks: a credential the ledger already holds is used (and rotated) in
    place, as a flow would; a new one is held in memory and reaches the ledger only on `keep()`,
    so a check against the wrong realm, or refused, leaves no credential behind."""

    def __init__(self, ledger_store: LedgerTokenStore) -> None:
        self.ledger_store = ledger_store
        self.in_ledger = ledger_store.load() is not None
        self.staged: dict[str, Any] | None = None

    @property
    def rotated(self) -> bool:
        """QuickBooks handed out a new refresh token that only this store holds."""
        return bool(self.staged and self.staged.get("rotated"))

    def load(self) -> dict[str, Any] | None:
        return self.ledger_store.load() if self.in_ledger else self.staged

    def rotate(self, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]) -> dict[str, Any] | None:
        if self.in_ledger:
            return self.ledger_store.rotate(change)
        new = change(self.staged)
        if new is not None:
            self.staged = new
        return self.staged

    def keep(self) -> None:
        staged = self.staged
        if staged is not None and not self.in_ledger:
            self.ledger_store.rotate(lambda current: None if current else staged)


def quickbooks_client(settings: QuickBooksSettings, ledger: Ledger) -> QuickBooksClient:
    return QuickBooksClient(settings, LedgerTokenStore(ledger, settings.credential_name))


def account_problems(setup: QuickBooksMappings, found: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for attr, (label, types) in ACCOUNT_TYPES.items():
        name = getattr(setup.accounts, attr)
        account = found.get(name)
        unsearchable = query_value_problem(name)
        if unsearchable:
            problems.append(f"{label} (quickbooks.accounts.{attr}): {name!r} {unsearchable}")
        elif account is None:
            problems.append(f"{label} (quickbooks.accounts.{attr}): no active QuickBooks account is named {name!r}")
        elif account.get("AccountType") not in types:
            problems.append(
                f"{label} (quickbooks.accounts.{attr}): {name!r} is a {account.get('AccountType')} account; "
                f"expected {' or '.join(sorted(types))}"
            )
    return problems


async def find_accounts(qbo: QuickBooksClient, setup: QuickBooksMappings) -> dict[str, dict[str, Any]]:
    """The setup's accounts by name (names no query can express are left to `account_problems`)."""
    names = [getattr(setup.accounts, attr) for attr in ACCOUNT_TYPES]
    return await qbo.find_by("Account", "Name", [n for n in names if not query_value_problem(n)])


async def resolve_setup(qbo: QuickBooksClient, setup: QuickBooksMappings, config_path: object) -> SetupIds:
    """The five accounts by name, in one query; any missing or mistyped one is a ConfigError."""
    found = await find_accounts(qbo, setup)
    problems = account_problems(setup, found)
    if setup.class_attribute:
        preferences = await qbo.preferences()
        if not (preferences.get("AccountingInfoPrefs") or {}).get("ClassTrackingPerLine"):
            problems.append(
                f"class_attribute is {setup.class_attribute!r} but class tracking per line is off in QuickBooks: turn on "
                "Settings > Advanced > Categories > Track classes (one to each row), or remove class_attribute"
            )
    if problems:
        raise ConfigError(
            f"QuickBooks setup in {config_path} does not match the company; nothing was written:\n  - "
            + "\n  - ".join(problems)
            + "\nFix the names (exact, as in QuickBooks' chart of accounts) and run again."
        )
    return SetupIds(**{attr: str(found[getattr(setup.accounts, attr)]["Id"]) for attr in ACCOUNT_TYPES})


@dataclass
class NameCache:
    """Ids of QuickBooks names looked up during one run (None: no active record has that name).
    `refused`: names no query can look up (`query_value_problem`), with why; they count as missing."""

    vendors: dict[str, str | None] = field(default_factory=dict)
    classes: dict[str, str | None] = field(default_factory=dict)
    accounts: dict[str, str | None] = field(default_factory=dict)
    items: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    async def fill(
        self,
        qbo: QuickBooksClient,
        *,
        vendors: Sequence[str] = (),
        classes: Sequence[str] = (),
        accounts: Sequence[str] = (),
        items: Sequence[str] = (),
    ) -> None:
        for cache, entity, name_field, wanted in (
            (self.vendors, "Vendor", "DisplayName", vendors),
            (self.classes, "Class", "Name", classes),
            (self.accounts, "Account", "Name", accounts),
        ):
            unknown = self._searchable(cache, sorted(set(wanted) - cache.keys()))
            if unknown:
                found = await qbo.find_by(entity, name_field, unknown)
                cache.update({name: str(found[name]["Id"]) if name in found else None for name in unknown})
        await self.fill_items(qbo, items)

    async def fill_items(self, qbo: QuickBooksClient, names: Sequence[str], *, again: bool = False) -> None:
        unknown = self._searchable(self.items, sorted(set(names) if again else set(names) - self.items.keys()))
        if unknown:
            found = await qbo.find_by("Item", "Name", unknown)
            self.items.update({name: found.get(name) for name in unknown})

    def _searchable(self, cache: dict[str, Any], names: list[str]) -> list[str]:
        """The names a query can look up; the others are recorded as missing, with why."""
        for name in names:
            problem = query_value_problem(name)
            if problem:
                cache[name] = None
                self.refused[name] = problem
        return [name for name in names if name not in self.refused]
