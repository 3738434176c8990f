"""Subscribing a store's topics: a topic another process subscribed meanwhile is subscribed,
not refused (two processes connecting one store at once made the store page list every topic
as refused by Shopify)."""

from integration import webhooks


class RacedClient:
    """Lists no subscription, then finds each one made meanwhile, except a refused topic."""

    shop_domain = "alpha.myshopify.com"

    def paginate(self, query, variables, path):
        return iter([])

    def execute(self, query, variables):
        if variables["topic"] == "CUSTOMERS_UPDATE":
            message = "Topic is not allowed: protected customer data not approved"
        else:
            message = "Address for this topic has already been taken"
        return {
            "webhookSubscriptionCreate": {"userErrors": [{"field": ["uri"], "message": message}]}
        }


def test_a_topic_subscribed_meanwhile_is_subscribed_and_a_refused_one_is_refused(settings):
    created = []

    outcome = webhooks.sync_subscriptions(
        RacedClient(), ["orders/create", "customers/update"], created
    )

    assert outcome == {
        "orders/create": "",
        "customers/update": "Topic is not allowed: protected customer data not approved",
    }
    assert created == []
