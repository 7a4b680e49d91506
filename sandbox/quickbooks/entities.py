"""Entity rules: PurchaseOrder, Item, Vendor, Account, Class, CompanyInfo (quickbooks.md A4,
A7-A9). Each rule cites its source inline; `sandbox/quickbooks/CONTRACT.md` is the table.

Every write assigns string Ids, bumps the string SyncToken (A4: `"0"`, `"1"`...), stamps
`MetaData.CreateTime/LastUpdatedTime`, and answers `domain: "QBO"`, `sparse: false` (A7 create
response). Updates need the current SyncToken (else 5010, A4). A full update sets omitted
writable fields to null (A4, "Full update"); `"sparse": true` changes only the fields sent (A4),
but a Line array sent replaces the whole list ([SEC], CONTRACT.md); either way a line whose
`Id` is absent, <= 0 or unknown is a new line (A7 "Line.Id").
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

from .config import QuickBooksSimConfig
from .errors import STALE_DETAIL, QboFault
from .store import Store

ENTITIES = {
    "account": "Account",
    "vendor": "Vendor",
    "class": "Class",
    "item": "Item",
    "purchaseorder": "PurchaseOrder",
    "companyinfo": "CompanyInfo",
}
# Read-only: TotalAmt (A7 "Calculated by QuickBooks… any value you supply is over-written"),
# FullyQualifiedName (A8, A9), Classification (A9), Id/SyncToken/MetaData (system-defined, A7).
READ_ONLY = {"Id", "SyncToken", "MetaData", "domain", "sparse", "TotalAmt", "FullyQualifiedName", "Classification", "time"}
# AccountType -> Classification (A9 AccountType/AccountSubType table).
CLASSIFICATION = {
    "Accounts Payable": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Credit Card": "Liability",
    "Bank": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Receivable": "Asset",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Expense": "Expense",
    "Other Expense": "Expense",
    "Cost of Goods Sold": "Expense",
    "Equity": "Equity",
}
ITEM_TYPES = {"Inventory", "Service", "NonInventory"}  # A8 (Category and Group are not created by ion-sync)
# A9 Account Name: no `"` or `:`; A8 Item Name: no tab, newline or colon; A9 Vendor DisplayName:
# no colon, tab or newline; Class Name: `:` separates levels of FullyQualifiedName (A9).
FORBIDDEN_NAME_CHARS = {"Account": ['"', ":"], "Item": ["\t", "\n", ":"], "Vendor": [":", "\t", "\n"], "Class": [":"]}


def timestamp() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def _ref(body: dict[str, Any], name: str) -> str | None:
    ref = body.get(name)
    return str(ref["value"]) if isinstance(ref, dict) and ref.get("value") not in (None, "") else None


def _max_length(record: dict[str, Any], field: str, limit: int, *, where: str = "") -> None:
    value = record.get(field)
    if isinstance(value, str) and len(value) > limit:
        raise QboFault(
            "2050",
            f"String length specified does not match the supported length. Min:0 Max:{limit} supported. "
            f"Supplied length:{len(value)}",
            element=f"{where}{field}",
        )


class Company:
    """The rules of one realm over its `Store`."""

    def __init__(self, config: QuickBooksSimConfig, store: Store) -> None:
        self.config = config
        self.store = store

    # -- entry points ---------------------------------------------------------------------

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        self._check_plan(entity)
        if entity == "CompanyInfo":
            return self._company_info(entity_id)
        found = self.store.get(entity, entity_id)
        if found is None:
            raise QboFault(
                "610", f"Object Not Found : Something you're trying to use has been made inactive. {entity} {entity_id}"
            )
        return found

    def write(
        self, entity: str, body: dict[str, Any], *, operation: str = "create", allow_duplicate_doc: bool = False
    ) -> dict[str, Any]:
        """Create, update (body has Id) or delete one entity; returns the stored document."""
        self._check_plan(entity)
        if entity == "CompanyInfo":  # ion-sync never writes it: refused rather than modelled
            raise QboFault("500", "Unsupported Operation: CompanyInfo writes are not simulated")
        if not isinstance(body, dict):
            raise QboFault("2020", f"Required param missing: {entity} body")
        with self.store.lock:
            if operation == "delete":
                return self._delete(entity, body)
            if operation == "update" or body.get("Id") not in (None, ""):
                return self._update(entity, body, allow_duplicate_doc)
            return self._create(entity, body, allow_duplicate_doc)

    def _check_plan(self, entity: str) -> None:
        # A6 code 5020: "Purchase Order creation is available only in QBO Plus" ([SEC] insighthk list);
        # HTTP 400 is INFERENCE (the list gives no status).
        if entity == "PurchaseOrder" and not self.config.purchase_orders_enabled:
            raise QboFault("5020", "Purchase Order creation is available only in QBO Plus", status=400)

    def _company_info(self, entity_id: str) -> dict[str, Any]:
        """`GET /companyinfo/{realmId}` (Intuit's oauth-jsclient sample app; python-quickbooks
        `CompanyInfo`): the company's own record, Id = realm id. Fields: python-quickbooks
        `objects/company_info.py` (CompanyName, LegalName, Country) + the A7 envelope fields."""
        if entity_id != self.config.realm_id:
            raise QboFault("610", f"Object Not Found : CompanyInfo {entity_id}")
        return {
            "CompanyName": self.config.company_name,
            "LegalName": self.config.company_name,
            "Country": "US",
            "domain": "QBO",
            "sparse": False,
            "Id": self.config.realm_id,
            "SyncToken": "0",
            "MetaData": {"CreateTime": "2026-01-01T00:00:00-08:00", "LastUpdatedTime": "2026-01-01T00:00:00-08:00"},
        }

    # -- create / update / delete ---------------------------------------------------------

    def _create(self, entity: str, body: dict[str, Any], allow_duplicate_doc: bool) -> dict[str, Any]:
        record = {k: copy.deepcopy(v) for k, v in body.items() if k not in READ_ONLY}
        self._validate(entity, record, None, allow_duplicate_doc)
        now = timestamp()
        record.update(Id=self.store.next_id(entity), SyncToken="0", domain="QBO", sparse=False)
        record["MetaData"] = {"CreateTime": now, "LastUpdatedTime": now}
        self._derive(entity, record)
        self.store.put(entity, record)
        return record

    def _update(self, entity: str, body: dict[str, Any], allow_duplicate_doc: bool) -> dict[str, Any]:
        entity_id = str(body.get("Id") or "")
        current = self.store.get(entity, entity_id)
        if current is None:
            raise QboFault("610", f"Object Not Found : Another user has deleted this transaction. {entity} {entity_id}")
        if "SyncToken" not in body:
            raise QboFault(
                "2020", "Required param missing, need to supply the required value for the API: SyncToken", element="SyncToken"
            )
        if str(body["SyncToken"]) != current["SyncToken"]:
            raise QboFault("5010", STALE_DETAIL)  # A4: an older SyncToken fails
        writable = {k: copy.deepcopy(v) for k, v in body.items() if k not in READ_ONLY}
        if body.get("sparse") is True:  # A4 sparse: only the fields sent change
            record = {k: v for k, v in current.items() if k not in READ_ONLY}
            record.update(writable)
        else:  # A4 full update: "Writable fields omitted from the request body are set to NULL"
            record = writable
        if isinstance(record.get("Line"), list):
            record["Line"] = self._continue_lines(current.get("Line") or [], record["Line"])
        self._validate(entity, record, current, allow_duplicate_doc)
        record.update(
            Id=current["Id"],
            SyncToken=str(int(current["SyncToken"]) + 1),
            domain="QBO",
            sparse=False,
            MetaData={"CreateTime": current["MetaData"]["CreateTime"], "LastUpdatedTime": timestamp()},
        )
        self._derive(entity, record)
        self.store.put(entity, record)
        return record

    def _continue_lines(self, old: list[dict[str, Any]], sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The Line array sent replaces the stored one. A line whose Id names a stored line keeps
        that Id (and, with the INFERENCE `sparse_line_merge`, that line's fields it omits); any
        other line is new: its Id is dropped here and assigned in `_derive` (A7 Line.Id)."""
        stored = {str(line.get("Id")): line for line in old if isinstance(line, dict) and line.get("Id")}
        out = []
        for line in sent:
            if not isinstance(line, dict):
                out.append(line)
                continue
            previous = stored.pop(str(line.get("Id")), None) if line.get("Id") not in (None, "") else None
            if previous is None:
                out.append({k: v for k, v in line.items() if k != "Id"})
            elif self.config.sparse_line_merge:
                out.append({**previous, **line})
            else:
                out.append(line)
        return out

    def _delete(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        if entity != "PurchaseOrder":
            raise QboFault("500", f"Unsupported Operation: {entity} cannot be deleted; set Active to false")
        current = self.store.get(entity, str(body.get("Id") or ""))
        if current is None:
            raise QboFault("610", "Object Not Found : Another user has deleted this transaction.")
        if str(body.get("SyncToken")) != current["SyncToken"]:
            raise QboFault("5010", STALE_DETAIL)
        self.store.delete(entity, current["Id"])
        return {"status": "Deleted", "domain": "QBO", "Id": current["Id"]}

    # -- validation -----------------------------------------------------------------------

    def _unique(self, entity: str, field: str, value: str, current: dict[str, Any] | None) -> None:
        others = ("Vendor",) if entity == "Vendor" else (entity,)
        for kind in others:
            for other in self.store.all(kind):
                if other.get(field) == value and (current is None or other["Id"] != current["Id"]):
                    raise QboFault(
                        "6240",
                        "The name supplied already exists. : Another customer, vendor or employee is already using this \n"
                        f"name. Please use a different name. Id={other['Id']}",
                    )

    def _name(self, entity: str, record: dict[str, Any], field: str, limit: int) -> str:
        name = record.get(field)
        if not isinstance(name, str) or not name.strip():
            raise QboFault("2020", f"Required parameter {field} is missing in the request", element=field)
        if len(name) > limit:
            raise QboFault(
                "2050",
                f"String length specified does not match the supported length. Min:1 Max:{limit} supported. "
                f"Supplied length:{len(name)}",
                element=field,
            )
        bad = [c for c in FORBIDDEN_NAME_CHARS.get(entity, []) if c in name]
        if bad:
            raise QboFault("6000", f"Business Validation Error: {field} must not contain {bad[0]!r}", element=field)
        return name

    def _existing(self, kind: str, ref: str | None, element: str) -> dict[str, Any]:
        found = self.store.get(kind, ref) if ref else None
        if found is None:
            raise QboFault("2500", f"Invalid Reference Id : {element} {ref} does not exist", element=element)
        if found.get("Active") is False:
            raise QboFault(
                "610",
                "Object Not Found : Something you're trying to use has been made inactive. Check the fields with "
                "accounts, customers, items, vendors or employees.",
                element=element,
            )
        return found

    def _validate(self, entity: str, record: dict[str, Any], current: dict[str, Any] | None, allow_dup: bool) -> None:
        getattr(self, f"_validate_{entity.lower()}")(record, current, allow_dup)

    def _validate_account(self, record: dict[str, Any], current: dict[str, Any] | None, _: bool) -> None:
        name = self._name("Account", record, "Name", 100)
        if record.get("AccountType") not in CLASSIFICATION:
            raise QboFault("2170", f"Invalid Enumeration: AccountType {record.get('AccountType')!r}", element="AccountType")
        self._unique("Account", "Name", name, current)

    def _validate_vendor(self, record: dict[str, Any], current: dict[str, Any] | None, _: bool) -> None:
        if not record.get("DisplayName"):
            parts: list[str] = [record[k] for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix") if record.get(k)]
            if not parts:
                raise QboFault("2020", "Required parameter DisplayName is missing in the request", element="DisplayName")
            record["DisplayName"] = " ".join(parts)
        name = self._name("Vendor", record, "DisplayName", 500)
        self._unique("Vendor", "DisplayName", name, current)

    def _validate_class(self, record: dict[str, Any], current: dict[str, Any] | None, _: bool) -> None:
        name = self._name("Class", record, "Name", 100)
        self._unique("Class", "Name", name, current)

    def _validate_item(self, record: dict[str, Any], current: dict[str, Any] | None, _: bool) -> None:
        name = self._name("Item", record, "Name", 100)
        kind = record.get("Type")
        if kind not in ITEM_TYPES:
            raise QboFault("2020", "Required parameter Type is missing in the request", element="Type")
        required = {"IncomeAccountRef": ("Inventory", "Service"), "ExpenseAccountRef": ("Inventory", "NonInventory", "Service")}
        if kind == "Inventory":
            # INFERENCE (code and text): Inventory items need inventory tracking on, which needs Plus
            # or Advanced (A8: "Inventory features must be enabled in company Preferences").
            if not self.config.inventory_tracking and current is None:
                raise QboFault(
                    "6000",
                    "Business Validation Error: inventory tracking is off (Preferences.ProductAndServicesPrefs."
                    "QuantityOnHand): Inventory items need QuickBooks Plus or Advanced",
                    element="Type",
                )
            required |= {"AssetAccountRef": ("Inventory",)}
            for field in ("QtyOnHand", "InvStartDate"):
                if record.get(field) in (None, ""):
                    raise QboFault("2020", f"Required parameter {field} is missing in the request", element=field)
            record.setdefault("TrackQtyOnHand", True)
        if current and current.get("TrackQtyOnHand") and record.get("TrackQtyOnHand") is False:
            raise QboFault("6000", "Business Validation Error: TrackQtyOnHand cannot be turned off", element="TrackQtyOnHand")
        for field, kinds in required.items():
            if kind in kinds:
                if not _ref(record, field):
                    raise QboFault("2020", f"Required parameter {field} is missing in the request", element=field)
                self._existing("Account", _ref(record, field), field)
        if kind == "Inventory":
            expense = self._existing("Account", _ref(record, "ExpenseAccountRef"), "ExpenseAccountRef")
            if expense.get("AccountType") != "Cost of Goods Sold":
                raise QboFault(
                    "6000",
                    "Business Validation Error: ExpenseAccountRef must be an account of type Cost of Goods Sold",
                    element="ExpenseAccountRef",
                )
        if record.get("Sku") is not None and len(str(record["Sku"])) > 100:
            raise QboFault("2050", "String length specified does not match the supported length. Max:100", element="Sku")
        self._unique("Item", "Name", name, current)

    def _validate_purchaseorder(self, record: dict[str, Any], current: dict[str, Any] | None, allow_dup: bool) -> None:
        if not _ref(record, "VendorRef"):
            raise QboFault("2020", "Required parameter VendorRef is missing in the request", element="VendorRef")
        self._existing("Vendor", _ref(record, "VendorRef"), "VendorRef")
        if not _ref(record, "APAccountRef"):
            raise QboFault("2020", "Required parameter APAccountRef is missing in the request", element="APAccountRef")
        ap = self._existing("Account", _ref(record, "APAccountRef"), "APAccountRef")
        if ap.get("AccountType") != "Accounts Payable":
            raise QboFault(
                "6000", "Business Validation Error: APAccountRef must be an Accounts Payable account", element="APAccountRef"
            )
        lines = record.get("Line")
        if not isinstance(lines, list) or not lines:
            raise QboFault("2020", "Required parameter Line is missing in the request", element="Line")
        for text in ("Memo", "PrivateNote"):  # A7: max 4000 each
            _max_length(record, text, 4000)
        doc = record.get("DocNumber")
        if doc is not None:
            _max_length({"DocNumber": str(doc)}, "DocNumber", 21)  # A7: max 21
            if not allow_dup:
                for other in self.store.all("PurchaseOrder"):
                    if other.get("DocNumber") == doc and (current is None or other["Id"] != current["Id"]):
                        raise QboFault(
                            "6140",
                            f"Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber={doc} is assigned to TxnType=PurchaseOrder with TxnId={other['Id']}",
                        )
        currency = _ref(record, "CurrencyRef")
        if (
            currency
            and currency != self.config.home_currency
            and (not self.config.multicurrency_enabled or currency not in self.config.currencies)
        ):
            raise QboFault("2500", f"Invalid Reference Id : currency {currency} is not enabled", element="CurrencyRef")
        if current and _ref(current, "CurrencyRef") and currency and currency != _ref(current, "CurrencyRef"):
            raise QboFault(
                "6000", "Business Validation Error: the currency of a transaction cannot change", element="CurrencyRef"
            )
        for number, line in enumerate(lines):
            self._validate_line(line, number)

    def _validate_line(self, line: dict[str, Any], number: int) -> None:
        where = f"Line[{number}]"
        if not isinstance(line, dict) or line.get("Amount") is None:
            raise QboFault("2020", f"Required parameter {where}.Amount is missing in the request", element=f"{where}.Amount")
        _max_length(line, "Description", 4000, where=f"{where}.")  # A7 Line.Description: max 4000
        detail_type = line.get("DetailType")
        if detail_type not in ("ItemBasedExpenseLineDetail", "AccountBasedExpenseLineDetail"):
            raise QboFault(
                "2020", f"Required parameter {where}.DetailType is missing in the request", element=f"{where}.DetailType"
            )
        detail = line.get(detail_type) or {}
        if _ref(detail, "ClassRef"):
            if not self.config.class_tracking_per_line:
                raise QboFault(
                    "6000", "Business Validation Error: class tracking per line is off (Preferences)", element=f"{where}.ClassRef"
                )
            self._existing("Class", _ref(detail, "ClassRef"), f"{where}.ClassRef")
        if detail_type == "AccountBasedExpenseLineDetail":
            if not _ref(detail, "AccountRef"):
                raise QboFault(
                    "2020", f"Required parameter {where}.AccountRef is missing in the request", element=f"{where}.AccountRef"
                )
            self._existing("Account", _ref(detail, "AccountRef"), f"{where}.AccountRef")
            return
        item = self._existing("Item", _ref(detail, "ItemRef"), f"{where}.ItemRef")
        if not _ref(item, "ExpenseAccountRef"):
            raise QboFault(
                "6000", "Business Validation Error: You must select an account for this transaction.", element=f"{where}.ItemRef"
            )
        qty, price = detail.get("Qty"), detail.get("UnitPrice")
        if (
            self.config.check_line_amounts
            and qty is not None
            and price is not None
            and abs(float(qty) * float(price) - float(line["Amount"])) > 0.005
        ):
            raise QboFault(
                "6070", f"Amount is not equal to Qty * UnitPrice. Supplied value:{line['Amount']}", element=f"{where}.Amount"
            )

    # -- derived fields ------------------------------------------------------------------

    def _derive(self, entity: str, record: dict[str, Any]) -> None:
        if entity in ("Account", "Vendor", "Class", "Item"):
            record.setdefault("Active", True)
        if entity in ("Class", "Item"):
            record["FullyQualifiedName"] = record["Name"]
        if entity == "Account":
            record["Classification"] = CLASSIFICATION[record["AccountType"]]
            record["FullyQualifiedName"] = record["Name"]
        if entity == "Vendor":
            record.setdefault("Balance", 0)
            record.setdefault("CurrencyRef", {"value": self.config.home_currency})
        if entity == "PurchaseOrder":
            # A7 read/create responses: POStatus "Open", EmailStatus "NotSet", TxnDate defaults to
            # the day (INFERENCE: which day), CurrencyRef the home currency.
            record.setdefault("POStatus", "Open")
            record.setdefault("EmailStatus", "NotSet")
            record.setdefault("TxnDate", date.today().isoformat())
            record.setdefault("CurrencyRef", {"value": self.config.home_currency})
            # New lines get Ids after the highest one used (INFERENCE: Intuit does not say how).
            used = [int(str(line["Id"])) for line in record["Line"] if str(line.get("Id") or "").isdigit()]
            next_id = max([*used, int(self.store.counter(f"PurchaseOrder:{record['Id']}:line"))]) + 1
            for line in record["Line"]:
                if not str(line.get("Id") or "").isdigit() or int(str(line["Id"])) <= 0:
                    line["Id"] = str(next_id)
                    next_id += 1
                line["Amount"] = round(float(line["Amount"]), 5)
            self.store.set_counter(f"PurchaseOrder:{record['Id']}:line", next_id - 1)
            # A7 TotalAmt: "Calculated by QuickBooks… any value you supply is over-written".
            record["TotalAmt"] = round(sum(float(line["Amount"]) for line in record["Line"]), 2)
