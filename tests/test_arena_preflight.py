"""`ion-sync preflight arena` against the Arena simulator: every check passes on the sandbox's
configuration; a wrong request category or prefix fails with the fix, and nothing is written."""

from __future__ import annotations

import asyncio
from pathlib import Path

from plm.arena.preflight import run_checks
from tests.arena_helpers import arena, ion_files


def checks(world, monkeypatch, tmp_path, replace: tuple[str, str] | None = None) -> dict:
    if replace:
        config = tmp_path / "mappings.yaml"
        config.write_text(Path(world.env["ION_SYNC_CONFIG"]).read_text().replace(*replace))
        monkeypatch.setenv("ION_SYNC_CONFIG", str(config))
    return {c.name: c for c in asyncio.run(run_checks())}


def test_every_arena_check_passes_on_the_sandbox(world, monkeypatch, tmp_path):
    found = checks(world, monkeypatch, tmp_path)
    assert {name: c.ok for name, c in found.items()} == {
        "Arena credentials": True,
        "NCR request category": True,
        "NCR number sequence prefix": True,
        "Mapped Arena items": True,
        "Outbound integration": True,
        "Routing items": True,
        "API request quota": True,
    }
    assert found["Routing items"].detail == "2 routing item(s), e.g. ASSY-100-RTG, SAT-500-RTG"
    assert (
        found["NCR request category"].detail
        == "Manufacturing Change Request (Request\\Change Request\\Manufacturing Change Request)"
    )
    assert "request(s) left today" in found["API request quota"].detail
    assert arena(world, "requests") == [] and ion_files(world) == []  # read-only


def test_a_wrong_category_prefix_or_part_fails_with_the_fix(world, monkeypatch, tmp_path):
    found = checks(world, monkeypatch, tmp_path, ("I0K3MZKBY1KUDWBIIJ7C", "NOSUCHCATEGORY000001"))
    category = found["NCR request category"]
    assert not category.ok and "NOSUCHCATEGORY000001 is not a request category" in category.detail
    assert "Manufacturing Change Request = I0K3MZKBY1KUDWBIIJ7C" in category.fix

    found = checks(world, monkeypatch, tmp_path, ("request_number_prefix: MCR-", "request_number_prefix: NCR-"))
    prefix = found["NCR number sequence prefix"]
    assert not prefix.ok and "'MCR-'" in prefix.fix

    found = checks(world, monkeypatch, tmp_path, ("  parts: {}", '  parts: {"PCBA-999": COMP-200}'))
    assert not found["Mapped Arena items"].ok and "PCBA-999" in found["Mapped Arena items"].detail


def test_bad_credentials_are_one_failed_check(world, monkeypatch, tmp_path):
    monkeypatch.setenv("ARENA_PASSWORD", "wrong")
    found = checks(world, monkeypatch, tmp_path)
    assert (
        list(found) == ["Arena credentials"] and not found["Arena credentials"].ok and "4001" in found["Arena credentials"].detail
    )
