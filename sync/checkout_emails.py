"""The email a shopper gave at a checkout, where Shopify gives it: in the checkouts/create and
checkouts/update webhook bodies ("email", Shopify's documented 2026-07 examples), and nowhere
in GraphQL, whose AbandonedCheckout has only its `customer` (none for a guest). The sync reads
checkouts through GraphQL, so what those bodies say is kept here, by the checkout's token, and
added to the checkout when it is read (`sync.adapters.carts`): a guest's cart gets its email,
the contact with that email, and is found by it."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from integration.ids import moment
from sync.models import CheckoutEmail

log = logging.getLogger(__name__)

MAX_EMAIL = 254


def email_in(body: dict) -> str:
    """The body's email when it is one ("" when it names none, or not a valid address)."""
    email = body.get("email")
    if not isinstance(email, str):
        return ""
    email = email.strip()
    if not email or len(email) > MAX_EMAIL:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        log.info("checkout body with an email that is none: %r", email[:80])
        return ""
    return email


def remember(store, token: str, body: dict) -> None:
    """Keep the email a checkout's body gives, unless a newer body gave another already (they
    arrive out of order). A body without an email changes nothing: a checkout's email, once
    typed, is not taken away."""
    email = email_in(body)
    if not email:
        return
    updated = body.get("updated_at")
    given_at = (moment(updated) if isinstance(updated, str) else None) or timezone.now()
    current = CheckoutEmail.objects.filter(store=store, token=token).first()
    if current is None:
        CheckoutEmail.objects.get_or_create(
            store=store, token=token, defaults={"email": email, "given_at": given_at}
        )
    elif given_at >= current.given_at and email != current.email:
        CheckoutEmail.objects.filter(pk=current.pk).update(email=email, given_at=given_at)


def given(store, tokens) -> dict[str, str]:
    """token → the email its checkout's webhooks gave."""
    wanted = [token for token in tokens if token]
    if not wanted:
        return {}
    return dict(
        CheckoutEmail.objects.filter(store=store, token__any=wanted).values_list("token", "email")
    )


def forget(store, tokens) -> None:
    """Checkouts gone from the CRM: their emails go too."""
    wanted = [token for token in tokens if token]
    if wanted:
        CheckoutEmail.objects.filter(store=store, token__any=wanted).delete()


def erase(store, email: str) -> None:
    """A customer's data is to be erased (customers/redact): every checkout email of theirs."""
    if email:
        CheckoutEmail.objects.filter(store=store, email__iexact=email).delete()
