"""Bulk operations: `bulkOperationRunQuery` runs a query over a whole resource in the background
and leaves a JSONL file, one line per node; nodes of nested connections get their own lines with
`__parentId` — right after their parent only with `groupObjects: true` (bulk_output.py).
https://shopify.dev/docs/api/usage/bulk-operations/queries

The query runs in windows of root records (a snapshot of the matching ids taken at the start),
so memory stays flat whatever the shop's size and `objectCount` grows while it runs.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    get_named_type,
    parse,
    validate,
    value_from_ast,
)

from shopify_emulator import actions, connections, protected, records
from shopify_emulator.bulk_output import writer_for
from shopify_emulator.cost import is_connection
from shopify_emulator.projector import Projector
from shopify_emulator.resolvers import Context
from shopify_emulator.schema import load_schema
from shopify_emulator.scopes import READ_SCOPES, granted_scopes, orders_visible
from shopify_emulator.selections import fields_of, fragments_of, key_of

log = logging.getLogger(__name__)

WINDOW = 250
MAX_CONNECTIONS = 5
MAX_NESTING = 2
# From API version 2026-01 an app may run five bulk queries at once per shop.
MAX_CONCURRENT_QUERIES = 5
ROOT_RESOURCES = {
    "customers": "customers",
    "products": "products",
    "orders": "orders",
    "abandonedCheckouts": "checkouts",
    "companies": "companies",
}


class BulkRunner:
    def __init__(self, emulator):
        self.emulator = emulator
        self.cancelled: set[tuple[str, int]] = set()

    def start(self, shop, grant, query: str, group_objects: bool = False) -> dict:
        document, root = self._check(query)
        with shop.lock:
            running = [
                operation
                for operation in shop.bulk_operations.values()
                if operation["_clientId"] == grant.client_id
                and operation["type"] == "QUERY"
                and operation["status"] in {"CREATED", "RUNNING", "CANCELING"}
            ]
            if len(running) >= MAX_CONCURRENT_QUERIES:
                raise actions.user_error(
                    None,
                    f"A maximum of {MAX_CONCURRENT_QUERIES} bulk query operations can run at "
                    "the same time for this app and shop. Please try again later.",
                    "LIMIT_REACHED",
                )
            number = shop.allocate()
            operation = {
                "__typename": "BulkOperation",
                "id": records.gid("BulkOperation", number),
                "status": "CREATED",
                "errorCode": None,
                "createdAt": records.now(),
                "completedAt": None,
                "objectCount": "0",
                "rootObjectCount": "0",
                "fileSize": None,
                "url": None,
                "partialDataUrl": None,
                "query": query,
                "type": "QUERY",
                "_clientId": grant.client_id,
                "_groupObjects": bool(group_objects),
            }
            shop.bulk_operations[number] = operation
            shop.touch()
        thread = threading.Thread(
            target=self._run,
            args=(shop, grant, number, document, root),
            name=f"bulk-{number}",
            daemon=True,
        )
        thread.start()
        return operation

    def cancel(self, shop, grant, number: int) -> dict:
        with shop.lock:
            operation = shop.bulk_operations.get(number)
            if operation is None or operation["_clientId"] != grant.client_id:
                raise actions.NotFound("Bulk operation does not exist")
            if operation["status"] not in {"CREATED", "RUNNING"}:
                raise actions.user_error(
                    None,
                    f"A bulk operation cannot be canceled when it is {operation['status'].lower()}",
                )
            self.cancelled.add((shop.domain, number))
            return self._update(shop, number, status="CANCELING")

    # Checking the query ------------------------------------------------------------------------

    def _check(self, query: str):
        """Parse and validate like Shopify: a valid query whose single root field is one of the
        supported connections, at most 5 connections, nested at most 2 deep, parents of nested
        connections selecting `id`."""
        schema = load_schema()
        try:
            document = parse(query)
        except GraphQLError as error:
            raise _invalid(f"Invalid bulk query: {error.message}") from None
        errors = validate(schema, document)
        if errors:
            raise _invalid(f"Invalid bulk query: {errors[0].message}")
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or operations[0].operation.value != "query":
            raise _invalid("Bulk queries must contain exactly one query operation")
        roots = [s for s in operations[0].selection_set.selections if isinstance(s, FieldNode)]
        if len(roots) != 1 or roots[0].name.value not in ROOT_RESOURCES:
            raise _invalid(
                "Bulk queries must have one top-level connection field: one of "
                + ", ".join(ROOT_RESOURCES)
            )
        root = roots[0]
        count = _check_connections(
            schema.query_type.fields[root.name.value], root, 1, fragments_of(document)
        )
        if count > MAX_CONNECTIONS:
            raise _invalid(f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections")
        return document, root

    # Running ----------------------------------------------------------------------------------

    def _run(self, shop, grant, number, document, root):
        if shop.faults.bulk_delay_ms:
            time.sleep(shop.faults.bulk_delay_ms / 1000)
        try:
            self._update(shop, number, status="RUNNING")
            path = os.path.join(self.emulator.bulk_dir, f"{shop.domain}-{number}.jsonl")
            status = self._write(shop, grant, number, document, root, path)
            if status == "CANCELED":
                self._update(shop, number, status="CANCELED", completedAt=records.now())
            else:
                url = f"{self.emulator.base_url}/__emulator__/bulk/{shop.domain}-{number}.jsonl"
                self._update(
                    shop,
                    number,
                    status="COMPLETED",
                    completedAt=records.now(),
                    url=url,
                    fileSize=str(os.path.getsize(path)),
                )
        except _AccessDenied:
            self._update(shop, number, status="FAILED", errorCode="ACCESS_DENIED")
        except Exception:
            log.exception("bulk operation %s failed", number)
            self._update(shop, number, status="FAILED", errorCode="INTERNAL_SERVER_ERROR")
        finally:
            self.cancelled.discard((shop.domain, number))
        operation = shop.bulk_operations[number]
        actions.emit(
            self.emulator, shop, "bulk_operations/finish", operation, client_id=grant.client_id
        )

    def _write(self, shop, grant, number, document, root, path) -> str:
        schema = load_schema()
        resource = ROOT_RESOURCES[root.name.value]
        arguments = {
            argument.name.value: value_from_ast(
                argument.value,
                schema.query_type.fields[root.name.value].args[argument.name.value].type,
            )
            for argument in root.arguments or ()
        }
        context = Context(self.emulator, shop, grant, bulk=True)
        _require_scope(grant, resource)
        if resource == "companies" and not shop.is_plus:
            raise _AccessDenied  # B2B needs Shopify Plus
        if resource in protected.PROTECTED_RESOURCES and context.protected_access()[0] < 1:
            raise _AccessDenied  # the root objects are protected customer data
        visible = orders_visible(grant) if resource == "orders" else None
        snapshot = connections.resource_connection(
            shop,
            resource,
            {key: arguments[key] for key in ("query", "sortKey", "reverse") if key in arguments},
            bulk=True,
            visible=visible,
        )["nodes"]
        numbers = [records.number_of(record["id"]) for record in snapshot]
        del snapshot
        root_type = schema.query_type.fields[root.name.value].type
        fragments = fragments_of(document)
        objects = roots = 0
        grouped = shop.bulk_operations[number].get("_groupObjects", False)
        with open(path, "w") as file:
            output = writer_for(file, shop, number, grouped)
            for start in range(0, len(numbers), WINDOW):
                if (shop.domain, number) in self.cancelled:
                    return "CANCELED"
                window = [shop.get(resource, n) for n in numbers[start : start + WINDOW]]
                # Records deleted since the snapshot are skipped, as Shopify would.
                context.bulk_window = [record for record in window if record is not None]
                try:
                    data = Projector(schema, fragments, context).root(root)
                except GraphQLError as error:
                    if (error.extensions or {}).get("code") == "ACCESS_DENIED":
                        raise _AccessDenied from None
                    raise
                lines = []
                for node, selection in _nodes(data[key_of(root)], root, fragments):
                    _flatten(node, selection, get_named_type(root_type), None, lines, fragments)
                    roots += 1
                output.write(lines)
                # Counted as processed, whatever the order they are written in.
                objects += len(lines)
                self._update(shop, number, objectCount=str(objects), rootObjectCount=str(roots))
            output.close()
        return "COMPLETED"

    def _update(self, shop, number, **changes) -> dict:
        with shop.lock:
            operation = records.replace(shop.bulk_operations[number], **changes)
            shop.bulk_operations[number] = operation
            shop.touch()
            return operation


class _AccessDenied(Exception):
    pass


def _require_scope(grant, resource):
    if not granted_scopes(grant) & set(READ_SCOPES[resource]):
        raise _AccessDenied


def _invalid(message: str):
    return actions.user_error(["query"], message, "INVALID")


def _node_selections(node: FieldNode, fragments) -> list[FieldNode]:
    """The field nodes holding a connection's node selection: `edges { node }` and `nodes`."""
    parts = []
    for child in fields_of(node.selection_set, fragments):
        if child.name.value == "nodes":
            parts.append(child)
        elif child.name.value == "edges":
            parts += [
                inner
                for inner in fields_of(child.selection_set, fragments)
                if inner.name.value == "node"
            ]
    return parts


def _check_connections(definition, node: FieldNode, depth: int, fragments) -> int:
    if depth > MAX_NESTING:
        raise _invalid(
            f"Bulk queries cannot contain connections nested more than {MAX_NESTING} deep"
        )
    count = 1
    node_type = get_named_type(get_named_type(definition.type).fields["nodes"].type)
    for part in _node_selections(node, fragments):
        selections = fields_of(part.selection_set, fragments)
        nested = [
            selection
            for selection in selections
            if selection.name.value in getattr(node_type, "fields", {})
            and is_connection(node_type.fields[selection.name.value].type)
        ]
        if nested and not any(s.name.value == "id" and not s.alias for s in selections):
            raise _invalid(
                f"The parent 'node' field of the nested connection "
                f"'{nested[0].name.value}' must select the 'id' field"
            )
        for child in nested:
            count += _check_connections(
                node_type.fields[child.name.value], child, depth + 1, fragments
            )
    return count


def _nodes(connection_value, node: FieldNode, fragments):
    """(node value, its field node) for each node of a connection result."""
    if not connection_value:
        return
    for child in fields_of(node.selection_set, fragments):
        if child.name.value == "nodes":
            for item in connection_value.get(key_of(child)) or []:
                yield item, child
        elif child.name.value == "edges":
            for inner in fields_of(child.selection_set, fragments):
                if inner.name.value == "node":
                    for edge in connection_value.get(key_of(child)) or []:
                        yield edge[key_of(inner)], inner
        else:
            continue
        return  # one of `nodes` or `edges` is enough: both list the same nodes


def _flatten(value: dict, node: FieldNode, connection_type, parent_id, lines: list, fragments):
    """Append `value`'s line, then its nested connections' nodes as lines pointing at it."""
    plain, nested = _flatten_plan(node, connection_type, fragments)
    line = {key: value[key] for key in plain if key in value}  # absent: a fragment on another type
    if parent_id is not None:
        line["__parentId"] = parent_id
    lines.append(line)
    for key, child, child_type in nested:
        for item, selection in _nodes(value.get(key), child, fragments):
            _flatten(item, selection, child_type, value.get("id"), lines, fragments)


_FLATTEN_PLANS: dict[int, tuple] = {}


def _flatten_plan(node: FieldNode, connection_type, fragments) -> tuple[list, list]:
    """(keys kept on the line, nested connections) of a node selection, worked out once."""
    plan = _FLATTEN_PLANS.get(id(node))
    if plan is None or plan[0] is not node:
        node_type = get_named_type(connection_type.fields["nodes"].type)
        plain, nested = [], []
        for child in fields_of(node.selection_set, fragments):
            definition = getattr(node_type, "fields", {}).get(child.name.value)
            if definition is not None and is_connection(definition.type):
                nested.append((key_of(child), child, get_named_type(definition.type)))
            elif key_of(child) not in plain:
                plain.append(key_of(child))
        plan = (node, plain, nested)
        _FLATTEN_PLANS[id(node)] = plan
    return plan[1], plan[2]
