"""What the PLM-port contract suite knows about each PLM under test: how to open its adapter over
its simulator (in-process) and the demo product the simulator is seeded with.

Every simulator mirrors the demo factory's product (sandbox/README.md): the same part numbers,
SAT-500 an assembly of MOD-20 (itself an assembly of RES-10) and RES-10, ANT-30 not released,
and one engineering change making ASSY-100 rev B effective over rev A. Where a PLM names
something its own way, its `PlmCase` says so in the fields below (defaults: the demo product).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from connectors.ion import IonSettings
from core.config import AppSettings, ArenaMappings, Mappings
from core.environment import Environment
from plm.port import PlmAdapter

Opener = Callable[[], AbstractAsyncContextManager[PlmAdapter]]


@dataclass(frozen=True)
class PlmCase:
    """One PLM adapter and its (fresh, in-process) simulator as the suite drives them."""

    name: str  # ION_SYNC_PLM: "arena"
    open: Opener  # the adapter over a freshly seeded simulator, its client open
    released: frozenset[str] = frozenset({"COMP-200", "COMP-300", "BRKT-7", "RES-10", "MOD-20", "ASSY-100", "SAT-500"})
    unreleased: str = "ANT-30"
    assembly: str = "SAT-500"  # a released assembly: its eBOM's first level below
    ebom: dict[str, float] = field(default_factory=lambda: {"MOD-20": 1.0, "RES-10": 4.0})
    sub_assembly: str = "MOD-20"  # a released assembly inside `assembly`: its own level comes after
    changed: tuple[str, str, str] = ("ASSY-100", "B", "A")  # (part, effective revision, superseded revision)
    unit: tuple[str, str] = ("SAT-500", "B")  # a released part revision ION builds (records are sent for it)


def environment(mappings: Mappings | None = None, **systems: object) -> Environment:
    """What an adapter reads from the loaded settings, without the process environment."""
    ion = IonSettings(api_url="http://ion.invalid", auth_url="http://ion.invalid/token", client_id="-", client_secret="-")
    return Environment(app=AppSettings(), mappings=mappings or Mappings(), ion=ion, systems=dict(systems))  # type: ignore[arg-type]


def arena_mappings() -> Mappings:
    """The sandbox's `arena:` section (config/sandbox.yaml): NCRs as Manufacturing Change Requests."""
    return Mappings(arena=ArenaMappings(request_category_guid="I0K3MZKBY1KUDWBIIJ7C", request_number_prefix="MCR-"))
