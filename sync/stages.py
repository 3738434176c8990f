"""Which pipeline stage an order is in: Shopify's order status, mapped to a stage.

The status is derived from what Shopify says of the order, in this order of precedence:
cancelled → refunded → delivered → fulfilled → partially fulfilled → paid → open. A status no
stage is mapped to falls back along delivered → fulfilled → partially fulfilled → paid → open;
a cancelled or refunded order whose status is not mapped is placed by what it would be
otherwise (how far it was fulfilled and paid).
"""

from __future__ import annotations

from crm.models import Pipeline, PipelineStage

STATUSES = (
    "cancelled",
    "refunded",
    "delivered",
    "fulfilled",
    "partially_fulfilled",
    "paid",
    "open",
)
FALLBACK = ("delivered", "fulfilled", "partially_fulfilled", "paid", "open")
# Shopify status → internal name of a stage of the default pipeline.
DEFAULT_MAPPING = {
    "open": "open",
    "paid": "processed",
    "fulfilled": "shipped",
    "cancelled": "cancelled",
}


def shopify_order_status(
    *, financial_status: str, fulfillment_status: str, delivered: list[bool], cancelled: bool
) -> str:
    """Shopify's order status, from the synced financial and fulfilment statuses (lower
    case, as the CRM keeps them), whether each fulfilment was delivered, and cancellation."""
    if cancelled:
        return "cancelled"
    return _status_ignoring_cancellation(financial_status, fulfillment_status, delivered)


def _status_ignoring_cancellation(financial_status, fulfillment_status, delivered) -> str:
    if financial_status == "refunded":
        return "refunded"
    return _status_of_progress(financial_status, fulfillment_status, delivered)


def _status_of_progress(financial_status, fulfillment_status, delivered) -> str:
    if fulfillment_status == "fulfilled" and delivered and all(delivered):
        return "delivered"
    if fulfillment_status == "fulfilled":
        return "fulfilled"
    if fulfillment_status == "partially_fulfilled":
        return "partially_fulfilled"
    if financial_status in ("paid", "partially_refunded"):
        return "paid"
    return "open"


def candidates(*, financial_status, fulfillment_status, delivered, cancelled) -> list[str]:
    """The statuses to try, first mapped wins: the order's own, then its fallbacks."""
    own = shopify_order_status(
        financial_status=financial_status,
        fulfillment_status=fulfillment_status,
        delivered=delivered,
        cancelled=cancelled,
    )
    order = [own]
    if own == "cancelled":
        order.append(_status_ignoring_cancellation(financial_status, fulfillment_status, delivered))
    if order[-1] == "refunded":
        order.append(_status_of_progress(financial_status, fulfillment_status, delivered))
    last = order[-1]
    if last in FALLBACK:
        order += list(FALLBACK[FALLBACK.index(last) + 1 :])
    return order


def default_mapping() -> dict[str, int]:
    """Shopify status → stage id, for the default pipeline's default stages."""
    pipeline = Pipeline.objects.filter(is_default=True).first()
    return _defaults_in(pipeline) if pipeline else {}


def _defaults_in(pipeline) -> dict[str, int]:
    stages = dict(
        PipelineStage.objects.filter(pipeline=pipeline).values_list("internal_name", "id")
    )
    return {
        status: stages[internal_name]
        for status, internal_name in DEFAULT_MAPPING.items()
        if internal_name in stages
    }


def pipeline_of(setting) -> Pipeline | None:
    """The pipeline a store's orders go to: the one its order sync names, else the default."""
    if setting is not None and setting.pipeline_id:
        return setting.pipeline
    return Pipeline.objects.filter(is_default=True).first()


def mapping_for(setting) -> dict[str, int]:
    """Shopify status → stage id for a store's order sync. A sync whose mapping was never
    set uses the default mapping; a status mapped to nothing ("Skip") or to a stage that is
    gone falls back along the chain."""
    return mapping_from(pipeline_of(setting), setting.stage_mapping if setting else {})


def mapping_from(pipeline, stage_mapping: dict) -> dict[str, int]:
    if pipeline is None:
        return {}
    if not stage_mapping:
        return _defaults_in(pipeline)
    stages = set(PipelineStage.objects.filter(pipeline=pipeline).values_list("id", flat=True))
    return {
        status: int(stage_id)
        for status, stage_id in stage_mapping.items()
        if stage_id is not None and int(stage_id) in stages
    }


def stage_of_row(mapping: dict[str, int], row: dict) -> int | None:
    """The stage of a stored order (a values() row), from what the CRM keeps of it."""
    return stage_for(
        mapping,
        financial_status=row["financial_status"],
        fulfillment_status=row["fulfillment_status"],
        delivered=[row["delivered"]],
        cancelled=row["cancelled_at"] is not None,
    )


def stage_for(mapping: dict[str, int], **order_facts) -> int | None:
    for status in candidates(**order_facts):
        if status in mapping:
            return mapping[status]
    return None
