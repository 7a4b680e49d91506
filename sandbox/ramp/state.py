"""The simulated Ramp business: vendors, purchase orders, item receipts, bills, webhook
subscriptions and the webhook outbox, in memory (one event loop owns it; no awaits mid-write).
Each rule says its source (a ramp.md section or a spec schema) or INFERENCE; tests/ramp_spec.py
checks every answer against the spec with no field it does not name.

Resources are stored in the spec's response shapes (`ApiPurchaseOrderResource`,
`ApiItemReceiptResource`, `Vendor`, `Bill`, `OutboundWebhookSubscriptionResource`), money as
`CurrencyAmount` in minor units (B2). Lists keep creation order; `start` is the id of the last
item of the previous page (B2 keyset pagination).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import uuid4

from sandbox.ramp.config import RampSimConfig
from sandbox.ramp.errors import RampError, invalid, not_found

EVENT_TYPES = {
    "bills.approved",
    "bills.created",
    "bills.paid",
    "bills.rejected",
    "purchase_orders.created",
    "purchase_orders.updated",
    "reimbursements.ready_for_review",
    "reimbursements.ready_to_sync",
    "tests.test_event",
    "transactions.authorized",
    "transactions.cleared",
    "transactions.ready_for_review",
    "transactions.ready_to_sync",
    "webhooks.verification",
}


# The fields each create body may carry: the `properties` of its request schema in ramp-openapi.json.
BODY_FIELDS = {
    "purchase order": {
        "accounting_field_selections",
        "currency",
        "entity_id",
        "line_items",
        "memo",
        "net_payment_terms",
        "promise_date",
        "purchase_order_number",
        "three_way_match_enabled",
        "vendor_id",
    },  # ApiPurchaseOrderCreateParamsRequestBody
    "line item": {
        "accounting_field_selections",
        "description",
        "unit_price",
        "unit_quantity",
    },  # ApiPurchaseOrderLineItemCreateParamsRequestBody
    "item receipt": {
        "item_receipt_line_items",
        "item_receipt_number",
        "memo",
        "purchase_order_id",
        "received_at",
    },  # ApiItemReceiptCreateParamsRequestBody
    "item receipt line": {"purchase_order_line_item_id", "unit_quantity"},  # ApiItemReceiptLineItemCreateParamsRequestBody
}


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def money(cents: int, currency: str) -> dict[str, Any]:
    return {"amount": cents, "currency_code": currency}


class RampState:
    def __init__(self, config: RampSimConfig) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        self.vendors: dict[str, dict[str, Any]] = {}
        self.purchase_orders: dict[str, dict[str, Any]] = {}
        self.item_receipts: dict[str, dict[str, Any]] = {}
        self.bills: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.outbox: list[dict[str, Any]] = []

    # -- vendors (B5) ------------------------------------------------------------------------

    def create_vendor(self, body: dict[str, Any], vendor_id: str | None = None, created_at: str | None = None) -> dict[str, Any]:
        for field in ("business_vendor_contacts", "country", "vendor_owner_id"):
            if field not in body:
                raise invalid(field, "Missing data for required field.")
        contact = body["business_vendor_contacts"]
        if not isinstance(contact, dict) or not contact.get("email"):
            raise invalid("business_vendor_contacts", "A contact object with an email is required.")
        vendor_id = vendor_id or str(uuid4())
        zero = money(0, "USD")
        vendor = {
            "id": vendor_id,
            "name": body.get("name") or "",
            "name_legal": body.get("name") or "",
            "accounting_vendor_remote_id": body.get("accounting_vendor_remote_id"),
            "contacts": [str(uuid4())],  # the one business contact the create body carries
            "country": body["country"],
            "state": body.get("state") or "",
            "created_at": created_at or now_iso(),
            "is_active": True,
            "is_deletable": True,
            "vendor_owner_id": body["vendor_owner_id"],
            "vendor_type": "BUSINESS",
            "description": body.get("description") or "",
            "total_spend_all_time": zero,
            "total_spend_last_30_days": zero,
            "total_spend_last_365_days": zero,
            "total_spend_ytd": zero,
        }
        if body.get("address"):
            vendor["address"] = {**body["address"], "country": body["address"].get("country") or body["country"]}
        self.vendors[vendor_id] = vendor
        return vendor

    def update_vendor(self, vendor_id: str, body: dict[str, Any]) -> dict[str, Any]:
        vendor = self.vendor(vendor_id)
        for field in ("accounting_vendor_remote_id", "country", "description", "is_active", "state"):
            if field in body:
                vendor[field] = body[field]
        if "name" in body:  # not in ApiVendorUpdateRequestBody; the admin route renames vendors
            vendor["name"] = vendor["name_legal"] = body["name"]
        if body.get("address"):
            vendor["address"] = {**body["address"], "country": body["address"].get("country") or vendor["country"]}
        return vendor

    def vendor(self, vendor_id: str) -> dict[str, Any]:
        if vendor_id not in self.vendors:
            raise not_found("Vendor", vendor_id)
        return self.vendors[vendor_id]

    # -- purchase orders (B3) ------------------------------------------------------------------

    def _known_fields(self, body: Any, kind: str, where: str = "") -> None:
        """A field the request schema does not name is refused (config `reject_unknown_fields`)."""
        if not isinstance(body, dict):
            raise invalid(where.rstrip(".") or kind, "Not a valid object.")
        unknown = sorted(set(body) - BODY_FIELDS[kind])
        if unknown and self.config.reject_unknown_fields:
            raise invalid(f"{where}{unknown[0]}", "Unknown field.")

    def _cents(self, value: Any, field: str) -> int:
        # spec: unit_price oneOf {string, format decimal} | number; >= 0 and the units are INFERENCE (B2 Money)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise invalid(field, "Not a valid decimal.")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise invalid(field, "Not a valid decimal.") from None
        if amount < 0:
            raise invalid(field, "Must be greater than or equal to 0.")
        scaled = amount * 100 if self.config.request_price_units == "major" else amount
        return int(scaled.quantize(Decimal(1)))

    def create_purchase_order(self, body: dict[str, Any]) -> dict[str, Any]:
        self._known_fields(body, "purchase order")
        # required: ApiPurchaseOrderCreateParamsRequestBody.required (B3)
        for field in ("currency", "entity_id", "line_items", "three_way_match_enabled"):
            if field not in body:
                raise invalid(field, "Missing data for required field.")
        # an entity or vendor that does not exist is refused: INFERENCE (the spec names them by uuid, B3)
        if body["entity_id"] != self.config.entity_id:
            raise invalid("entity_id", f"Entity {body['entity_id']} not found.")
        vendor_id = body.get("vendor_id")
        if vendor_id is not None and vendor_id not in self.vendors:
            raise invalid("vendor_id", f"Vendor {vendor_id} not found.")
        if not body["line_items"]:  # INFERENCE: a PO without lines has nothing to match
            raise invalid("line_items", "A purchase order needs at least one line item.")
        # spec `purchase_order_number`: "If not provided, one will be auto-generated"; "Prefixes must only contain
        # numbers, uppercase letters, and dashes. Invalid characters will be filtered out automatically" (B3)
        number = body.get("purchase_order_number") or f"PO-{len(self.purchase_orders) + 1:04d}"
        number = "".join(c for c in number if c.isdigit() or c.isupper() or c == "-")
        if self.config.enforce_unique_po_number and any(
            po["purchase_order_number"] == number for po in self.purchase_orders.values()
        ):
            raise RampError(409, f"Purchase order number {number} already exists", {"purchase_order_number": ["Not unique."]})
        currency = body["currency"]
        lines = []
        for index, item in enumerate(body["line_items"]):
            self._known_fields(item, "line item", f"line_items.{index}.")
            # required: ApiPurchaseOrderLineItemCreateParamsRequestBody.required (B3)
            if "unit_price" not in item or "unit_quantity" not in item:
                raise invalid(f"line_items.{index}", "unit_price and unit_quantity are required.")
            quantity = item["unit_quantity"]
            # spec: unit_quantity is an integer; above zero is INFERENCE
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
                raise invalid(f"line_items.{index}.unit_quantity", "Not a valid positive integer.")
            price = self._cents(item["unit_price"], f"line_items.{index}.unit_price")
            lines.append(
                {
                    "id": str(uuid4()),
                    "description": item.get("description"),
                    "unit_price": money(price, currency),
                    "unit_quantity": quantity,
                    "amount": money(price * quantity, currency),
                    "accounting_field_selections": [],
                    "remote_id": None,
                }
            )
        total = sum(line["amount"]["amount"] for line in lines)
        po = {
            "id": str(uuid4()),
            "purchase_order_number": number,
            "entity_id": body["entity_id"],
            "vendor_id": vendor_id,
            "user_id": self.config.user_id,
            "spend_request_id": str(uuid4()),
            "name": body.get("memo"),
            "memo": body.get("memo"),
            "amount": money(total, currency),
            "spend_total_amount": money(0, currency),
            "line_items": lines,
            "accounting_field_selections": [],
            "billing_status": "OPEN",
            "receipt_status": "NOT_RECEIVED",
            "three_way_match_enabled": bool(body["three_way_match_enabled"]),
            "creation_source": "DEVELOPER_API",
            "bill_ids": [],
            "transaction_ids": [],
            "net_payment_terms": body.get("net_payment_terms"),
            "promise_date": _date_time(body.get("promise_date"), "promise_date"),
            "spend_start_date": None,
            "spend_end_date": None,
            "archived_at": None,
            "created_at": now_iso(),
            "remote_id": None,
        }
        self.purchase_orders[po["id"]] = po
        self.emit("purchase_orders.created", po["id"])
        return po

    def purchase_order(self, po_id: str) -> dict[str, Any]:
        if po_id not in self.purchase_orders:
            raise not_found("Purchase order", po_id)
        return self.purchase_orders[po_id]

    def archive(self, po_id: str) -> None:
        self.purchase_order(po_id)["archived_at"] = now_iso()

    # -- item receipts (B4) --------------------------------------------------------------------

    def create_item_receipt(self, body: dict[str, Any]) -> dict[str, Any]:
        self._known_fields(body, "item receipt")
        # required: ApiItemReceiptCreateParamsRequestBody.required (B4)
        for field in ("item_receipt_line_items", "item_receipt_number", "purchase_order_id", "received_at"):
            if field not in body:
                raise invalid(field, "Missing data for required field.")
        po = self.purchase_orders.get(body["purchase_order_id"])
        if po is None:
            raise invalid("purchase_order_id", f"Purchase order {body['purchase_order_id']} not found.")
        received_at = _date_time(body["received_at"], "received_at")
        by_id = {line["id"]: line for line in po["line_items"]}
        lines = []
        for index, item in enumerate(body["item_receipt_line_items"]):
            self._known_fields(item, "item receipt line", f"item_receipt_line_items.{index}.")
            # a line of another PO is refused: INFERENCE (the spec names it "purchase_order_line_item_id", B4)
            line = by_id.get(item.get("purchase_order_line_item_id"))
            if line is None:
                raise invalid(
                    f"item_receipt_line_items.{index}.purchase_order_line_item_id", "Not a line item of this purchase order."
                )
            quantity = item.get("unit_quantity")
            if quantity is None:  # optional unless inventory-coded (spec); the PO line's quantity: INFERENCE
                quantity = line["unit_quantity"]
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
                raise invalid(f"item_receipt_line_items.{index}.unit_quantity", "Not a valid positive integer.")
            price = line["unit_price"]
            lines.append(
                {
                    "purchase_order_line_item_id": line["id"],
                    "unit_quantity": quantity,
                    "unit_price": price,
                    "amount": money(price["amount"] * quantity, price["currency_code"]),
                    "memo": None,
                    "accounting_field_selections": [],
                    "remote_id": None,
                }
            )
        receipt = {
            "id": str(uuid4()),
            "item_receipt_number": body["item_receipt_number"],
            "purchase_order_id": po["id"],
            "received_at": received_at,
            "memo": body.get("memo"),
            "documents": [],
            "line_items": lines,
            "archived_at": None,
            "created_at": now_iso(),
            "remote_id": None,
        }
        self.item_receipts[receipt["id"]] = receipt
        po["receipt_status"] = self.receipt_status(po)
        return receipt

    def received(self, po: dict[str, Any]) -> dict[str, int]:
        totals = {line["id"]: 0 for line in po["line_items"]}
        for receipt in self.item_receipts.values():
            if receipt["purchase_order_id"] == po["id"] and receipt["archived_at"] is None:
                for line in receipt["line_items"]:
                    totals[line["purchase_order_line_item_id"]] += line["unit_quantity"]
        return totals

    def receipt_status(self, po: dict[str, Any]) -> str:
        """The spec's `receipt_status` enum; how receipts move it is INFERENCE (B4)."""
        received = self.received(po)
        ordered = {line["id"]: line["unit_quantity"] for line in po["line_items"]}
        if not any(received.values()):
            return "NOT_RECEIVED"
        if any(received[k] > ordered[k] for k in ordered):
            return "OVER_RECEIVED"
        if all(received[k] >= ordered[k] for k in ordered):
            return "FULLY_RECEIVED"
        return "PARTIALLY_RECEIVED"

    def delete_item_receipt(self, receipt_id: str) -> None:
        receipt = self.item_receipts.pop(receipt_id, None)
        if receipt is None:
            raise not_found("Item receipt", receipt_id)
        po = self.purchase_orders[receipt["purchase_order_id"]]
        po["receipt_status"] = self.receipt_status(po)

    # -- bills (B6): the invoice side of the 3-way match, and payment ----------------------------

    def bill_purchase_order(self, po_id: str, *, paid: bool) -> dict[str, Any]:
        """An invoice for the whole PO (the admin route stands in for Ramp's bill inbox)."""
        po = self.purchase_order(po_id)
        vendor = self.vendors.get(po["vendor_id"] or "", {})
        stamp = now_iso()
        bill = {
            "id": str(uuid4()),
            "invoice_number": f"INV-{po['purchase_order_number']}",
            "amount": dict(po["amount"]),
            "approval_status": "APPROVED",
            "status": "OPEN",
            "sync_status": "NOT_SYNCED",
            "accounting_date": stamp,
            "accounting_field_selections": [],
            "archived_at": None,
            "bill_owner": {"id": self.config.user_id, "first_name": "Finance", "last_name": "Team"},
            "created_at": stamp,
            "due_at": stamp,
            "issued_at": stamp,
            "entity_id": po["entity_id"],
            "fx_conversion_rate": "1.0",
            "inventory_line_items": [],
            "invoice_urls": [],
            "line_items": [],
            "payment": None,
            "vendor": {"id": po["vendor_id"] or "", "name": vendor.get("name", "")},
            "vendor_contact_id": None,
        }
        self.bills[bill["id"]] = bill
        po["bill_ids"].append(bill["id"])
        po["billing_status"] = "FULLY_BILLED"
        self.emit("bills.created", bill["id"])
        if paid:
            self.pay_bill(bill["id"])
        return bill

    def pay_bill(self, bill_id: str) -> dict[str, Any]:
        bill = self.bill(bill_id)
        bill["status"] = "PAID"
        bill["paid_at"] = now_iso()
        self.emit("bills.paid", bill_id)
        return bill

    def bill(self, bill_id: str) -> dict[str, Any]:
        if bill_id not in self.bills:
            raise not_found("Bill", bill_id)
        return self.bills[bill_id]

    def three_way_match(self, po_id: str) -> dict[str, Any]:
        """PO, item receipts and invoice agree: every line received in full and billed in full."""
        po = self.purchase_order(po_id)
        received = self.received(po)
        received_amount = sum(line["unit_price"]["amount"] * received[line["id"]] for line in po["line_items"])
        billed = sum(self.bills[b]["amount"]["amount"] for b in po["bill_ids"])
        problems = []
        if not po["three_way_match_enabled"]:
            problems.append("three-way match is not enabled on the purchase order")
        if po["receipt_status"] != "FULLY_RECEIVED":
            problems.append(f"receipt status is {po['receipt_status']}")
        if not po["bill_ids"]:
            problems.append("no bill")
        elif billed != received_amount:
            problems.append(f"billed {billed} but received {received_amount} (cents)")
        return {
            "matched": not problems,
            "problems": problems,
            "ordered_amount": po["amount"]["amount"],
            "received_amount": received_amount,
            "billed_amount": billed,
            "receipt_status": po["receipt_status"],
            "item_receipts": sum(1 for r in self.item_receipts.values() if r["purchase_order_id"] == po_id),
        }

    # -- webhooks (B8) -------------------------------------------------------------------------

    def create_subscription(self, body: dict[str, Any], *, active: bool = False, secret: str | None = None) -> dict[str, Any]:
        for field in ("endpoint_url", "event_types"):
            if field not in body:
                raise invalid(field, "Missing data for required field.")
        unknown = sorted(set(body["event_types"]) - EVENT_TYPES)
        if unknown:
            raise invalid("event_types", f"Unknown event types: {', '.join(unknown)}")
        stamp = now_iso()
        subscription = {
            "id": str(uuid4()),
            "business_id": self.config.business_id,
            "endpoint_url": body["endpoint_url"],
            "event_types": list(body["event_types"]),
            "additional_headers": dict(body.get("additional_headers") or {}),
            "secret": secret or f"ramp_sec_{secrets.token_urlsafe(24)}",
            "status": "active" if active else "pending_verification",
            "challenge": None if active else f"ramp_challenge_{secrets.token_urlsafe(16)}",
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.subscriptions[subscription["id"]] = subscription
        if not active:
            payload = {
                "id": str(uuid4()),
                "type": "webhooks.verification",
                "created_at": stamp,
                "business_id": self.config.business_id,
                "challenge": subscription["challenge"],
            }
            self._deliver(subscription, payload)
        return subscription

    def verify_subscription(self, subscription_id: str, challenge: str) -> None:
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None:
            raise not_found("Webhook", subscription_id)
        if not challenge or challenge != subscription["challenge"]:
            raise invalid("challenge", "Challenge does not match.")
        subscription["status"] = "active"
        subscription["updated_at"] = now_iso()

    def emit(self, event_type: str, object_id: str) -> None:
        payload = {
            "id": str(uuid4()),
            "type": event_type,
            "created_at": now_iso(),
            "business_id": self.config.business_id,
            "object": {"id": object_id},
        }
        for subscription in self.subscriptions.values():
            if subscription["status"] == "active" and event_type in subscription["event_types"]:
                self._deliver(subscription, payload)

    def _deliver(self, subscription: dict[str, Any], payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":"))
        signature = hmac.new(subscription["secret"].encode(), body.encode(), hashlib.sha256).hexdigest()
        headers = {
            **subscription["additional_headers"],
            "Content-Type": "application/json",
            "X-Ramp-Webhook-Signature": signature,
        }
        self.outbox.append(
            {
                "sequence": len(self.outbox),
                "subscription_id": subscription["id"],
                "url": subscription["endpoint_url"],
                "event_id": payload["id"],
                "type": payload["type"],
                "headers": headers,
                "body": body,
                "status": None,
            }
        )


def _date_time(value: Any, field: str) -> str | None:
    """A request `date` (YYYY-MM-DD) as the resource's date-time."""
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(str(value)[:10]), datetime.min.time(), UTC).isoformat().replace("+00:00", "Z")
    except ValueError:
        raise invalid(field, "Not a valid date.") from None
