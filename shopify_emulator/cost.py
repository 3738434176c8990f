"""Calculated query cost, as Shopify documents it.

Scalars and enums cost 0, objects 1, a connection 2 plus its page size times the cost of one
node, a mutation 10. The requested cost is computed before running (from `first`/`last`), the
actual cost afterwards from what came back; the bucket is charged the first and refunded the
difference. https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
    value_from_ast,
)

MUTATION_COST = 10
MAX_QUERY_COST = 1000


def is_connection(graphql_type) -> bool:
    named = get_named_type(graphql_type)
    return isinstance(named, GraphQLObjectType) and named.name.endswith("Connection")


def _is_list(graphql_type) -> bool:
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return isinstance(graphql_type, GraphQLList)


def _is_composite(graphql_type) -> bool:
    return isinstance(
        get_named_type(graphql_type), (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
    )


class CostCalculator:
    def __init__(self, schema, document, variables: dict | None, operation_name: str | None):
        self.schema = schema
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if definition.kind == "fragment_definition"
        }
        operations = [
            definition
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ]
        self.operation = next(
            (
                operation
                for operation in operations
                if operation_name is None
                or (operation.name and operation.name.value == operation_name)
            ),
            operations[0] if operations else None,
        )
        self.variables = variables or {}

    @property
    def is_mutation(self) -> bool:
        return self.operation is not None and self.operation.operation.value == "mutation"

    def requested(self) -> int:
        if self.operation is None:
            return 0
        root = self.schema.mutation_type if self.is_mutation else self.schema.query_type
        if self.is_mutation:
            return MUTATION_COST * len(list(self._fields(self.operation.selection_set)))
        return self._selection_cost(self.operation.selection_set, root, data=None)

    def actual(self, data: dict | None) -> int:
        if self.operation is None or data is None:
            return 0
        if self.is_mutation:
            return self.requested()
        return self._selection_cost(self.operation.selection_set, self.schema.query_type, data)

    def _fields(self, selection_set):
        """The field nodes of a selection set, fragments flattened."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment:
                    yield from self._fields(fragment.selection_set)

    def _argument(self, field_node, field_definition, name):
        for argument in field_node.arguments or ():
            if argument.name.value == name:
                return value_from_ast(
                    argument.value, field_definition.args[name].type, self.variables
                )
        return None

    def _selection_cost(self, selection_set, parent_type, data) -> int:
        total = 0
        parent = get_named_type(parent_type)
        for node in self._fields(selection_set):
            name = node.name.value
            if name.startswith("__"):
                continue
            definition = getattr(parent, "fields", {}).get(name)
            if definition is None:
                continue
            key = node.alias.value if node.alias else name
            value = data.get(key) if isinstance(data, dict) else None
            total += self._field_cost(node, definition, value, measured=data is not None)
        return total

    def _field_cost(self, node, definition, value, *, measured: bool) -> int:
        field_type = definition.type
        if not _is_composite(field_type):
            return 0
        if is_connection(field_type):
            return self._connection_cost(node, definition, value, measured=measured)
        if _is_list(field_type):
            if measured:
                items = value or []
                return sum(
                    1 + self._selection_cost(node.selection_set, field_type, item) for item in items
                )
            size = self._argument(node, definition, "first") or 1
            return size * (1 + self._selection_cost(node.selection_set, field_type, None))
        if measured and value is None:
            return 0
        return 1 + self._selection_cost(node.selection_set, field_type, value)

    def _connection_cost(self, node, definition, value, *, measured: bool) -> int:
        connection_type = get_named_type(definition.type)
        node_type = (
            connection_type.fields["nodes"].type if "nodes" in connection_type.fields else None
        )
        node_selections = []
        for child in self._fields(node.selection_set):
            if child.name.value == "nodes":
                node_selections.append(("nodes", child, None))
            elif child.name.value == "edges":
                for edge_child in self._fields(child.selection_set):
                    if edge_child.name.value == "node":
                        node_selections.append(("edges", child, edge_child))
        if not measured:
            size = (
                self._argument(node, definition, "first")
                or self._argument(node, definition, "last")
                or 0
            )
            per_node = max(
                (
                    1 + self._selection_cost((inner or child).selection_set, node_type, None)
                    for _, child, inner in node_selections
                ),
                default=0,
            )
            return 2 + size * per_node
        if value is None:
            return 0
        best = 0
        for kind, child, inner in node_selections:
            key = child.alias.value if child.alias else child.name.value
            items = value.get(key) or []
            if kind == "edges":
                inner_key = inner.alias.value if inner.alias else "node"
                nodes = [edge.get(inner_key) for edge in items if isinstance(edge, dict)]
                selection = inner.selection_set
            else:
                nodes, selection = items, child.selection_set
            cost = sum(1 + self._selection_cost(selection, node_type, item) for item in nodes)
            best = max(best, cost)
        return 2 + best
