"""What the order and cart pages share: their custom properties, shown and changed."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect

from crm import properties
from crm.views.access import require_superadmin


def property_rows(record, definitions) -> list[tuple]:
    return [(d, properties.display(d, record.properties.get(d.internal_name))) for d in definitions]


def save_properties(request, model, record_id, kind: str):
    """Superadmins change a record's custom properties (its only CRM-side fields); a bad
    value is refused with its reason and nothing is saved."""
    require_superadmin(request.user, f"change {kind}s")
    record = get_object_or_404(model, pk=record_id)
    form = properties.PropertiesForm(kind, request.POST)
    if not form.is_valid():
        for errors in [form.non_field_errors(), *form.errors.values()]:
            for error in errors:
                messages.error(request, error)
        return redirect(f"crm:{kind}", record.pk)
    properties.save(record, kind, form.stored)
    messages.success(request, f"The {kind}'s properties are saved.")
    return redirect(f"crm:{kind}", record.pk)
