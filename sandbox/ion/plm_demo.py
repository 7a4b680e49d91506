"""PLM demo data in ION (sandbox/README.md, "ION PLM area"): the released mBOMs of ASSY-100
rev A and SAT-500 rev B, each with an ION-only consumable (GLUE-1) that no eBOM carries,
two issues on finished units (one dispositioned NCR, one still pending), the released
procedure `ASSY-100 Build routing` v1 with a step manufacturing added in ION (a torque
witness) that no routing has, the procedure each ASSY-100 run follows, and what the
"Assemble and inspect" steps of runs 1001 and 1002 recorded (inspection data)."""

from __future__ import annotations

from sandbox.ion.store import IonStore

STAMP = "2026-11-01T16:00:00.000000"

#: procedure id (= family), version, title, status, steps (title, content)
PROCEDURES: list[tuple[int, int, str, str, list[tuple[str, str]]]] = [
    (
        1,
        1,
        "ASSY-100 Build routing",
        "RELEASED",
        [
            ("Op 10 Kit components", "Pick the components per the mBOM."),
            ("Torque witness", "A second operator witnesses the torque of the M4 screws."),  # ION-only
            ("Op 20 Assemble", "Assemble per drawing."),
        ],
    ),
    (2, 1, "SAT-500 Build", "RELEASED", [("Assemble and inspect", "Assemble the modem and measure RF output.")]),
]
RUN_PROCEDURES = {1001: 1, 1002: 2, 1003: 1, 1004: 1, 1005: 1, 1006: 1, 1007: 1, 1008: 1, 1009: 1}
#: run step id (purchasing_demo.RUN_STEPS) -> fields (name, type, unit, value)
RUN_STEP_FIELDS: dict[int, list[tuple[str, str, str | None, str]]] = {
    2: [("Screw torque", "NUMBER", "N·m", "4.2"), ("Visual inspection passed", "BOOLEAN", None, "true")],
    4: [("RF output power", "NUMBER", "dBm", "27.1"), ("Operator sign-off", "SIGNOFF", None, "jane@factory.example")],
}

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
        for procedure_id, version, title, status, steps in PROCEDURES:
            db.execute(
                "INSERT INTO procedures (id, family_id, version, title, status, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (procedure_id, procedure_id, version, title, status, STAMP, STAMP),
            )
            db.executemany(
                "INSERT INTO steps (procedure_id, title, content, position, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                [(procedure_id, t, c, n, STAMP, STAMP) for n, (t, c) in enumerate(steps, 1)],
            )
        db.executemany("INSERT INTO run_procedures (run_id, procedure_id) VALUES (?, ?)", RUN_PROCEDURES.items())
        db.executemany(
            "INSERT INTO run_step_fields (run_step_id, name, type, unit, value) VALUES (?, ?, ?, ?, ?)",
            [(step, *f) for step, fields in RUN_STEP_FIELDS.items() for f in fields],
        )
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
