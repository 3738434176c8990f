"""Custom properties of orders and carts: their definitions, a form for their values, and
validating a whole `properties` dict before it is saved."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm import triggers
from crm.models import PropertyDefinition, PropertyType
from crm.money import format_number


def definitions(object_type: str) -> list[PropertyDefinition]:
    return list(PropertyDefinition.objects.filter(object_type=object_type))


def validated(object_type: str, values: dict, known=None) -> dict:
    """`values` (internal name → value) checked against the definitions and converted to
    what `properties` stores. Unknown names and bad values raise one ValidationError that
    names each problem; empty values are dropped."""
    if not isinstance(values, dict):
        raise ValidationError("Properties must be an object of internal name → value.")
    known = {d.internal_name: d for d in (known or definitions(object_type))}
    problems, stored = [], {}
    for name, value in values.items():
        definition = known.get(name)
        if definition is None:
            problems.append(f"{name!r} is not a property of {object_type}s.")
            continue
        try:
            converted = definition.to_stored_value(value)
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        if converted is not None:
            stored[name] = converted
    if problems:
        raise ValidationError(problems)
    return stored


def save(record, object_type: str, stored: dict) -> None:
    """The one way a person changes an order's or cart's custom properties (staff pages, API):
    `stored` (from `validated`) replaces them, without touching the synced fields, and the
    follow-up rules hear of it."""
    before = record.properties
    moment = timezone.now()
    type(record).objects.filter(pk=record.pk).update(properties=stored, updated_at=moment)
    record.properties, record.updated_at = stored, moment
    triggers.property_changed(record, object_type, before, stored)


def display(definition: PropertyDefinition, value) -> str:
    if value is None or value == "":
        return "—"
    if definition.type == PropertyType.BOOLEAN:
        return "Yes" if value else "No"
    if definition.type == PropertyType.NUMBER:
        return format_number(value) or str(value)
    return str(value)


class PropertiesForm(forms.Form):
    """One field per defined property, of its type; cleaned_data is what `properties` stores."""

    def __init__(self, object_type: str, *args, initial_values=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.object_type = object_type
        self.known = definitions(object_type)
        initial_values = initial_values or {}
        for definition in self.known:
            self.fields[definition.internal_name] = _field(definition)
            self.initial[definition.internal_name] = initial_values.get(definition.internal_name)

    def clean(self):
        values = {name: value for name, value in self.cleaned_data.items()}
        try:
            self.stored = validated(self.object_type, _as_input(values), self.known)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return self.cleaned_data


def admin_form(object_type: str) -> type[forms.ModelForm]:
    """The admin's form of an order or cart: one field per custom property, of its type (in
    place of the `properties` JSON), validated as the staff pages validate them."""
    known = definitions(object_type)
    names = [definition.internal_name for definition in known]

    def __init__(self, *args, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        for name in names:
            self.initial[name] = self.instance.properties.get(name)

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        values = {name: cleaned.get(name) for name in names if name in cleaned}
        try:
            self.instance.properties = validated(object_type, _as_input(values), known)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return cleaned

    fields = {definition.internal_name: _field(definition) for definition in known}
    return type(
        "PropertiesAdminForm",
        (forms.ModelForm,),
        {**fields, "__init__": __init__, "clean": clean},
    )


def _field(definition: PropertyDefinition):
    common = {"label": definition.label, "required": False, "help_text": definition.description}
    if definition.type == PropertyType.NUMBER:
        return forms.DecimalField(**common)
    if definition.type == PropertyType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if definition.type == PropertyType.BOOLEAN:
        return forms.NullBooleanField(**common)
    if definition.type == PropertyType.ENUMERATION:
        return forms.ChoiceField(
            choices=[("", "—"), *[(option, option) for option in definition.options]], **common
        )
    return forms.CharField(**common)


def _as_input(values: dict) -> dict:
    """Form values back to the plain values `to_stored_value` takes."""
    result = {}
    for name, value in values.items():
        if value is None:
            continue
        result[name] = value if isinstance(value, (bool, str)) else str(value)
    return result
