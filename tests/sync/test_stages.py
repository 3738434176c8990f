"""Shopify's order status of an order, and the stage it lands in."""

import itertools

import pytest

from crm.models import FinancialStatus, FulfillmentStatus
from sync.stages import STATUSES, candidates, shopify_order_status, stage_for

NONE, UNDELIVERED, DELIVERED, SOME = [], [False], [True], [True, False]

# financial, fulfilment, each fulfilment delivered?, cancelled → status
TABLE = [
    ("pending", "unfulfilled", NONE, False, "open"),
    ("authorized", "unfulfilled", NONE, False, "open"),
    ("partially_paid", "unfulfilled", NONE, False, "open"),
    ("paid", "unfulfilled", NONE, False, "paid"),
    ("partially_refunded", "unfulfilled", NONE, False, "paid"),
    ("voided", "unfulfilled", NONE, False, "open"),
    ("expired", "unfulfilled", NONE, False, "open"),
    ("paid", "partially_fulfilled", UNDELIVERED, False, "partially_fulfilled"),
    ("paid", "partially_fulfilled", DELIVERED, False, "partially_fulfilled"),
    ("pending", "partially_fulfilled", UNDELIVERED, False, "partially_fulfilled"),
    ("paid", "fulfilled", UNDELIVERED, False, "fulfilled"),
    ("paid", "fulfilled", SOME, False, "fulfilled"),
    ("paid", "fulfilled", DELIVERED, False, "delivered"),
    ("paid", "fulfilled", [True, True], False, "delivered"),
    ("pending", "fulfilled", DELIVERED, False, "delivered"),
    ("paid", "fulfilled", NONE, False, "fulfilled"),
    ("refunded", "unfulfilled", NONE, False, "refunded"),
    ("refunded", "fulfilled", DELIVERED, False, "refunded"),
    ("refunded", "fulfilled", DELIVERED, True, "cancelled"),
    ("paid", "unfulfilled", NONE, True, "cancelled"),
    ("voided", "unfulfilled", NONE, True, "cancelled"),
    ("paid", "restocked", NONE, False, "paid"),
    ("pending", "on_hold", NONE, False, "open"),
    ("paid", "in_progress", NONE, False, "paid"),
    ("paid", "scheduled", NONE, False, "paid"),
    ("paid", "request_declined", NONE, False, "paid"),
    ("paid", "fulfillment_not_required", NONE, False, "paid"),
]


@pytest.mark.parametrize(("financial", "fulfilment", "delivered", "cancelled", "status"), TABLE)
def test_the_status_of_an_order(financial, fulfilment, delivered, cancelled, status):
    assert (
        shopify_order_status(
            financial_status=financial,
            fulfillment_status=fulfilment,
            delivered=delivered,
            cancelled=cancelled,
        )
        == status
    )


def test_every_combination_shopify_can_produce_has_one_status_by_the_precedence():
    """Cancelled beats refunded beats delivered beats fulfilled beats partially fulfilled beats
    paid beats open, for every financial and fulfilment status Shopify has."""
    for financial, fulfilment, delivered, cancelled in itertools.product(
        FinancialStatus.values,
        FulfillmentStatus.values,
        [NONE, UNDELIVERED, DELIVERED, SOME],
        [False, True],
    ):
        status = shopify_order_status(
            financial_status=financial,
            fulfillment_status=fulfilment,
            delivered=delivered,
            cancelled=cancelled,
        )
        assert status in STATUSES
        if cancelled:
            expected = "cancelled"
        elif financial == "refunded":
            expected = "refunded"
        elif fulfilment == "fulfilled":
            expected = "delivered" if delivered in (DELIVERED,) else "fulfilled"
        elif fulfilment == "partially_fulfilled":
            expected = "partially_fulfilled"
        elif financial in ("paid", "partially_refunded"):
            expected = "paid"
        else:
            expected = "open"
        assert status == expected, (financial, fulfilment, delivered, cancelled)


@pytest.mark.parametrize(
    ("facts", "chain"),
    [
        (
            ("paid", "fulfilled", DELIVERED, False),
            ["delivered", "fulfilled", "partially_fulfilled", "paid", "open"],
        ),
        (("paid", "unfulfilled", NONE, True), ["cancelled", "paid", "open"]),
        (
            ("refunded", "fulfilled", UNDELIVERED, False),
            ["refunded", "fulfilled", "partially_fulfilled", "paid", "open"],
        ),
        (("refunded", "unfulfilled", NONE, True), ["cancelled", "refunded", "open"]),
    ],
)
def test_an_unmapped_status_falls_back_along_the_chain(facts, chain):
    financial, fulfilment, delivered, cancelled = facts
    assert (
        candidates(
            financial_status=financial,
            fulfillment_status=fulfilment,
            delivered=delivered,
            cancelled=cancelled,
        )
        == chain
    )


def test_the_first_mapped_status_of_the_chain_decides_the_stage():
    facts = {
        "financial_status": "paid",
        "fulfillment_status": "fulfilled",
        "delivered": DELIVERED,
        "cancelled": False,
    }
    assert stage_for({"delivered": 4, "fulfilled": 3, "open": 1}, **facts) == 4
    assert stage_for({"fulfilled": 3, "open": 1}, **facts) == 3
    assert stage_for({"paid": 2, "open": 1}, **facts) == 2
    assert stage_for({}, **facts) is None
