"""What a field answers when the record has nothing for it: null where the schema allows it,
else its type's emptiest value (resolvers, the projector and protected data refusals share it)."""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLError, GraphQLList, GraphQLNonNull, GraphQLScalarType

_EMPTY_SCALARS = {
    "String": "",
    "ID": "",
    "URL": "",
    "HTML": "",
    "FormattedString": "",
    "Int": 0,
    "Float": 0.0,
    "Boolean": False,
    "Decimal": "0.0",
    "Money": "0.0",
    "UnsignedInt64": "0",
}


def empty_value(graphql_type):
    """Null for a nullable field; otherwise the emptiest value of its type. An enum has no
    empty value: records carry every non-null enum they can be asked for, and any other is
    reported as not emulated rather than answered with a guess."""
    if not isinstance(graphql_type, GraphQLNonNull):
        return None
    inner = graphql_type.of_type
    if isinstance(inner, GraphQLList):
        return []
    if isinstance(inner, GraphQLScalarType):
        return _EMPTY_SCALARS.get(inner.name, "")
    if isinstance(inner, GraphQLEnumType):
        raise GraphQLError(f"The emulator does not emulate this {inner.name} field")
    return {}
