"""Form fields for the lists the CRM keeps in JSON (a contact's tags, an enumeration's options),
typed as a person types them rather than as JSON."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def _unique(items) -> list[str]:
    """Stripped, non-empty, each once, in the order typed."""
    seen: dict[str, None] = {}
    for item in items:
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return list(seen)


class _ListField(forms.CharField):
    separator = ""
    joiner = ""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return self.joiner.join(str(item) for item in value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return [str(item) for item in value]
        text = super().to_python(value)
        if "\x00" in text:
            raise ValidationError("The text holds a NUL character.")
        return _unique(text.split(self.separator) if self.separator else text.splitlines())

    def has_changed(self, initial, data):
        return self.to_python(initial or []) != self.to_python(data)


class TagsField(_ListField):
    """Tags separated by commas, as Shopify takes them: "gift-buyer, vip" ⇄ ["gift-buyer",
    "vip"]."""

    separator = ","
    joiner = ", "

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Separated by commas, e.g. gift-buyer, vip.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 60}))
        super().__init__(**kwargs)


class LinesField(_ListField):
    """One item per line: "Gold\\nSilver" ⇄ ["Gold", "Silver"]."""

    joiner = "\n"

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 5, "cols": 40}))
        super().__init__(**kwargs)
