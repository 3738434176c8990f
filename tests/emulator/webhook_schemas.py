"""Checking webhook bodies against Shopify's documented webhook JSON schemas."""

import json
import pathlib

import jsonschema

SCHEMAS = (
    pathlib.Path(__file__).resolve().parents[2] / "shopify_emulator" / "data" / "webhook-schemas"
)


def schema_for(topic: str) -> dict:
    """ "orders/create" is orders/create.json, "customer.tags_added" customer/tags_added.json."""
    resource, _, event = topic.rpartition("/" if "/" in topic else ".")
    return json.loads((SCHEMAS / resource / f"{event}.json").read_text())


def nullable(schema):
    """`schema` with every type also allowing null, recursively; everything else (required
    keys, the types of non-null values, `items: false`) kept.

    The webhook schemas were inferred from one example body per topic, so wherever that
    example happened to have a value, they forbid null. Shopify sends null for an object or a
    value that is absent (a guest order's customer, a missing address, a customer without an
    email), and so do the bodies here: a schema that forbids null would push them into
    inventing values (an "id": 0 customer) that mislead whoever reads them."""
    if not isinstance(schema, dict):
        return schema
    relaxed = dict(schema)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        relaxed["type"] = sorted({*types, "null"})
    if isinstance(schema.get("properties"), dict):
        relaxed["properties"] = {
            key: nullable(value) for key, value in schema["properties"].items()
        }
    if "items" in schema:
        relaxed["items"] = nullable(schema["items"])
    if "anyOf" in schema:
        relaxed["anyOf"] = [nullable(option) for option in schema["anyOf"]]
    return relaxed


def validate(topic: str, body: dict):
    jsonschema.Draft202012Validator(nullable(schema_for(topic))).validate(body)
