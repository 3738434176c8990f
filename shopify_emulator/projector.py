"""A fast path for bulk operations: the answer graphql-core would give to a query already
validated, computed by walking its selection over the records directly.

graphql-core checks and completes every value through layers of generic machinery, which is
right for requests but makes a bulk export of 100,000 orders take minutes. Bulk queries are
validated before they run (bulk.py) and use no variables, so each selection can be compiled
once into a plan — which resolver answers each field, with which arguments, and how its value
is completed — and the plan applied to every record. tests/emulator/test_projector.py checks
that both paths give the same result.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    InlineFragmentNode,
    Undefined,
    get_named_type,
    is_abstract_type,
    value_from_ast,
)

from shopify_emulator import connections
from shopify_emulator.cost import is_connection
from shopify_emulator.empty import empty_value
from shopify_emulator.selections import key_of

_MISSING = object()


class _Info:
    """The part of graphql-core's ResolveInfo that the emulator's resolvers read."""

    __slots__ = ("context", "field_name", "return_type")

    def __init__(self, context, field_name, return_type):
        self.context = context
        self.field_name = field_name
        self.return_type = return_type


class Projector:
    def __init__(self, schema, fragments: dict, context):
        self.schema = schema
        self.fragments = fragments
        self.context = context
        self._plans: dict[tuple, list] = {}

    def root(self, field: FieldNode) -> dict:
        """The value of one root field, as `execute` would put it under the field's key."""
        definition = self.schema.query_type.fields[field.name.value]
        info = _Info(self.context, field.name.value, definition.type)
        raw = definition.resolve(None, info, **_arguments(field, definition))
        complete = self._completer(definition.type, [field])
        return {key_of(field): complete(raw)}

    # Plans ---------------------------------------------------------------------------------

    def _plan(self, selection_sets: tuple, object_type) -> list:
        """(key, field function) for each field the selection asks of `object_type`."""
        cache_key = (tuple(id(s) for s in selection_sets), object_type.name)
        plan = self._plans.get(cache_key)
        if plan is None:
            grouped: dict[str, list[FieldNode]] = {}
            for selection_set in selection_sets:
                self._collect(selection_set, object_type, grouped)
            plan = [(key, self._field(nodes, object_type)) for key, nodes in grouped.items()]
            self._plans[cache_key] = plan
        return plan

    def _collect(self, selection_set, object_type, grouped):
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                grouped.setdefault(key_of(selection), []).append(selection)
                continue
            if isinstance(selection, FragmentSpreadNode):
                selection = self.fragments[selection.name.value]
            elif not isinstance(selection, InlineFragmentNode):
                continue
            if self._applies(selection.type_condition, object_type):
                self._collect(selection.selection_set, object_type, grouped)

    def _applies(self, condition, object_type) -> bool:
        if condition is None or condition.name.value == object_type.name:
            return True
        condition_type = self.schema.type_map[condition.name.value]
        return is_abstract_type(condition_type) and self.schema.is_sub_type(
            condition_type, object_type
        )

    def _field(self, nodes: list[FieldNode], parent_type):
        """A function value → the field's completed value."""
        node = nodes[0]
        name = node.name.value
        if name == "__typename":
            type_name = parent_type.name
            return lambda value: type_name
        definition = parent_type.fields[name]
        arguments = _arguments(node, definition)
        complete = self._completer(definition.type, nodes)
        if definition.resolve is not None:
            resolve, info = definition.resolve, _Info(self.context, name, definition.type)
            return lambda value: complete(resolve(value, info, **arguments))
        if is_connection(definition.type):
            # A record's own list (line items, variants): all of it, in a bulk operation.
            return lambda value: complete(
                connections.list_connection(value.get(name) or [], arguments, bulk=True)
            )
        empty = _Lazy(definition.type)
        first = arguments.get("first")

        def read(value):
            raw = value.get(name, _MISSING)
            if raw is _MISSING:
                return complete(empty.value())
            if first is not None and isinstance(raw, list):
                raw = raw[:first]  # a plain list field with `first`, e.g. Order.fulfillments
            return complete(raw)

        return read

    def _completer(self, field_type, nodes):
        non_null = isinstance(field_type, GraphQLNonNull)
        inner = field_type.of_type if non_null else field_type
        if isinstance(inner, GraphQLList):
            complete_item = self._completer(inner.of_type, nodes)

            def complete_list(raw):
                if raw is None:
                    return _null(non_null, nodes)
                return [complete_item(item) for item in raw]

            return complete_list
        named = get_named_type(inner)
        if not hasattr(named, "fields") and not is_abstract_type(named):

            def complete_leaf(raw):  # records hold scalars and enums already serialised
                return _null(non_null, nodes) if raw is None else raw

            return complete_leaf
        selection_sets = tuple(node.selection_set for node in nodes if node.selection_set)

        def complete_object(raw):
            if raw is None:
                return _null(non_null, nodes)
            object_type = (
                self.schema.type_map[raw["__typename"]] if is_abstract_type(named) else named
            )
            return {key: field(raw) for key, field in self._plan(selection_sets, object_type)}

        return complete_object


class _Lazy:
    """The empty value of a type, computed only when a record lacks the field (it may raise,
    for a type that has none)."""

    def __init__(self, field_type):
        self.field_type = field_type

    def value(self):
        return empty_value(self.field_type)


def _null(non_null: bool, nodes):
    if non_null:
        raise GraphQLError(f"Cannot return null for non-nullable field {nodes[0].name.value}.")
    return None


def _arguments(node: FieldNode, definition) -> dict:
    given = {argument.name.value: argument.value for argument in node.arguments or ()}
    arguments = {}
    for name, argument in definition.args.items():
        if name in given:
            arguments[name] = value_from_ast(given[name], argument.type)
        elif argument.default_value is not Undefined:
            arguments[name] = argument.default_value
    return arguments
