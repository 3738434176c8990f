"""A local, stateful stand-in for Shopify's Admin API (2026-10): OAuth, GraphQL against the real
schema, cost and throttling, bulk operations, webhooks, and a control API. It imports nothing of
the project it serves; run it with `python -m shopify_emulator serve`."""
