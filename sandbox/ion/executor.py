"""A small GraphQL executor for the simulator's schema, and the graphql-core reference path.

Why: graphql-core builds a resolve-info object and walks generic completion code for every
field; a page of the consumption query (200 runs x 20 installations, ~56,000 fields) takes
~0.25 s there before any SQL or JSON. This executor plans each selection set once per
request (fields collected, fragments and @skip/@include applied, arguments coerced, a
completion closure per field) and then runs the plan over plain dicts: a field without a
resolver is one `dict.get`. Parsing, validation and variable coercion stay graphql-core's.

Scope: queries and mutations (root fields run in order, so mutations are serial as the spec
asks), object types, lists, non-null, scalars and enums, fragments, aliases, __typename,
null propagation with located errors, i.e. everything this schema has (no interfaces or
unions). Introspection (`__schema`, `__type`) is delegated to graphql-core, which is also
the reference path (`IonSimConfig.fast_executor=False`); tests compare the two.
IDs leave as JSON numbers when they are integers (ion.md §2.7), on both paths.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLIncludeDirective,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLSkipDirective,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    located_error,
)
from graphql.execution import Executor, execute_sync, get_argument_values, get_directive_values

Path = tuple[Any, str | int] | None
Completer = Callable[[Any, Path], Any]


class _Propagate(Exception):
    """A non-null position got null: null the nearest nullable ancestor (error already recorded)."""


def _path_list(path: Path) -> list[str | int]:
    keys: list[str | int] = []
    while path is not None:
        path, key = path
        keys.append(key)
    keys.reverse()
    return keys


def _id_output(value: Any) -> Any:
    if type(value) is int or type(value) is str:
        return value
    return GraphQLID.coerce_output_value(value)


class _Info:
    """The parts of graphql-core's GraphQLResolveInfo that resolvers here use."""

    __slots__ = (
        "context",
        "field_name",
        "field_nodes",
        "fragments",
        "operation",
        "parent_type",
        "path",
        "return_type",
        "root_value",
        "schema",
        "variable_values",
    )

    def __init__(
        self, executor: FastExecutor, field_def: GraphQLField, nodes: list[FieldNode], parent: GraphQLObjectType
    ) -> None:
        self.context = executor.context
        self.field_name = nodes[0].name.value
        self.field_nodes = nodes
        self.fragments = executor.fragments
        self.operation = executor.operation
        self.parent_type = parent
        self.path = None
        self.return_type = field_def.type
        self.root_value = executor.root_value
        self.schema = executor.schema
        self.variable_values = executor.variable_values


class _FieldPlan:
    __slots__ = ("args", "complete", "info", "key", "name", "nodes", "non_null", "resolve", "typename")

    def __init__(self, key: str, name: str, nodes: list[FieldNode]) -> None:
        self.key = key
        self.name = name
        self.nodes = nodes
        self.typename: str | None = None
        self.resolve: Callable[..., Any] | None = None
        self.args: dict[str, Any] = {}
        self.non_null = False
        self.complete: Completer = lambda value, path: value
        self.info: _Info | None = None


def uses_introspection(operation: OperationDefinitionNode) -> bool:
    return any(
        isinstance(sel, FieldNode) and sel.name.value in ("__schema", "__type") for sel in operation.selection_set.selections
    )


class FastExecutor:
    """Execute one validated query operation with coerced variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        operation: OperationDefinitionNode,
        variable_values: Any,
        context: Any,
        root_value: Any = None,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.operation = operation
        self.variable_values = variable_values
        self.context = context
        self.root_value = root_value
        self.errors: list[GraphQLError] = []

    def execute(self) -> ExecutionResult:
        kind = self.operation.operation.value
        root_type = {"query": self.schema.query_type, "mutation": self.schema.mutation_type}.get(kind)
        if root_type is None:
            error = GraphQLError(f"Schema is not configured to execute {self.operation.operation.value} operation.")
            return ExecutionResult(None, [error])
        try:
            plans = self._plan(root_type, [self.operation.selection_set])
            data: dict[str, Any] | None = self._execute_object(plans, self.root_value, None)
        except _Propagate:
            data = None
        except GraphQLError as error:  # argument coercion failed while planning
            self.errors.append(error)
            data = None
        return ExecutionResult(data, self.errors or None)

    # --- planning (once per distinct selection set in this request) -------------------------

    def _include(self, node: Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variable_values)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variable_values)
        return not (include and include.get("if") is False)

    def _collect(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode, fields: dict[str, list[FieldNode]], seen: set[str]
    ) -> None:
        for selection in selection_set.selections:
            if not self._include(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or condition.name.value == parent.name:
                    self._collect(parent, selection.selection_set, fields, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in seen or fragment is None or fragment.type_condition.name.value != parent.name:
                    continue
                seen.add(name)
                self._collect(parent, fragment.selection_set, fields, seen)

    def _plan(self, parent: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> list[_FieldPlan]:
        fields: dict[str, list[FieldNode]] = {}
        seen: set[str] = set()
        for selection_set in selection_sets:
            self._collect(parent, selection_set, fields, seen)
        plans = []
        for key, nodes in fields.items():
            name = nodes[0].name.value
            plan = _FieldPlan(key, name, nodes)
            if name == "__typename":
                plan.typename = parent.name
                plans.append(plan)
                continue
            field_def = parent.fields.get(name)
            if field_def is None:  # validation prevents this; skip like graphql-core does
                continue
            plan.resolve = field_def.resolve
            plan.non_null = isinstance(field_def.type, GraphQLNonNull)
            if field_def.args or nodes[0].arguments:
                plan.args = get_argument_values(field_def, nodes[0], self.variable_values)
            if plan.resolve is not None:
                plan.info = _Info(self, field_def, nodes, parent)
            plan.complete = self._completer(field_def.type, nodes, f"{parent.name}.{name}")
            plans.append(plan)
        return plans

    def _completer(self, type_: Any, nodes: list[FieldNode], field_label: str) -> Completer:
        if isinstance(type_, GraphQLNonNull):
            inner = self._completer(type_.of_type, nodes, field_label)
            message = f"Cannot return null for non-nullable field {field_label}."

            def complete_non_null(value: Any, path: Path) -> Any:
                if value is None:
                    raise TypeError(message)
                return inner(value, path)

            return complete_non_null
        if isinstance(type_, GraphQLList):
            item_type = type_.of_type
            item_non_null = isinstance(item_type, GraphQLNonNull)
            item = self._completer(item_type, nodes, field_label)
            record = self._record

            def complete_list(value: Any, path: Path) -> Any:
                if value is None:
                    return None
                out = []
                for index, entry in enumerate(value):
                    try:
                        out.append(item(entry, (path, index)))
                    except _Propagate:
                        if item_non_null:
                            raise
                        out.append(None)
                    except Exception as error:
                        record(error, nodes, (path, index))
                        if item_non_null:
                            raise _Propagate from None
                        out.append(None)
                return out

            return complete_list
        if isinstance(type_, GraphQLObjectType):
            sub_plans = self._plan(type_, [n.selection_set for n in nodes if n.selection_set])
            execute_object = self._execute_object

            def complete_object(value: Any, path: Path) -> Any:
                if value is None:
                    return None
                return execute_object(sub_plans, value, path)

            return complete_object
        if isinstance(type_, GraphQLEnumType):
            names = {enum_value.value: name for name, enum_value in type_.values.items()}
            type_name = type_.name

            def complete_enum(value: Any, _path: Path) -> Any:
                if value is None:
                    return None
                try:
                    return names[value]
                except (KeyError, TypeError):
                    raise GraphQLError(f"Enum '{type_name}' cannot represent value: {value!r}") from None

            return complete_enum
        if isinstance(type_, GraphQLScalarType):
            return _scalar_completer(type_)
        raise TypeError(f"unsupported output type {type_}")  # interfaces/unions: not in this schema

    # --- running ----------------------------------------------------------------------------

    def _record(self, error: Exception, nodes: list[FieldNode], path: Path) -> None:
        self.errors.append(located_error(error, nodes, _path_list(path)))

    def _execute_object(self, plans: list[_FieldPlan], source: Any, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        is_dict = type(source) is dict
        for plan in plans:
            key = plan.key
            if plan.typename is not None:
                result[key] = plan.typename
                continue
            field_path = (path, key)
            try:
                if plan.resolve is None:
                    value = source.get(plan.name) if is_dict else getattr(source, plan.name, None)
                else:
                    value = plan.resolve(source, plan.info, **plan.args)
                result[key] = plan.complete(value, field_path)
            except _Propagate:
                if plan.non_null:
                    raise
                result[key] = None
            except Exception as error:
                self._record(error, plan.nodes, field_path)
                if plan.non_null:
                    raise _Propagate from None
                result[key] = None
        return result


def _scalar_completer(type_: GraphQLScalarType) -> Completer:
    """Leaf completion with a type check fast path for the built-in scalars."""
    coerce = getattr(type_, "coerce_output_value", None) or type_.serialize
    exact: type | None = {
        GraphQLString.name: str,
        GraphQLFloat.name: float,
        GraphQLInt.name: int,
        GraphQLBoolean.name: bool,
    }.get(type_.name)
    if type_ is GraphQLID or type_.name == "ID":

        def complete_id(value: Any, _path: Path) -> Any:
            if value is None:
                return None
            if type(value) is int:
                return value
            return _id_output(value)

        return complete_id
    if exact is not None:

        def complete_exact(value: Any, _path: Path) -> Any:
            if value is None:
                return None
            if type(value) is exact:
                return value
            return coerce(value)

        return complete_exact

    def complete_scalar(value: Any, _path: Path) -> Any:
        if value is None:
            return None
        return coerce(value)

    return complete_scalar


class NumericIdExecutor(Executor):
    """graphql-core's executor, with integer IDs left as JSON numbers (ion.md §2.7)."""

    @staticmethod
    def complete_leaf_value(return_type: Any, result: Any) -> Any:
        if (return_type is GraphQLID or getattr(return_type, "name", None) == "ID") and type(result) is int:
            return result
        return Executor.complete_leaf_value(return_type, result)


def execute_reference(
    schema: GraphQLSchema, document: Any, operation_name: str | None, variables: dict[str, Any] | None, context: Any
) -> ExecutionResult:
    """graphql-core's own execution (introspection, and the cross-check in tests)."""
    return execute_sync(
        schema,
        document,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
        executor_class=NumericIdExecutor,
    )
