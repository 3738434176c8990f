"""The Admin API version the emulator speaks: the one its schema file is, the one request paths
must name, and the one webhooks are stamped with. A module of its own, importing nothing, so that
the schema, the GraphQL endpoint and webhook delivery can all share it."""

API_VERSION = "2026-10"
