"""JSON values as a person reads them on a page, never as JSON: a list of words as
"gift-buyer, vip", a yes/no for true/false, an object as a definition list of label: value,
a list of objects as a numbered list of them. The admin shows every JSON field through these
(tags, custom properties, sync options, payloads)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst

EMPTY = "—"


def label(key) -> str:
    """An object's key as a label: "require_email" → "Require email"."""
    return capfirst(str(key).replace("_", " ").strip()) or str(key)


def scalar(value) -> str:
    if value is None or value == "":
        return EMPTY
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def word_list(values) -> str:
    """A list of words (tags, scopes) as "a, b, c"; an empty one as "—"."""
    words = [scalar(value) for value in values or [] if value not in (None, "")]
    return ", ".join(words) or EMPTY


def as_html(value) -> SafeString:
    """Any JSON value as escaped HTML for a person: nested objects and lists become nested
    definition lists and numbered lists; scalars are shown as text."""
    if isinstance(value, dict):
        if not value:
            return format_html("{}", EMPTY)
        return format_html(
            '<dl class="readable">{}</dl>',
            format_html_join(
                "", "<dt>{}</dt><dd>{}</dd>", ((label(k), as_html(v)) for k, v in value.items())
            ),
        )
    if isinstance(value, list | tuple):
        if not value:
            return format_html("{}", EMPTY)
        if all(not isinstance(item, dict | list | tuple) for item in value):
            return format_html("{}", word_list(value))
        return format_html(
            '<ol class="readable">{}</ol>',
            format_html_join("", "<li>{}</li>", ((as_html(item),) for item in value)),
        )
    return format_html("{}", scalar(value))


def folded(value, summary: str) -> SafeString:
    """`as_html(value)` under a summary that unfolds it: payloads can be long."""
    if value in (None, {}, [], ""):
        return format_html("{}", EMPTY)
    return format_html(
        '<details class="readable"><summary>{}</summary>{}</details>', summary, as_html(value)
    )


def name_value_pairs(items) -> str:
    """A list of {"name": "Size", "value": "M"} (a variant's options) as "Size: M · Colour:
    Red"."""
    parts = [
        f"{item.get('name', '')}: {scalar(item.get('value'))}"
        for item in items or []
        if isinstance(item, dict)
    ]
    return " · ".join(parts) or EMPTY
