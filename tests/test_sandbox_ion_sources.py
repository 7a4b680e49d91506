"""The ION simulator cites a source for every type, field and rule (sandbox/ion/sources.py), and
every INFERENCE is a switch, a preflight check, an acceptance write, unused, or flagged UNCHECKED."""

from __future__ import annotations

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLScalarType,
)

from sandbox.ion import IonSimConfig
from sandbox.ion.schema import build_ion_schema
from sandbox.ion.sources import FIELDS, RULES, TYPES

CITED = re.compile(r"ion\.md §|https://|seed 002|INFERENCE")
ACCOUNTED = ("switch: ", "preflight: ", "acceptance", "no flow", "UNCHECKED")
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def every_source() -> dict[str, str]:
    schema = build_ion_schema("+00:00")
    sources: dict[str, str] = {}
    for name, named in schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        assert name in TYPES, f"type {name} has no source in sandbox/ion/sources.py"
        sources[name] = TYPES[name]
        if isinstance(named, GraphQLObjectType | GraphQLInputObjectType):
            for field in named.fields:
                sources[f"{name}.{field}"] = FIELDS.get(f"{name}.{field}", TYPES[name])
        else:
            assert isinstance(named, GraphQLEnumType | GraphQLScalarType)
    return sources


def test_every_type_field_and_rule_cites_a_source():
    sources = {**every_source(), **RULES}
    uncited = {name: text for name, text in sources.items() if not CITED.search(text)}
    assert uncited == {}


def test_every_inference_is_a_switch_a_check_or_flagged():
    switches = set(IonSimConfig.model_fields)
    for name, text in {**every_source(), **RULES}.items():
        if "INFERENCE" not in text:
            continue
        assert any(word in text for word in ACCOUNTED), f"{name}: INFERENCE with no switch, check or UNCHECKED flag"
        for switch in re.findall(r"switch: ([a-z_]+)", text):
            assert switch in switches, f"{name}: no IonSimConfig.{switch}"


def test_no_stale_entries():
    sources = every_source()
    assert {f for f in FIELDS if f not in sources} == set()
    assert {t for t in TYPES if t not in sources} == set()
