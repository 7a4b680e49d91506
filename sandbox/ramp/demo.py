"""The demo business's vendors, coordinated with the ION demo's suppliers (sandbox/README.md):
three have the ION suppliers' names (the first import links them by name), one is new to ION."""

from __future__ import annotations

from sandbox.ramp.config import RampSimConfig
from sandbox.ramp.state import RampState

# (id, name, contact email, address line, city, postal code, state, created_at)
VENDORS = [
    (
        "0b5e7c1a-1111-4a6e-9c1d-ac0e00000001",
        "Acme Metals",
        "ap@acme-metals.example",
        "1 Foundry Way",
        "Hawthorne",
        "90250",
        "CA",
    ),
    (
        "0b5e7c1a-2222-4a6e-9c1d-0eb100000002",
        "Orbital Parts",
        "billing@orbital-parts.example",
        "22 Orbit Rd",
        "Long Beach",
        "90802",
        "CA",
    ),
    (
        "0b5e7c1a-3333-4a6e-9c1d-5e11a0000003",
        "Stellar Fasteners",
        "hello@stellar-fasteners.example",
        "3 Star Ct",
        "Torrance",
        "90501",
        "CA",
    ),
    (
        "0b5e7c1a-4444-4a6e-9c1d-00fa00000004",
        "Nova Composites",
        "orders@nova-composites.example",
        "44 Carbon St",
        "El Segundo",
        "90245",
        "CA",
    ),
]


def seed_demo(state: RampState, config: RampSimConfig) -> None:
    for index, (vendor_id, name, email, line, city, postal, region) in enumerate(VENDORS):
        state.create_vendor(
            {
                "name": name,
                "country": "US",
                "state": region,
                "vendor_owner_id": config.user_id,
                "business_vendor_contacts": {"email": email},
                "address": {"address_line_1": line, "city": city, "postal_code": postal, "country": "US", "state": region},
            },
            vendor_id=vendor_id,
            created_at=f"2026-11-01T09:0{index}:00Z",
        )
