"""The demo company (sandbox/README.md, "QuickBooks Online simulator"), matching the ION
purchasing demo: vendors for ION suppliers 1 and 2 (Stellar Fasteners deliberately missing),
the accounts a setup names, classes for two of the three ION class options (R&D missing),
and one existing item, `COMP-200 Rev A`. Ids are fixed by insertion order."""

from __future__ import annotations

from .entities import Company

# (Name, AccountType, AccountSubType); ids 1..9 in this order
ACCOUNTS = [
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome"),
    ("Inventory Asset", "Other Current Asset", "Inventory"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("Shipping and delivery expense", "Expense", "ShippingFreightDelivery"),
    ("Office Supplies", "Expense", "OfficeGeneralAdministrativeExpenses"),
    ("Tools and Equipment", "Expense", "EquipmentRental"),
    ("Checking", "Bank", "Checking"),
    ("Travel", "Expense", "Travel"),
]
VENDORS = ["Acme Metals", "Orbital Parts"]  # ids 1, 2 (Stellar Fasteners has no vendor)
CLASSES = ["Hardware", "Flight Programs"]  # ids 5000000000000007280, ..7281 (R&D has no class)
ITEMS = [("COMP-200 Rev A", "Component Part One", "COMP-200")]


def seed_demo(company: Company) -> None:
    ids = {}
    for name, kind, sub in ACCOUNTS:
        ids[name] = company.write("Account", {"Name": name, "AccountType": kind, "AccountSubType": sub})["Id"]
    company.write("Account", {"Id": ids["Travel"], "SyncToken": "0", "sparse": True, "Active": False})
    for name in VENDORS:
        company.write("Vendor", {"DisplayName": name, "CompanyName": name})
    for name in CLASSES:
        company.write("Class", {"Name": name})
    for name, description, sku in ITEMS:
        company.write(
            "Item",
            {
                "Name": name,
                "Description": description,
                "Sku": sku,
                "Type": "Inventory",
                "TrackQtyOnHand": True,
                "QtyOnHand": 0,
                "InvStartDate": "2026-01-01",
                "IncomeAccountRef": {"value": ids["Sales of Product Income"]},
                "AssetAccountRef": {"value": ids["Inventory Asset"]},
                "ExpenseAccountRef": {"value": ids["Cost of Goods Sold"]},
            },
        )
