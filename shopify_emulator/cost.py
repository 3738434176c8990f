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
    OperationDefinitionNode,
    Undefined,
    get_named_type,
    value_from_ast,
)

from shopify_emulator.selections import fields_of, fragments_of, key_of

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
        self.fragments = fragments_of(document)
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
        self.variables = variables if isinstance(variables, dict) else {}

    @property
    def is_mutation(self) -> bool:
        return self.operation is not None and self.operation.operation.value == "mutation"

    def requested(self) -> int:
        if self.operation is None:
            return 0
        if self.is_mutation:
            return MUTATION_COST * len(fields_of(self.operation.selection_set, self.fragments))
        return self._selection_cost(self.operation.selection_set, self.schema.query_type, None)

    def actual(self, data: dict | None) -> int:
        if self.operation is None or data is None:
            return 0
        if self.is_mutation:
            return self.requested()
        return self._selection_cost(self.operation.selection_set, self.schema.query_type, data)

    def _argument(self, field_node, field_definition, name):
        for argument in field_node.arguments or ():
            if argument.name.value == name and name in field_definition.args:
                value = value_from_ast(
                    argument.value, field_definition.args[name].type, self.variables
                )
                return None if value is Undefined else value
        return None

    def _selection_cost(self, selection_set, parent_type, data) -> int:
        """Fields selected on the type itself (or on an interface it shares) add up; fragments
        on different concrete types are alternatives, so the dearest one counts."""
        parent = get_named_type(parent_type)
        common, branches = 0, {}
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                common += self._field_node_cost(selection, parent, data)
                continue
            if isinstance(selection, FragmentSpreadNode):
                selection = self.fragments.get(selection.name.value)
                if selection is None:
                    continue
            condition = selection.type_condition
            branch_type = self.schema.type_map[condition.name.value] if condition else parent
            cost = self._selection_cost(selection.selection_set, branch_type, data)
            if branch_type is parent or not isinstance(branch_type, GraphQLObjectType):
                common += cost
            else:
                branches[branch_type.name] = branches.get(branch_type.name, 0) + cost
        return common + max(branches.values(), default=0)

    def _field_node_cost(self, node, parent, data) -> int:
        name = node.name.value
        definition = getattr(parent, "fields", {}).get(name)
        if name.startswith("__") or definition is None:
            return 0
        if data is not None and not isinstance(data, dict):
            return 0
        value = data.get(key_of(node)) if data is not None else None
        return self._field_cost(node, definition, value, measured=data is not None)

    def _field_cost(self, node, definition, value, *, measured: bool) -> int:
        field_type = definition.type
        if not _is_composite(field_type):
            return 0
        if is_connection(field_type):
            return self._connection_cost(node, definition, value, measured=measured)
        if _is_list(field_type):
            if measured:
                return sum(
                    1 + self._selection_cost(node.selection_set, field_type, item)
                    for item in value or []
                    if item is not None
                )
            ids = self._argument(node, definition, "ids")
            size = self._argument(node, definition, "first") or (len(ids) if ids else 1)
            return size * (1 + self._selection_cost(node.selection_set, field_type, None))
        if measured and value is None:
            return 0
        return 1 + self._selection_cost(node.selection_set, field_type, value)

    def _connection_cost(self, node, definition, value, *, measured: bool) -> int:
        node_type = get_named_type(definition.type).fields["nodes"].type
        node_selections = []  # (where the nodes are in the result, their selection set)
        for child in fields_of(node.selection_set, self.fragments):
            if child.name.value == "nodes":
                node_selections.append(((key_of(child),), child.selection_set))
            elif child.name.value == "edges":
                for edge_child in fields_of(child.selection_set, self.fragments):
                    if edge_child.name.value == "node":
                        path = (key_of(child), key_of(edge_child))
                        node_selections.append((path, edge_child.selection_set))
        if not measured:
            size = (
                self._argument(node, definition, "first")
                or self._argument(node, definition, "last")
                or 0
            )
            per_node = max(
                (
                    1 + self._selection_cost(selection, node_type, None)
                    for _, selection in node_selections
                ),
                default=0,
            )
            return 2 + size * per_node
        if value is None:
            return 0
        best = 0
        for path, selection in node_selections:
            items = value.get(path[0]) or []
            nodes = [item.get(path[1]) for item in items] if len(path) == 2 else items
            cost = sum(
                1 + self._selection_cost(selection, node_type, item)
                for item in nodes
                if item is not None
            )
            best = max(best, cost)
        return 2 + best
