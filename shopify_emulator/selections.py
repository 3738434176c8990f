"""Walking a GraphQL selection set with its fragments expanded, for the cost calculator and the
bulk runner (graphql-core does this inside execution, but not for callers)."""

from __future__ import annotations

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode


def fragments_of(document) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def fields_of(selection_set, fragments: dict) -> list[FieldNode]:
    """The field nodes of a selection set, inline fragments and fragment spreads flattened
    whatever their type condition (the data answers only the fields that applied)."""
    fields = []
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            fields.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            fields += fields_of(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                fields += fields_of(fragment.selection_set, fragments)
    return fields


def key_of(field: FieldNode) -> str:
    """Where a field's value is in the result: its alias, or its name."""
    return field.alias.value if field.alias else field.name.value
