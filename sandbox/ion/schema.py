"""The executable GraphQL schema: `schema.graphql` (ion.md §8 subset) plus resolvers and scalars.

Built with graphql-core's `build_schema` and resolvers bound by hand, so a field without a
resolver is a plain dict lookup (the fast executor relies on that). Binding checks every
resolver names a real field, so the SDL and the code cannot drift apart silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib.resources import files
from typing import Any

from graphql import GraphQLInputObjectType, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, build_schema

from sandbox.ion.plm_resolvers import PLM_RESOLVERS
from sandbox.ion.procedure_resolvers import PROCEDURE_RESOLVERS
from sandbox.ion.purchasing_resolvers import PURCHASING_RESOLVERS
from sandbox.ion.quickbooks_resolvers import QUICKBOOKS_RESOLVERS
from sandbox.ion.resolvers import RESOLVERS
from sandbox.ion.timestamps import output_formatter, parse_input


def load_sdl() -> str:
    """`schema.graphql`, then every `schema_<area>.graphql` beside it (each area extends the
    core types with `extend type`, so areas grow without editing one shared file)."""
    package = files("sandbox.ion")
    areas = sorted(p.name for p in package.iterdir() if p.name.startswith("schema_") and p.name.endswith(".graphql"))
    return "\n".join(package.joinpath(name).read_text(encoding="utf-8") for name in ["schema.graphql", *areas])


def bind_resolvers(schema: GraphQLSchema, resolvers: Mapping[str, Mapping[str, Callable[..., Any]]]) -> None:
    for type_name, fields in resolvers.items():
        object_type = schema.get_type(type_name)
        if not isinstance(object_type, GraphQLObjectType):
            raise TypeError(f"resolvers for unknown object type {type_name}")
        for field_name, resolve in fields.items():
            if field_name not in object_type.fields:
                raise TypeError(f"resolver for unknown field {type_name}.{field_name}")
            object_type.fields[field_name].resolve = resolve


def _set_scalar(scalar: GraphQLScalarType, output: Callable[[Any], Any], parse: Callable[[Any], Any]) -> None:
    """Give an SDL-declared scalar its coercers (graphql-core 3.3 names and the 3.2 ones)."""
    for name in ("coerce_output_value", "serialize"):
        setattr(scalar, name, output)
    for name in ("coerce_input_value", "parse_value"):
        setattr(scalar, name, parse)


def _json_string_output(options_format: str) -> Callable[[Any], Any]:
    """Attribute `options` (§3.14): graphene's JSONString renders JSON text; 'list' leaves the list."""

    def render(value: Any) -> Any:
        if options_format == "list" or isinstance(value, str):
            return value
        return json.dumps(value)

    return render


def _json_string_input(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


RANGE_OPERATORS = ("gt", "gte", "lt", "lte")  # INFERENCE (ion.md §2.3)


def drop_unconfirmed(
    schema: GraphQLSchema, *, range_operators: bool = True, run_attributes: bool = True, installed_per_parent_field: bool = True
) -> None:
    """Remove what a switched-off assumption adds (IonSimConfig, SOURCES.md "Switches"), so a
    query that relies on it fails validation as it would on an ION without it."""
    if not range_operators:
        for named in schema.type_map.values():
            if isinstance(named, GraphQLInputObjectType) and named.name.endswith("Filter"):
                for op in RANGE_OPERATORS:
                    named.fields.pop(op, None)
    dropped = [("Run", "attributes")] if not run_attributes else []
    if not installed_per_parent_field:
        dropped.append(("AbomInstallation", "quantityInstalledPerParentPartInventory"))
    for type_name, field in dropped:
        object_type = schema.get_type(type_name)
        assert isinstance(object_type, GraphQLObjectType)
        object_type.fields.pop(field)


def build_ion_schema(datetime_utc_suffix: str, options_format: str = "json_string", **switches: bool) -> GraphQLSchema:
    """A fresh schema per app: scalars and the unconfirmed parts depend on the app's config."""
    schema = build_schema(load_sdl())
    date_time = schema.get_type("DateTime")
    assert isinstance(date_time, GraphQLScalarType)
    _set_scalar(date_time, output_formatter(datetime_utc_suffix), parse_input)
    json_string = schema.get_type("JSONString")
    assert isinstance(json_string, GraphQLScalarType)
    _set_scalar(json_string, _json_string_output(options_format), _json_string_input)
    bind_resolvers(schema, RESOLVERS)
    bind_resolvers(schema, PURCHASING_RESOLVERS)
    bind_resolvers(schema, PLM_RESOLVERS)
    bind_resolvers(schema, PROCEDURE_RESOLVERS)
    bind_resolvers(schema, QUICKBOOKS_RESOLVERS)
    drop_unconfirmed(schema, **switches)
    return schema
