import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.models import Contact

pytestmark = pytest.mark.django_db


def test_contact_email_is_unique_whatever_its_case(make_contact):
    make_contact(email="Ann@Example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_contact(email="ann@EXAMPLE.com")

    assert list(Contact.objects.values_list("email", flat=True)) == ["Ann@Example.com"]


def test_model_validation_reports_a_case_variant_email_clearly(make_contact):
    make_contact(email="ann@example.com")
    duplicate = Contact(email="ANN@example.com")

    with pytest.raises(ValidationError, match="A contact with this email address already exists"):
        duplicate.full_clean()


def test_many_contacts_may_have_no_email(make_contact):
    make_contact(email="", first_name="First")
    make_contact(email="", first_name="Second")

    assert Contact.objects.filter(email="").count() == 2


def test_with_email_finds_a_contact_by_trimmed_case_insensitive_email(make_contact):
    ann = make_contact(email="Ann@Example.com")
    make_contact(email="bob@example.com")

    assert list(Contact.objects.with_email("  ann@example.COM ")) == [ann]


def test_contact_str_prefers_the_name_then_the_email(make_contact):
    assert str(make_contact(first_name="Ann", last_name="Andersson")) == "Ann Andersson"
    nameless = make_contact(email="x@example.com", first_name="", last_name="")
    assert str(nameless) == "x@example.com"
    anonymous = make_contact(email="", first_name="", last_name="")
    assert str(anonymous) == f"Contact {anonymous.pk}"
