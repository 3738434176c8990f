"""GraphQL documents with several operations and shared fragments: each request sends one
operation and only the fragments it uses (Shopify's bulk queries accept exactly one)."""

import functools

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    Visitor,
    parse,
    print_ast,
    visit,
)


class _Spreads(Visitor):
    def __init__(self):
        super().__init__()
        self.names = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *args):
        self.names.add(node.name.value)


def _spreads(node) -> set[str]:
    visitor = _Spreads()
    visit(node, visitor)
    return visitor.names


@functools.cache
def operation(document: str, name: str) -> str:
    """The operation called `name` in `document`, with the fragments it needs, as text."""
    parsed = parse(document)
    fragments = {
        definition.name.value: definition
        for definition in parsed.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    chosen = next(
        definition
        for definition in parsed.definitions
        if isinstance(definition, OperationDefinitionNode) and definition.name.value == name
    )
    needed, pending = set(), _spreads(chosen)
    while pending:
        fragment = pending.pop()
        if fragment not in needed:
            needed.add(fragment)
            pending |= _spreads(fragments[fragment])
    kept = [chosen] + [fragments[fragment] for fragment in sorted(needed)]
    return print_ast(DocumentNode(definitions=tuple(kept)))
