"""What happens to an order when it is paid, fulfilled, delivered, refunded, cancelled or
closed: pure functions from an order record to the next one. The actions (actions.py) check
Shopify's rules, apply one of these under the shop's lock and emit webhooks; the seed applies
them directly to build history."""

from __future__ import annotations

from decimal import Decimal

from shopify_emulator import records

PAYABLE = {"PENDING", "AUTHORIZED", "PARTIALLY_PAID"}
REFUNDABLE = {"PAID", "PARTIALLY_REFUNDED", "PARTIALLY_PAID"}


def _bag(order: dict, amount: Decimal) -> dict:
    return records.money_bag(amount, order["currencyCode"], order["presentmentCurrencyCode"])


def paid(order: dict, at: str) -> dict:
    total = records.amount_of(order["totalPriceSet"])
    return records.replace(
        order,
        displayFinancialStatus="PAID",
        fullyPaid=True,
        unpaid=False,
        totalReceivedSet=_bag(order, total),
        totalOutstandingSet=_bag(order, Decimal("0")),
        updatedAt=at,
    )


def fulfilled(
    order: dict, fulfillment_number: int, at: str, wanted: dict[str, int] | None = None
) -> tuple[dict, dict]:
    """Ship what is left of each line, or `wanted[line id]` items of it. Returns the order and
    the new Fulfillment."""
    lines, quantity = [], 0
    for line in order["lineItems"]:
        left = line["unfulfilledQuantity"]
        count = left if wanted is None else min(wanted.get(line["id"], 0), left)
        quantity += count
        lines.append(records.replace(line, unfulfilledQuantity=left - count))
    complete = all(line["unfulfilledQuantity"] == 0 for line in lines)
    fulfillment = records.fulfillment(fulfillment_number, order, quantity, at)
    order = records.replace(
        order,
        lineItems=lines,
        fulfillments=order["fulfillments"] + [fulfillment],
        displayFulfillmentStatus="FULFILLED" if complete else "PARTIALLY_FULFILLED",
        updatedAt=at,
    )
    return order, fulfillment


def delivered(order: dict, at: str) -> dict:
    fulfillments = [records.deliver(fulfillment, at) for fulfillment in order["fulfillments"]]
    return records.replace(order, fulfillments=fulfillments, updatedAt=at)


def refundable(order: dict) -> Decimal:
    """Only money received can go back: all of it for a paid order, the deposit otherwise."""
    received = records.amount_of(order["totalReceivedSet"])
    return received - records.amount_of(order["totalRefundedSet"])


def refunded(
    order: dict, refund_number: int, amount: Decimal, at: str, note: str | None = None
) -> dict:
    total = records.amount_of(order["totalPriceSet"])
    now_refunded = records.amount_of(order["totalRefundedSet"]) + amount
    refund = records.refund(refund_number, order, amount, at, note)
    return records.replace(
        order,
        refunds=order["refunds"] + [refund],
        totalRefundedSet=_bag(order, now_refunded),
        displayFinancialStatus="REFUNDED" if now_refunded >= total else "PARTIALLY_REFUNDED",
        updatedAt=at,
    )


def cancelled(order: dict, reason: str, at: str) -> dict:
    """Cancelled (after its refund, when the merchant refunds): an unpaid order is voided."""
    status = order["displayFinancialStatus"]
    return records.replace(
        order,
        cancelledAt=at,
        cancelReason=reason,
        closedAt=at,
        closed=True,
        displayFinancialStatus="VOIDED" if status in {"PENDING", "AUTHORIZED"} else status,
        updatedAt=at,
    )


def closed(order: dict, at: str) -> dict:
    """Archived by the merchant (Shopify's orderClose)."""
    return records.replace(order, closed=True, closedAt=at, updatedAt=at)
