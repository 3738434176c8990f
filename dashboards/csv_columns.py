"""The columns of each report's CSV (its header row), and the rows of the reports whose value
is not a plain table. A new report must say its columns here: a test checks every one does."""

from __future__ import annotations

# The header of each built-in report's CSV, in the order its rows give the values.
COLUMNS = {
    "total_revenue": ["currency", "revenue"],
    "orders": ["orders"],
    "average_order_value": ["currency", "average_order_value"],
    "revenue_over_time": ["currency", "day", "revenue"],
    "orders_over_time": ["day", "orders"],
    "new_vs_returning": ["customers", "orders"],
    "repeat_purchase_rate": ["repeat_purchase_rate"],
    "customer_lifetime_value": ["currency", "customer_lifetime_value"],
    "top_products_revenue": ["currency", "product", "revenue"],
    "top_products_quantity": ["currency", "product", "quantity"],
    "abandoned_carts": ["currency", "abandoned_carts", "abandoned_value"],
    "cart_recovery": ["measure", "currency", "value"],
    "orders_by_stage": ["stage", "orders"],
    "revenue_by_store": ["store", "currency", "revenue"],
    "refunds": ["currency", "refunds"],
}


def reshaped_rows(key: str, value):
    """Rows for the reports whose value is not a table; None for the others."""
    if key == "abandoned_carts":
        return [[currency, row["count"], row["value"]] for currency, row in value.items()]
    if key == "cart_recovery":
        revenue = [["recovered_revenue", c, amount] for c, amount in value["revenue"].items()]
        return [["recovery_rate", "", value["rate"]], *revenue]
    return None


def custom_columns(report) -> list[str]:
    """A custom report's header: what it groups by, the currency of amounts, its measure."""
    measure = "count" if report.measure == "count" else f"{report.measure}_{report.field}"
    currency = ["currency"] if report.measure != "count" and report.field == "total" else []
    return [report.group_by, *currency, measure]
