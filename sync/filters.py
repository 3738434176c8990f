"""The kinds of filter an object pair's Limit step can have. A pair declares its filters once
(`Adapter.filters`); the Limit form, the Review page, a new sync's defaults and the checks all
read that declaration. Values live in `SyncSetting.filters` under each filter's key."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

CHECKBOX, DATE, CHOICES = "checkbox", "date", "choices"


@dataclass(frozen=True)
class Filter:
    key: str
    label: str
    help: str = ""
    kind = ""
    # A choice about what the CRM sends this store, not about which Shopify records sync: the
    # Limit step shows it apart, and changing it reads nothing from Shopify again.
    outbound = False

    @property
    def default(self):
        """What a new sync starts with (None: the filter is not set)."""
        return None

    def read(self, post):
        """The value the Limit form posted; None leaves the filter unset."""
        raise NotImplementedError

    def describe(self, value) -> str | None:
        """The filter as the Review page says it; None when it lets everything through."""
        raise NotImplementedError

    def problem(self, value) -> str:
        """Why the value cannot be saved, or ""."""
        return ""


@dataclass(frozen=True)
class Checkbox(Filter):
    """On or off; on by default. The Review page says `on_label` or `off_label`."""

    on_label: str = ""
    off_label: str = ""
    kind = CHECKBOX

    @property
    def default(self):
        return True

    def read(self, post):
        return bool(post.get(self.key))

    def describe(self, value) -> str | None:
        return self.on_label if value is not False else self.off_label


# Where the two-way pairs keep "Send records created in the CRM to this store".
NEW_CRM_RECORDS = "send_new_crm_records"


@dataclass(frozen=True)
class NewCrmRecords(Checkbox):
    """Whether a record created in the CRM, one no store knows yet, is created in this store
    (sync.outbound). A record that came from a store, or went to one, keeps going to those
    stores only, whatever this says."""

    outbound = True


def new_crm_records(label: str) -> NewCrmRecords:
    plural = label.lower()
    return NewCrmRecords(
        NEW_CRM_RECORDS,
        f"Send {plural} created in the CRM to this store",
        help=(
            f"Off: {plural} created in the CRM go only to the stores that have this on. "
            f"Changes to {plural} that came from this store (or were sent to it) always go "
            "to it."
        ),
        on_label=f"{label} created in the CRM are created in this store",
        off_label=f"{label} created in the CRM are not sent to this store",
    )


@dataclass(frozen=True)
class CreatedSince(Filter):
    """Records created on or after a day (YYYY-MM-DD)."""

    kind = DATE

    def read(self, post):
        return post.get(self.key, "").strip() or None

    def describe(self, value) -> str | None:
        return f"Created since {value}" if value else None

    def problem(self, value) -> str:
        if not value:
            return ""
        try:
            day = datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            return f"{value!r} is not a date (YYYY-MM-DD)."
        if day > datetime.date.today():
            return f"Created since {value} is in the future: nothing would sync."
        return ""


@dataclass(frozen=True)
class Statuses(Filter):
    """Records in any of the chosen statuses; none chosen: every status."""

    choices: tuple[tuple[str, str], ...] = ()
    kind = CHOICES

    def read(self, post):
        allowed = {value for value, _ in self.choices}
        return [value for value in post.getlist(self.key) if value in allowed] or None

    def describe(self, value) -> str | None:
        if not value:
            return None
        labels = dict(self.choices)
        return f"{self.label}: " + ", ".join(labels.get(item, item) for item in value)


def created_since_and_statuses(
    statuses_key: str, choices, label: str = "Statuses", help: str = "None checked: every status."
) -> tuple[Filter, Filter]:
    """What orders and carts are limited by: a first day, and the statuses that sync (named
    for what they are: an order's are its payment statuses)."""
    return (
        CreatedSince("created_since", "Created since", help="Leave empty for all of them."),
        Statuses(statuses_key, label, help=help, choices=tuple(choices)),
    )
