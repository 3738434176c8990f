"""Calculated query cost, as Shopify documents it.

Scalars and enums cost 0, objects 1, a connection 2 plus its page size times the cost of one
node, a mutation 10. The requested cost is computed before running (from `first`/`last`), the
actual cost afterwards from what came back; the bucket is charged the first and refunded the
difference. https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits

That is the default model: "Every field in the schema has an integer cost value assigned to
it" and "By default, a field's cost is based on what the field returns" (same page), so real
fields may cost more. The `field_costs` knob says how much more, in extra points: per object
of a type (`{"LineItem": 5}`, every LineItem counted or returned) or per resolved field
(`{"Order.lineItems": 40}`, once for each order whose lineItems are asked for). Both the
requested and the actual cost include them.
"""

from __future__ import annotations

import re

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
FIELD_COST_KEY = re.compile(r"^(?P<type>[A-Za-z_]\w*)(?:\.(?P<field>[A-Za-z_]\w*))?$")


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


def check_field_costs(value, schema) -> dict:
    """The `field_costs` knob after checking it names real types and fields of the schema;
    ValueError says what is wrong."""
    if not isinstance(value, dict):
        raise ValueError('field_costs must be an object such as {"Order.lineItems": 40}')
    checked = {}
    for key, cost in value.items():
        match = FIELD_COST_KEY.match(str(key))
        graphql_type = schema.type_map.get(match["type"]) if match else None
        if graphql_type is None or (
            match["field"] and match["field"] not in getattr(graphql_type, "fields", {})
        ):
            raise ValueError(f"field_costs: {key} is not a type or Type.field of the schema")
        if not isinstance(cost, int) or isinstance(cost, bool) or cost < 0:
            raise ValueError(f"field_costs: the cost of {key} must be a whole number >= 0")
        checked[str(key)] = cost
    return checked


class CostCalculator:
    def __init__(
        self,
        schema,
        document,
        variables: dict | None,
        operation_name: str | None,
        field_costs: dict | None = None,
    ):
        self.schema = schema
        self.fragments = fragments_of(document)
        self.field_costs = field_costs or {}
        # Filled by requested() when asked to: the per-field breakdown Shopify gives with the
        # `Shopify-GraphQL-Cost-Debug: 1` request header.
        self.trace: list[dict] | None = None
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

    def requested(self, *, trace: bool = False) -> int:
        if trace:
            self.trace = []
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

    def _object_cost(self, graphql_type) -> int:
        """What one object of `graphql_type` costs: 1, plus its type's extra cost."""
        if not self.field_costs:
            return 1
        return 1 + self.field_costs.get(get_named_type(graphql_type).name, 0)

    def _selection_cost(self, selection_set, parent_type, data, path=()) -> int:
        """Fields selected on the type itself (or on an interface it shares) add up; fragments
        on different concrete types are alternatives, so the dearest one counts."""
        parent = get_named_type(parent_type)
        common, branches = 0, {}
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                common += self._field_node_cost(selection, parent, data, path)
                continue
            if isinstance(selection, FragmentSpreadNode):
                selection = self.fragments.get(selection.name.value)
                if selection is None:
                    continue
            condition = selection.type_condition
            branch_type = self.schema.type_map[condition.name.value] if condition else parent
            cost = self._selection_cost(selection.selection_set, branch_type, data, path)
            if branch_type is parent or not isinstance(branch_type, GraphQLObjectType):
                common += cost
            else:
                branches[branch_type.name] = branches.get(branch_type.name, 0) + cost
        return common + max(branches.values(), default=0)

    def _field_node_cost(self, node, parent, data, path) -> int:
        name = node.name.value
        definition = getattr(parent, "fields", {}).get(name)
        if name.startswith("__") or definition is None:
            return 0
        if data is not None and not isinstance(data, dict):
            return 0
        value = data.get(key_of(node)) if data is not None else None
        extra = self.field_costs.get(f"{parent.name}.{name}", 0) if self.field_costs else 0
        path = (*path, key_of(node))
        position = len(self.trace) if self.trace is not None else 0
        cost = extra + self._field_cost(node, definition, value, path, measured=data is not None)
        if self.trace is not None and data is None and cost:
            self._note(position, path, extra + self._own_cost(definition.type), cost)
        return cost

    def _own_cost(self, field_type) -> int:
        """What a field costs without its children: 0 for a scalar, an object's cost, a
        connection's 2."""
        if not _is_composite(field_type):
            return 0
        if is_connection(field_type):
            return 1 + self._object_cost(field_type)
        return self._object_cost(field_type)

    def _note(self, position: int, path: tuple, defined: int, total: int):
        """One line of Shopify's per-field breakdown (`extensions.cost.fields` with the
        `Shopify-GraphQL-Cost-Debug: 1` header, https://shopify.dev/docs/api/usage/limits):
        the field's path, the cost it adds itself, with its children, and its children's.
        A field comes before its children, whose connection nodes are noted once, for one."""
        self.trace.insert(
            position,
            {
                "path": list(path),
                "definedCost": defined,
                "requestedTotalCost": total,
                "requestedChildrenCost": total - defined,
            },
        )

    def _field_cost(self, node, definition, value, path, *, measured: bool) -> int:
        field_type = definition.type
        if not _is_composite(field_type):
            return 0
        if is_connection(field_type):
            return self._connection_cost(node, definition, value, path, measured=measured)
        one = self._object_cost(field_type)
        if _is_list(field_type):
            if measured:
                return sum(
                    one + self._selection_cost(node.selection_set, field_type, item, path)
                    for item in value or []
                    if item is not None
                )
            ids = self._argument(node, definition, "ids")
            size = self._argument(node, definition, "first") or (len(ids) if ids else 1)
            return size * (one + self._selection_cost(node.selection_set, field_type, None, path))
        if measured and value is None:
            return 0
        return one + self._selection_cost(node.selection_set, field_type, value, path)

    def _connection_cost(self, node, definition, value, path, *, measured: bool) -> int:
        node_type = get_named_type(definition.type).fields["nodes"].type
        one = self._object_cost(node_type)
        node_selections = []  # (where the nodes are in the result, their selection set)
        for child in fields_of(node.selection_set, self.fragments):
            if child.name.value == "nodes":
                node_selections.append(((key_of(child),), child.selection_set))
            elif child.name.value == "edges":
                for edge_child in fields_of(child.selection_set, self.fragments):
                    if edge_child.name.value == "node":
                        where = (key_of(child), key_of(edge_child))
                        node_selections.append((where, edge_child.selection_set))
        base = 2 + self._object_cost(definition.type) - 1
        if not measured:
            size = (
                self._argument(node, definition, "first")
                or self._argument(node, definition, "last")
                or 0
            )
            per_node = max(
                (
                    one + self._selection_cost(selection, node_type, None, (*path, *where))
                    for where, selection in node_selections
                ),
                default=0,
            )
            return base + size * per_node
        if value is None:
            return 0
        best = 0
        for where, selection in node_selections:
            items = value.get(where[0]) or []
            nodes = [item.get(where[1]) for item in items] if len(where) == 2 else items
            cost = sum(
                one + self._selection_cost(selection, node_type, item, path)
                for item in nodes
                if item is not None
            )
            best = max(best, cost)
        return base + best
