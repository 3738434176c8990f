"""Money and numbers in templates, as crm.money formats them:
`{{ order.total|money:order.currency }}` → "$91.84", `{{ count|number }}` → "1,234",
`{{ rate|percent }}` → "67.0%". An empty value shows as "" (pair with `|default:"—"`)."""

from django import template

from crm import money as formats

register = template.Library()


@register.filter
def money(amount, currency):
    return formats.format_money(amount, currency or "")


@register.filter
def number(value, decimals=None):
    return formats.format_number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def percent(ratio, decimals=1):
    return formats.format_percent(ratio, int(decimals))
