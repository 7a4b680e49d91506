"""The simulated company's rules: documents, lines, posting receipts and production journals,
time registration, inventory. Each rule cites SOURCES.md's key; INFERENCE ones are config."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from .config import BusinessCentralSimConfig
from .entities import SETS, EntitySet
from .errors import BcError, dialog, invalid, not_found
from .store import Store

STOCK = "_stock"  # hidden: quantity per item and location code
EPSILON = 1e-9
Notify = Callable[[str, str, str], None]  # (entity set, id, changeType)


def enum(value: str) -> str:
    """An AL option value as the API writes it: blanks and dots XML-encoded, `Positive Adjmt.` is
    `Positive_x0020_Adjmt_x002E_`, a blank one `_x0020_` [BC-ILE-GET]."""
    return (value or " ").replace(" ", "_x0020_").replace(".", "_x002E_")


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def today() -> str:
    return date.today().isoformat()


class Company:
    def __init__(self, config: BusinessCentralSimConfig, store: Store, notify: Notify) -> None:
        self.config = config
        self.store = store
        self.notify = notify

    # -- reading --------------------------------------------------------------------------

    def etag(self, entity: dict[str, Any]) -> str:
        """Opaque and weak, changing with every write (INFERENCE of the encoding) [BC-PO-UPDATE]."""
        token = base64.b64encode(f"{entity['id']};{entity.get('_v', 1)}".encode()).decode()
        return f'W/"{token}"'

    def render(self, entity_set: EntitySet, entity: dict[str, Any], select: set[str] | None = None) -> dict[str, Any]:
        values = {**entity}
        if entity_set.name == "items":
            values["inventory"] = sum(s["quantity"] for s in self.store.all(STOCK) if s["itemNumber"] == entity["number"])
        shown: dict[str, Any] = {"@odata.etag": self.etag(entity)}
        for name in sorted(entity_set.fields):
            if select is None or name in select or name == "id":
                shown[name] = values.get(name)
        return shown

    def rows(self, entity_set: EntitySet, parent: str | None = None) -> list[dict[str, Any]]:
        if entity_set.name == "locationInventories":
            return [
                {"id": s["id"], "itemNumber": s["itemNumber"], "locationCode": s["locationCode"], "inventory": s["quantity"]}
                for s in self.store.all(STOCK)
            ]
        rows = self.store.all(entity_set.name)
        if parent is not None:
            rows = [r for r in rows if r[entity_set.parent_field] == parent.lower()]
        return rows

    def get(self, entity_set: EntitySet, entity_id: str) -> dict[str, Any]:
        found = next((r for r in self.rows(entity_set) if r["id"] == entity_id.lower()), None)
        if found is None:
            raise not_found(entity_set.name.rstrip("s"))
        return found

    def by(self, name: str, field: str, value: Any) -> dict[str, Any] | None:
        return next((r for r in self.store.all(name) if r.get(field) == value), None)

    # -- writing --------------------------------------------------------------------------

    def save(self, name: str, entity: dict[str, Any], *, touched: bool = True) -> dict[str, Any]:
        entity["_v"] = entity.get("_v", 0) + 1
        if "lastModifiedDateTime" in SETS[name].fields and touched:
            entity["lastModifiedDateTime"] = now_text()
        return self.store.put(name, entity)

    def check_editable(self, entity_set: EntitySet, body: dict[str, Any]) -> None:
        lines = entity_set.lines
        for name in body:
            if name == lines:
                continue
            if name not in entity_set.fields:
                raise invalid(f"Invalid Request Body: the property '{name}' does not exist on type '{entity_set.name}'.")
            if name not in entity_set.editable:
                raise BcError(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only")

    def check_etag(self, entity: dict[str, Any], if_match: str | None) -> None:
        """If-Match is required on PATCH and DELETE [BC-PO-UPDATE]; `*` matches any version (OData)."""
        if not if_match:
            raise BcError(
                400,
                "BadRequest_InvalidToken",
                "Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.",
            )
        if if_match != "*" and if_match != self.etag(entity):
            raise BcError(self.config.etag_status, "Request_EntityChanged", "Another user has already changed the record.")

    def create(self, entity_set: EntitySet, body: dict[str, Any], parent: dict[str, Any] | None = None) -> dict[str, Any]:
        if not entity_set.creatable:
            raise BcError(405, "BadRequest_MethodNotAllowed", f"'POST' requests for '{entity_set.name}' are not allowed.")
        self.check_editable(entity_set, body)
        if entity_set.name == "purchaseOrders":
            return self._new_purchase_order(body)
        if entity_set.name == "purchaseOrderLines":
            return self._new_purchase_line(body, parent)
        if entity_set.name == "timeRegistrationEntries":
            return self._new_time_entry(body)
        if entity_set.name == "productionJournals":
            return self._new_production_journal(body)
        return self._new_production_line(body, parent)

    def update(self, entity_set: EntitySet, entity_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
        entity = self.get(entity_set, entity_id)
        self.check_etag(entity, if_match)
        self.check_editable(entity_set, body)
        if entity_set.name == "purchaseOrderLines":
            return self._update_purchase_line(entity, body)
        if entity_set.name == "purchaseOrders":
            self._check_open(entity)
            entity.update(body)
            saved = self.save("purchaseOrders", entity)
            self.notify("purchaseOrders", saved["id"], "updated")
            return saved
        if entity_set.name == "timeRegistrationEntries":
            if entity.get("status") not in ("Open", "Rejected"):
                raise dialog(f"Status must be equal to 'Open' in Time Sheet Line. Current value is '{entity.get('status')}'.")
            entity.update(body)
            self._check_time_entry(entity)
            return self.save("timeRegistrationEntries", entity)
        if entity_set.name == "productionJournals" and entity.get("status") == "Posted":
            raise dialog(f"Production journal {entity['documentNumber']} is posted and cannot be changed.")
        entity.update(body)
        return self.save(entity_set.name, entity)

    def delete(self, entity_set: EntitySet, entity_id: str, if_match: str | None) -> None:
        entity = self.get(entity_set, entity_id)
        self.check_etag(entity, if_match)
        if entity_set.name == "purchaseOrders":
            if any(line["receivedQuantity"] for line in self.rows(SETS["purchaseOrderLines"], entity["id"])):
                raise dialog("You cannot delete the order because it has been received.")  # INFERENCE wording
            for line in self.rows(SETS["purchaseOrderLines"], entity["id"]):
                self.store.delete("purchaseOrderLines", line["id"])
            self.store.delete("purchaseOrders", entity["id"])
            self.notify("purchaseOrders", entity["id"], "deleted")
            return
        if entity_set.name not in ("purchaseOrderLines", "timeRegistrationEntries"):
            raise BcError(405, "BadRequest_MethodNotAllowed", f"'DELETE' requests for '{entity_set.name}' are not allowed.")
        self.store.delete(entity_set.name, entity["id"])

    def action(self, entity_set: EntitySet, entity_id: str, name: str) -> None:
        if name not in entity_set.actions:
            raise BcError(
                400,
                "BadRequest_MethodNotImplemented",
                "Entity does not support bound actions or an orderby query option did not match.",
            )
        entity = self.get(entity_set, entity_id)
        if name == "receiveAndInvoice":
            self.receive_and_invoice(entity)
        else:
            self.post_production_journal(entity)

    # -- purchase orders [BC-PO], [BC-POL], [BC-APIV2-PO-SRC] ----------------------------------

    def _check_open(self, order: dict[str, Any]) -> None:
        if order.get("status") == "In Review":  # pending approval: not editable, not postable (INFERENCE of the message)
            raise BcError(
                400,
                "Application_FieldValidationException",
                f"Status must be equal to 'Open' in Purchase Header: No.={order['number']}.",
            )

    def _new_purchase_order(self, body: dict[str, Any]) -> dict[str, Any]:
        vendor = None
        if body.get("vendorId"):
            vendor = self.by("vendors", "id", str(body["vendorId"]).lower())
        elif body.get("vendorNumber"):
            vendor = self.by("vendors", "number", body["vendorNumber"])
        else:
            raise dialog('A "vendorNumber" or a "vendorId" must be provided.')
        if vendor is None:
            raise dialog("The buy-from vendor cannot be found.")
        lines = body.pop("purchaseOrderLines", None) or []
        number = str(self.store.next_number("purchaseOrders", 106001))  # INFERENCE: CRONUS-style series
        order = {
            "id": str(uuid.uuid4()),
            "number": number,
            "orderDate": body.get("orderDate") or today(),
            "postingDate": body.get("postingDate") or today(),
            "vendorId": vendor["id"],
            "vendorNumber": vendor["number"],
            "vendorName": vendor["displayName"],
            "payToVendorId": vendor["id"],
            "payToVendorNumber": vendor["number"],
            "payToName": vendor["displayName"],
            "currencyCode": body.get("currencyCode") or "USD",
            "paymentTermsId": body.get("paymentTermsId") or vendor.get("paymentTermsId"),
            "pricesIncludeTax": False,
            "discountAmount": 0,
            "discountAppliedBeforeTax": True,
            "status": "Draft",
            "fullyReceived": False,
            **{k: v for k, v in body.items() if k not in ("vendorId", "vendorNumber")},
        }
        self.save("purchaseOrders", order)
        for line in lines:
            self.check_editable(SETS["purchaseOrderLines"], line)
            self._new_purchase_line(line, order, notify=False)
        self._totals(order)
        self.notify("purchaseOrders", order["id"], "created")
        return self.store.get("purchaseOrders", order["id"]) or order

    def _item(self, body: dict[str, Any]) -> dict[str, Any]:
        item = None
        if body.get("itemId"):
            item = self.by("items", "id", str(body["itemId"]).lower())
        elif body.get("lineObjectNumber"):
            item = self.by("items", "number", body["lineObjectNumber"])
        if item is None:
            raise BcError(
                400,
                "Internal_RecordNotFound",
                f"The Item does not exist. Identification fields and values: No.='{body.get('lineObjectNumber') or body.get('itemId')}'",
            )
        if item.get("blocked"):
            raise dialog(f"Blocked must be equal to 'No' in Item: No.={item['number']}. Current value is 'Yes'.")
        return item

    def _new_purchase_line(self, body: dict[str, Any], order: dict[str, Any] | None, *, notify: bool = True) -> dict[str, Any]:
        if order is None:
            raise invalid("Lines are created under their order: purchaseOrders({id})/purchaseOrderLines")
        self._check_open(order)
        if body.get("lineType", "Item") != "Item":
            raise invalid("The simulator serves item lines only (lineType Item).")
        item = self._item(body)
        quantity = float(body.get("quantity") or 0)
        if quantity < 0:
            raise dialog("Quantity must be positive.")
        location = self._location(body.get("locationId"))
        siblings = self.rows(SETS["purchaseOrderLines"], order["id"])
        line = {
            "id": str(uuid.uuid4()),
            "documentId": order["id"],
            "sequence": int(body.get("sequence") or (max((s["sequence"] for s in siblings), default=0) + 10000)),
            "itemId": item["id"],
            "lineType": "Item",
            "lineObjectNumber": item["number"],
            "description": body.get("description") or item["displayName"],
            "unitOfMeasureCode": body.get("unitOfMeasureCode") or item.get("baseUnitOfMeasureCode"),
            "quantity": quantity,
            "directUnitCost": float(body.get("directUnitCost") or item.get("unitCost") or 0),
            "expectedReceiptDate": body.get("expectedReceiptDate") or order.get("requestedReceiptDate"),
            "receivedQuantity": 0.0,
            "invoicedQuantity": 0.0,
            "invoiceQuantity": 0.0,
            "receiveQuantity": quantity if self.config.default_receive_quantity == "remainder" else 0.0,
            "locationId": location["id"] if location else None,
        }
        for name in ("receiveQuantity", "invoiceQuantity"):
            if name in body:
                line[name] = float(body[name])
        self._check_quantities(line)
        self._amounts(line)
        self.save("purchaseOrderLines", line)
        self._touch(order, notify=notify)
        return line

    def _location(self, location_id: Any) -> dict[str, Any] | None:
        if not location_id:
            return None
        location = self.by("locations", "id", str(location_id).lower())
        if location is None:
            raise BcError(
                400,
                "Internal_RecordNotFound",
                f"The Location does not exist. Identification fields and values: Id='{location_id}'",
            )
        return location

    def _check_quantities(self, line: dict[str, Any]) -> None:
        """Qty. to Receive cannot exceed the outstanding quantity [BC-OVER-RECEIPT] (message wording INFERENCE)."""
        outstanding = line["quantity"] - line["receivedQuantity"]
        if line["receiveQuantity"] < 0 or line["receiveQuantity"] > outstanding + EPSILON:
            raise dialog(f"You cannot receive more than {outstanding:g} units.")
        if line["quantity"] < line["receivedQuantity"] - EPSILON:
            raise dialog(f"Quantity must not be less than the received quantity {line['receivedQuantity']:g}.")
        invoiceable = line["receivedQuantity"] + line["receiveQuantity"] - line["invoicedQuantity"]
        if line["invoiceQuantity"] < 0 or line["invoiceQuantity"] > invoiceable + EPSILON:
            raise dialog(f"You cannot invoice more than {invoiceable:g} units.")

    def _amounts(self, line: dict[str, Any]) -> None:
        amount = round(line["quantity"] * line["directUnitCost"], 2)
        line.update(
            amountExcludingTax=amount,
            netAmount=amount,
            amountIncludingTax=amount,
            netAmountIncludingTax=amount,
            totalTaxAmount=0.0,
            netTaxAmount=0.0,
            taxPercent=0.0,
            discountAmount=0.0,
            discountPercent=0.0,
        )

    def _update_purchase_line(self, line: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        order = self.store.get("purchaseOrders", line["documentId"])
        assert order is not None
        self._check_open(order)
        if "itemId" in body or "lineObjectNumber" in body:
            item = self._item(body)
            if line["receivedQuantity"] and item["id"] != line["itemId"]:
                raise dialog("You cannot change the item of a line that has been received.")  # INFERENCE wording
            body = {**body, "itemId": item["id"], "lineObjectNumber": item["number"]}
        if "locationId" in body:
            location = self._location(body["locationId"])
            body = {**body, "locationId": location["id"] if location else None}
        updated = {
            **line,
            **{
                k: (float(v) if k in ("quantity", "receiveQuantity", "invoiceQuantity", "directUnitCost") else v)
                for k, v in body.items()
            },
        }
        if "quantity" in body and "receiveQuantity" not in body and self.config.default_receive_quantity == "remainder":
            updated["receiveQuantity"] = updated["quantity"] - updated["receivedQuantity"]
        self._check_quantities(updated)
        self._amounts(updated)
        saved = self.save("purchaseOrderLines", updated)
        self._touch(order)
        return saved

    def _totals(self, order: dict[str, Any]) -> None:
        lines = self.rows(SETS["purchaseOrderLines"], order["id"])
        total = round(sum(line["amountExcludingTax"] for line in lines), 2)
        order.update(totalAmountExcludingTax=total, totalTaxAmount=0.0, totalAmountIncludingTax=total)
        order["fullyReceived"] = bool(lines) and all(line["receivedQuantity"] >= line["quantity"] - EPSILON for line in lines)

    def _touch(self, order: dict[str, Any], *, notify: bool = True) -> None:
        """A line change changes the order's entity buffer (its totals), so the order's etag and
        lastModifiedDateTime move and its subscribers hear of it [BC-WEBHOOKS] (INFERENCE for the etag)."""
        fresh = self.store.get("purchaseOrders", order["id"]) or order
        self._totals(fresh)
        self.save("purchaseOrders", fresh)
        if notify:
            self.notify("purchaseOrders", fresh["id"], "updated")

    def receive_and_invoice(self, order: dict[str, Any]) -> None:
        """[BC-PO] the bound action; [BC-APIV2-PO-SRC]: every item line needs a quantity, Receive and
        Invoice are both set, the posting commits, then the posted invoice is looked up, which fails
        with Internal_DataNotFoundFilter when nothing was invoiced [BC-ISSUE-3106]."""
        self._check_open(order)
        lines = sorted(self.rows(SETS["purchaseOrderLines"], order["id"]), key=lambda line: line["sequence"])
        if any(line["quantity"] <= 0 for line in lines):
            raise dialog("One or more lines have no quantity assigned.")  # INFERENCE wording
        receiving = [line for line in lines if line["receiveQuantity"] > EPSILON]
        invoicing = [line for line in lines if line["invoiceQuantity"] > EPSILON]
        if not receiving and not invoicing:
            raise dialog("There is nothing to post.")
        for line in lines:
            self._check_quantities(line)
        if receiving:
            self._post_receipt(order, receiving)
        for line in invoicing:
            line["invoicedQuantity"] += line["invoiceQuantity"]
        for line in lines:
            line["receiveQuantity"] = (
                line["quantity"] - line["receivedQuantity"] if self.config.default_receive_quantity == "remainder" else 0.0
            )
            line["invoiceQuantity"] = 0.0
            self.save("purchaseOrderLines", line)
        order = self.store.get("purchaseOrders", order["id"]) or order
        order["status"] = "Open"  # posting releases the order (INFERENCE)
        self._totals(order)
        self.save("purchaseOrders", order)
        self.notify("purchaseOrders", order["id"], "updated")
        if not invoicing and self.config.receive_and_invoice_errors_when_nothing_invoiced:
            raise BcError(
                400,
                "Internal_DataNotFoundFilter",
                f"There is no Purch. Inv. Header within the filter.\r\n\r\nFilters: Order No.: {order['number']}, "
                f"Order No. Series: P-ORD, Pre-Assigned No.: ''  CorrelationId:  {uuid.uuid4()}.",
            )

    def _post_receipt(self, order: dict[str, Any], receiving: list[dict[str, Any]]) -> None:
        number = str(self.store.next_number("purchaseReceipts", 107001))  # INFERENCE: CRONUS-style series
        receipt = {
            "id": str(uuid.uuid4()),
            "number": number,
            "postingDate": order["postingDate"],
            "invoiceDate": None,
            "dueDate": None,
            "vendorNumber": order["vendorNumber"],
            "vendorName": order["vendorName"],
            "payToName": order.get("payToName"),
            "payToVendorNumber": order.get("payToVendorNumber"),
            "currencyCode": order.get("currencyCode"),
            "orderNumber": order["number"],
        }
        self.save("purchaseReceipts", receipt)
        for line in receiving:
            quantity = line["receiveQuantity"]
            self.save(
                "purchaseReceiptLines",
                {
                    "id": str(uuid.uuid4()),
                    "documentId": receipt["id"],
                    "sequence": line["sequence"],  # INFERENCE: the receipt line keeps the order's line no.
                    "lineType": "Item",
                    "lineObjectNumber": line["lineObjectNumber"],
                    "description": line["description"],
                    "unitOfMeasureCode": line["unitOfMeasureCode"],
                    "unitCost": line["directUnitCost"],
                    "quantity": quantity,
                    "discountPercent": 0.0,
                    "taxPercent": 0.0,
                    "expectedReceiptDate": line.get("expectedReceiptDate"),
                },
            )
            location = self._location(line.get("locationId"))
            self.ledger_entry(
                line["lineObjectNumber"],
                location["code"] if location else "",
                quantity,
                "Purchase",
                "Purchase Receipt",
                number,
                order["postingDate"],
                source=("Vendor", order["vendorNumber"]),
                cost=quantity * line["directUnitCost"],
            )
            line["receivedQuantity"] += quantity

    # -- inventory [BC-ILE], [BC-ITEM] ----------------------------------------------------------

    def ledger_entry(
        self,
        item: str,
        location: str,
        quantity: float,
        entry_type: str,
        document_type: str,
        document: str,
        posting_date: str,
        *,
        source: tuple[str, str] = ("", ""),
        cost: float = 0.0,
    ) -> None:
        number = self.store.next_number("itemLedgerEntries", 1)
        self.save(
            "itemLedgerEntries",
            {
                "id": str(uuid.uuid4()),
                "entryNumber": number,
                "itemNumber": item,
                "postingDate": posting_date,
                "entryType": enum(entry_type),
                "sourceType": enum(source[0]),
                "sourceNumber": source[1],
                "documentNumber": document,
                "documentType": enum(document_type),
                "description": "",
                "quantity": quantity,
                "salesAmountActual": 0.0,
                "costAmountActual": round(cost, 2),
            },
        )
        key = f"{item}|{location}".lower()
        stock = self.store.get(STOCK, key) or {"id": key, "itemNumber": item, "locationCode": location, "quantity": 0.0}
        stock["quantity"] = round(stock["quantity"] + quantity, 5)
        self.store.put(STOCK, stock)

    # -- time registration [BC-TIME-REG] ----------------------------------------------------------

    def _new_time_entry(self, body: dict[str, Any]) -> dict[str, Any]:
        entry = {"id": str(uuid.uuid4()), "status": "Open", "absence": "", "unitOfMeasureCode": "HOUR", **body}
        entry["lineNumber"] = self.store.next_number("timeRegistrationEntries", 10000)
        self._check_time_entry(entry)
        entry["lastModfiedDateTime"] = now_text()  # sic: the documented property name [BC-TIME-REG]
        return self.save("timeRegistrationEntries", entry)

    def _check_time_entry(self, entry: dict[str, Any]) -> None:
        employee = self.by("employees", "id", str(entry.get("employeeId") or "").lower()) or self.by(
            "employees", "number", entry.get("employeeNumber")
        )
        if employee is None:
            raise dialog("An employeeNumber or an employeeId must be provided.")  # INFERENCE wording
        entry.update(employeeId=employee["id"], employeeNumber=employee["number"])
        if entry.get("jobId") or entry.get("jobNumber"):
            job = self.by("projects", "id", str(entry.get("jobId") or "").lower()) or self.by(
                "projects", "number", entry.get("jobNumber")
            )
            if job is None:
                raise BcError(
                    400,
                    "Internal_RecordNotFound",
                    f"The Job does not exist. Identification fields and values: No.='{entry.get('jobNumber')}'",
                )
            if not entry.get("jobTaskNumber"):
                raise dialog("Job Task No. must have a value in Time Sheet Line.")  # INFERENCE wording
            entry.update(jobId=job["id"], jobNumber=job["number"])
        if not entry.get("date"):
            raise dialog("date must be provided.")  # INFERENCE wording
        quantity = entry.get("quantity")
        if not isinstance(quantity, int | float) or quantity < 0 or quantity > 24:
            raise dialog("quantity must be between 0 and 24 hours.")  # INFERENCE

    # -- the ion-sync production API (README "The ion-sync production API") ---------------------

    def _new_production_journal(self, body: dict[str, Any]) -> dict[str, Any]:
        number = str(body.get("documentNumber") or "")
        if not number or len(number) > 20:
            raise dialog("documentNumber must have a value of at most 20 characters.")
        if any(j["documentNumber"] == number for j in self.store.all("productionJournals")):
            raise dialog(f"A production journal with documentNumber {number} already exists.")
        order = self.by("releasedProductionOrders", "number", body.get("productionOrderNumber"))
        if order is None:
            raise dialog(f"Released production order {body.get('productionOrderNumber')} does not exist.")
        lines = body.pop("productionJournalLines", None) or []
        journal = {
            "id": str(uuid.uuid4()),
            "documentNumber": number,
            "productionOrderNumber": order["number"],
            "postingDate": body.get("postingDate") or today(),
            "status": "Open",
        }
        self.save("productionJournals", journal)
        for line in lines:
            self.check_editable(SETS["productionJournalLines"], line)
            self._new_production_line(line, journal)
        return journal

    def _new_production_line(self, body: dict[str, Any], journal: dict[str, Any] | None) -> dict[str, Any]:
        if journal is None:
            raise invalid("Lines are created under their journal: productionJournals({id})/productionJournalLines")
        if journal["status"] == "Posted":
            raise dialog(f"Production journal {journal['documentNumber']} is posted and cannot be changed.")
        order = self.by("releasedProductionOrders", "number", journal["productionOrderNumber"])
        assert order is not None
        kind = body.get("entryType")
        if kind not in ("Output", "Consumption"):
            raise dialog("entryType must be Output or Consumption.")
        item = self.by("items", "number", body.get("itemNumber"))
        if item is None:
            raise BcError(
                400,
                "Internal_RecordNotFound",
                f"The Item does not exist. Identification fields and values: No.='{body.get('itemNumber')}'",
            )
        if kind == "Output" and item["number"] != order["itemNumber"]:
            raise dialog(f"Item No. must be {order['itemNumber']} on the output of production order {order['number']}.")
        if not self.by("locations", "code", body.get("locationCode")):
            raise BcError(
                400,
                "Internal_RecordNotFound",
                f"The Location does not exist. Identification fields and values: Code='{body.get('locationCode')}'",
            )
        quantity = body.get("quantity")
        if not isinstance(quantity, int | float) or quantity <= 0:
            raise dialog("quantity must be positive.")
        siblings = self.rows(SETS["productionJournalLines"], journal["id"])
        line = {
            "id": str(uuid.uuid4()),
            "documentId": journal["id"],
            "sequence": int(body.get("sequence") or (max((s["sequence"] for s in siblings), default=0) + 10000)),
            "entryType": kind,
            "itemNumber": item["number"],
            "quantity": float(quantity),
            "locationCode": body["locationCode"],
            "itemTrackingNumber": body.get("itemTrackingNumber") or "",
        }
        return self.save("productionJournalLines", line)

    def post_production_journal(self, journal: dict[str, Any]) -> None:
        if journal["status"] == "Posted":
            raise dialog(f"Production journal {journal['documentNumber']} is already posted.")
        lines = self.rows(SETS["productionJournalLines"], journal["id"])
        if not lines:
            raise dialog("There is nothing to post.")
        order = self.by("releasedProductionOrders", "number", journal["productionOrderNumber"])
        assert order is not None
        for line in sorted(lines, key=lambda line: line["sequence"]):
            output = line["entryType"] == "Output"
            self.ledger_entry(
                line["itemNumber"],
                line["locationCode"],
                line["quantity"] if output else -line["quantity"],
                line["entryType"],
                "Production",
                journal["documentNumber"],
                journal["postingDate"],
                source=("Item", order["itemNumber"]),
            )
            if output:
                order["finishedQuantity"] = order.get("finishedQuantity", 0.0) + line["quantity"]
        self.save("releasedProductionOrders", order)
        journal["status"] = "Posted"
        self.save("productionJournals", journal)
