"""Shop plans: the cost bucket follows the plan ("GraphQL Admin API rate limits": restore rates
of 100, 200 and 1000 points per second on Standard, Advanced and Plus), `shop { plan }` tells
which it is, and B2B is for Shopify Plus ("Only stores on the Shopify Plus plan can use apps
with B2B features", shopify.dev "Apps and B2B")."""

import pytest

from tests.emulator.conftest import SHOP, subscribe
from tests.emulator.test_bulk import run, wait

COST = "{ shop { name } }"
PLAN = "{ shop { plan { displayName publicDisplayName shopifyPlus partnerDevelopment } } }"


@pytest.mark.parametrize(
    ("plan", "size", "rate", "name"),
    [
        ("basic", 2000.0, 100.0, "Basic"),
        ("advanced", 4000.0, 200.0, "Advanced"),
        ("plus", 20000.0, 1000.0, "Shopify Plus"),
    ],
)
def test_the_bucket_and_the_shop_plan_follow_the_plan(shop, plan, size, rate, name):
    shop.client.update_shop(SHOP, plan=plan)

    result = shop.graphql(PLAN)

    throttle = result["extensions"]["cost"]["throttleStatus"]
    assert (throttle["maximumAvailable"], throttle["restoreRate"]) == (size, rate)
    assert result["data"]["shop"]["plan"] == {
        "displayName": name,
        "publicDisplayName": name,
        "shopifyPlus": plan == "plus",
        "partnerDevelopment": False,
    }


def test_a_new_shop_is_on_the_basic_plan(emulator):
    created = emulator.add_shop("fresh.myshopify.com")

    assert (created["plan"], created["bucket_size"], created["restore_rate"]) == (
        "basic",
        2000.0,
        100.0,
    )


def test_fault_knobs_override_the_plan_until_set_back_to_null(shop):
    shop.control("PUT", "faults", {"bucket_size": 50, "restore_rate": 5})
    overridden = shop.graphql(COST)["extensions"]["cost"]["throttleStatus"]

    shop.control("PUT", "faults", {"bucket_size": None, "restore_rate": None})
    planned = shop.graphql(COST)["extensions"]["cost"]["throttleStatus"]

    assert (overridden["maximumAvailable"], overridden["restoreRate"]) == (50.0, 5.0)
    assert (planned["maximumAvailable"], planned["restoreRate"]) == (20000.0, 1000.0)


def test_an_unknown_plan_is_refused(emulator):
    with pytest.raises(Exception, match="400"):
        emulator.add_shop("x.myshopify.com", plan="enterprise-ish")


# B2B outside Plus ---------------------------------------------------------------------------


@pytest.fixture
def basic(shop):
    """The test shop with a company, moved to the Basic plan."""
    company = shop.control(
        "POST",
        "companies",
        {"name": "Acme AB", "contacts": [{"email": "buyer@acme.example"}], "locations": [{}]},
    )
    shop.client.update_shop(SHOP, plan="basic")
    return shop, company


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("{ companies(first: 5) { nodes { id } } }", "companies"),
        ("{ companiesCount { count } }", "companiesCount"),
        ('{ company(id: "gid://shopify/Company/1") { id } }', "company"),
    ],
)
def test_company_queries_are_refused_outside_plus(basic, query, field):
    shop, _ = basic

    result = shop.graphql(query)

    error = result["errors"][0]
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert error["message"].startswith(f"Access denied for {field} field.")
    assert error["path"] == [field]


def test_company_nodes_are_refused_outside_plus(basic):
    shop, company = basic

    for value in (company["id"], company["contacts"][0]["id"], company["locations"][0]["id"]):
        result = shop.graphql("query($id: ID!) { node(id: $id) { id } }", {"id": value})
        assert result["data"] == {"node": None}
        assert result["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


def test_company_mutations_are_refused_outside_plus(basic):
    shop, _ = basic

    result = shop.graphql(
        """mutation { companyCreate(input: {company: {name: "Beta"}}) {
             company { id } userErrors { message } } }"""
    )

    assert result["data"] == {"companyCreate": None}
    assert result["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert len(shop.control("GET", "companies")["companies"]) == 1


def test_company_bulk_exports_fail_outside_plus(basic):
    shop, _ = basic

    started = run(shop, "{ companies { edges { node { id name } } } }")
    finished = wait(shop, started["bulkOperation"]["id"])

    assert (finished["status"], finished["errorCode"]) == ("FAILED", "ACCESS_DENIED")


@pytest.mark.parametrize("topic", ["COMPANIES_CREATE", "COMPANY_CONTACTS_CREATE"])
def test_company_topics_are_refused_outside_plus(basic, topic):
    shop, _ = basic

    result = shop.graphql(
        """mutation($topic: WebhookSubscriptionTopic!) { webhookSubscriptionCreate(topic: $topic,
             webhookSubscription: {uri: "https://crm.example.com/hooks"}) {
             webhookSubscription { id } userErrors { field message } } }""",
        {"topic": topic},
    )["data"]["webhookSubscriptionCreate"]

    assert result["webhookSubscription"] is None
    assert result["userErrors"] == [
        {
            "field": ["topic"],
            "message": f"Access denied: the {topic} topic needs a store on the Shopify Plus plan",
        }
    ]


def test_b2b_works_again_once_the_shop_is_on_plus(basic, receiver):
    shop, company = basic
    shop.client.update_shop(SHOP, plan="plus")

    result = shop.graphql("{ companies(first: 5) { nodes { id name } } }")
    subscribe(shop, "COMPANIES_UPDATE", receiver.url)

    assert result["data"]["companies"]["nodes"] == [{"id": company["id"], "name": "Acme AB"}]
    assert shop.client.call("GET", f"shops/{SHOP}")["plan"] == "plus"
