"""Shopify's real Admin GraphQL schema (2026-10), built from the introspection result that
Shopify publishes, with the emulator's resolvers attached to it."""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path

from graphql import GraphQLSchema, build_client_schema

from shopify_emulator import resolvers
from shopify_emulator.version import API_VERSION

SCHEMA_FILE = Path(__file__).parent / "data" / f"admin-graphql-{API_VERSION}.introspection.json.gz"


def introspection() -> dict:
    with gzip.open(SCHEMA_FILE) as file:
        data = json.load(file)
    return data.get("data", data)


@functools.cache
def load_schema() -> GraphQLSchema:
    schema = build_client_schema(introspection())
    # Shopify's schema breaks one of graphql-core's own consistency rules (deprecated fields
    # implementing non-deprecated interface fields). It is the real schema, so that self-check
    # is skipped; query validation is unaffected.
    schema._validation_errors = []
    resolvers.install(schema)
    return schema
