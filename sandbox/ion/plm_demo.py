"""PLM demo data in ION (sandbox/README.md, "ION PLM area"): the released mBOMs of ASSY-100
rev A and SAT-500 rev B, each with an ION-only consumable (GLUE-1) that no eBOM carries,
and two issues on finished units (one dispositioned NCR, one still pending)."""

from __future__ import annotations

from sandbox.ion.store import IonStore

STAMP = "2026-11-01T16:00:00.000000"

#: mBOM id, part id, version, status, lines (mBOM item id, part id, quantity, reference designators)
MBOMS: list[tuple[int, int, int, str, list[tuple[int, int, float, list[str]]]]] = [
    (1, 101, 1, "RELEASED", [(1, 102, 5.0, []), (2, 103, 3.0, []), (3, 109, 0.2, [])]),
    (2, 104, 1, "RELEASED", [(4, 106, 1.0, ["U1"]), (5, 105, 4.0, ["R1", "R2", "R3", "R4"]), (6, 109, 0.35, [])]),
]


def seed_plm_demo(store: IonStore) -> None:
    with store.transaction() as db:
        for mbom_id, part_id, version, status, lines in MBOMS:
            db.execute(
                "INSERT INTO mboms (id, part_id, version, status, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                (mbom_id, part_id, version, status, STAMP, STAMP),
            )
            for item_id, component, quantity, designators in lines:
                db.execute(
                    "INSERT INTO mbom_items (id, mbom_id, part_id, quantity) VALUES (?, ?, ?, ?)",
                    (item_id, mbom_id, component, quantity),
                )
                for value in designators:
                    db.execute("INSERT INTO mbom_item_refdes (mbom_item_id, value) VALUES (?, ?)", (item_id, value))
        serial = db.execute("SELECT part_inventory_id FROM runs WHERE id = 1002").fetchone()
        bracket = db.execute("SELECT part_inventory_id FROM runs WHERE id = 1003").fetchone()
        db.execute(
            "INSERT INTO issues (id, title, status, disposition, cause_condition, expected_condition, run_id,"
            " part_inventory_id, created, updated) VALUES (1, ?, 'IN_REVIEW', 'REWORK', ?, ?, 1002, ?, ?, ?)",
            (
                "Solder bridge on RF module U1",
                '[{"children":[{"type":"p","children":[{"text":"Bridge between pins 3 and 4 of U1"}]}]}]',
                "No solder bridges (IPC-A-610 class 3)",
                serial[0] if serial else None,
                "2026-11-20T09:30:00.000000",
                "2026-11-20T10:00:00.000000",
            ),
        )
        db.execute(
            "INSERT INTO issues (id, title, status, run_id, part_inventory_id, created, updated)"
            " VALUES (2, 'Scratch on bracket face', 'PENDING', 1003, ?, ?, ?)",
            (bracket[0] if bracket else None, "2026-11-20T10:30:00.000000", "2026-11-20T10:30:00.000000"),
        )
