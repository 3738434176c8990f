from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import (
    CartLineItem,
    Company,
    Contact,
    OrderLineItem,
    Pipeline,
    PipelineStage,
    ProductVariant,
    PropertyDefinition,
)

pytestmark = pytest.mark.django_db

CRM_MODELS = [
    "company",
    "contact",
    "product",
    "order",
    "cart",
    "pipeline",
    "propertydefinition",
]


@pytest.fixture
def sample_records(make_contact, make_product, make_order, make_cart):
    company = Company.objects.create(name="Acme", domain="acme.example")
    contact = make_contact(company=company)
    product = make_product()
    variant = ProductVariant.objects.create(product=product, title="Large", price=Decimal("15"))
    order = make_order(contact=contact, company=company, total=Decimal("30.00"))
    OrderLineItem.objects.create(
        order=order,
        product=product,
        variant=variant,
        title="Blue mug",
        quantity=2,
        unit_price=Decimal("15"),
        total=Decimal("30"),
    )
    cart = make_cart(contact=contact, recovered_order=order, status="recovered")
    CartLineItem.objects.create(cart=cart, product=product, title="Blue mug")
    PropertyDefinition.objects.create(
        object_type="order", internal_name="channel", label="Channel", type="text"
    )
    return {"contact": contact, "order": order, "cart": cart, "product": product}


@pytest.mark.parametrize("model", CRM_MODELS)
def test_every_crm_list_and_add_page_opens_for_a_superuser(admin_client, sample_records, model):
    changelist = admin_client.get(reverse(f"admin:crm_{model}_changelist"))
    add = admin_client.get(reverse(f"admin:crm_{model}_add"))

    assert changelist.status_code == 200
    assert add.status_code == 200


@pytest.mark.parametrize("model", ["contact", "order", "cart", "product"])
def test_record_pages_open(admin_client, sample_records, model):
    record = sample_records[model]

    response = admin_client.get(reverse(f"admin:crm_{model}_change", args=[record.pk]))

    assert response.status_code == 200


def test_order_list_shows_money_with_its_currency(admin_client, sample_records):
    response = admin_client.get(reverse("admin:crm_order_changelist"))

    assert "30.00 EUR" in response.content.decode()


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", ["contact", "order", "cart"])
def test_list_queries_do_not_grow_with_the_rows_shown(
    admin_client, make_contact, make_order, make_cart, model
):
    url = reverse(f"admin:crm_{model}_changelist")

    def add_rows(start, count):
        for number in range(start, start + count):
            contact = make_contact(email=f"c{number}@example.com")
            make_order(name=f"#{number}", contact=contact)
            make_cart(contact=contact)

    add_rows(0, 2)
    few = count_queries(admin_client, url)
    add_rows(2, 20)
    many = count_queries(admin_client, url)

    assert many == few


def test_contact_search_finds_by_email_and_company(admin_client, sample_records, make_contact):
    make_contact(email="bob@example.com", first_name="Bob")
    url = reverse("admin:crm_contact_changelist")

    by_email = admin_client.get(url, {"q": "ANN@example"}).context["cl"].result_list
    by_company = admin_client.get(url, {"q": "acme"}).context["cl"].result_list

    assert [contact.email for contact in by_email] == ["ann@example.com"]
    assert [contact.email for contact in by_company] == ["ann@example.com"]


def test_adding_a_contact_with_a_case_variant_email_is_refused(admin_client, make_contact):
    make_contact(email="ann@example.com")

    response = admin_client.post(
        reverse("admin:crm_contact_add"),
        {"email": "Ann@Example.COM", "first_name": "Other", "tags": "[]"},
    )

    assert response.status_code == 200
    assert "A contact with this email address already exists." in response.content.decode()
    assert Contact.objects.count() == 1


def stage_formset_data(pipeline, extra_rows=()):
    stages = list(pipeline.stages.all())
    data = {
        "label": pipeline.label,
        "display_order": pipeline.display_order,
        "stages-TOTAL_FORMS": len(stages) + len(extra_rows),
        "stages-INITIAL_FORMS": len(stages),
        "stages-MIN_NUM_FORMS": 0,
        "stages-MAX_NUM_FORMS": 1000,
    }
    if pipeline.is_default:
        data["is_default"] = "on"
    for index, stage in enumerate(stages):
        data.update(
            {
                f"stages-{index}-id": stage.pk,
                f"stages-{index}-pipeline": pipeline.pk,
                f"stages-{index}-label": stage.label,
                f"stages-{index}-state": stage.state,
                f"stages-{index}-display_order": stage.display_order,
            }
        )
    for offset, row in enumerate(extra_rows):
        index = len(stages) + offset
        data.update({f"stages-{index}-{key}": value for key, value in row.items()})
        data[f"stages-{index}-pipeline"] = pipeline.pk
    return data


def test_admin_renames_stages_but_never_their_internal_names(admin_client):
    pipeline = Pipeline.objects.get()
    data = stage_formset_data(pipeline)
    data["internal_name"] = "changed"
    data["stages-0-label"] = "New"
    data["stages-0-internal_name"] = "changed"

    response = admin_client.post(reverse("admin:crm_pipeline_change", args=[pipeline.pk]), data)

    assert response.status_code == 302
    assert PipelineStage.objects.get(display_order=0).label == "New"
    assert list(PipelineStage.objects.values_list("internal_name", flat=True)) == [
        "open",
        "processed",
        "shipped",
        "cancelled",
    ]
    assert Pipeline.objects.get().internal_name == "orders"


def test_admin_gives_a_new_stage_an_internal_name_from_its_label(admin_client):
    pipeline = Pipeline.objects.get()
    data = stage_formset_data(pipeline, [{"label": "Open", "state": "closed", "display_order": 9}])

    response = admin_client.post(reverse("admin:crm_pipeline_change", args=[pipeline.pk]), data)

    assert response.status_code == 302
    added = PipelineStage.objects.get(display_order=9)
    assert (added.label, added.internal_name, added.state) == ("Open", "open_2", "closed")


def test_admin_refuses_to_delete_a_stage_that_holds_orders(admin_client, make_order):
    order = make_order()
    pipeline = Pipeline.objects.get()
    data = stage_formset_data(pipeline)
    data["stages-0-DELETE"] = "on"

    response = admin_client.post(reverse("admin:crm_pipeline_change", args=[pipeline.pk]), data)

    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in (
        response.content.decode()
    )
    assert PipelineStage.objects.filter(pk=order.pipeline_stage_id).exists()
    assert PipelineStage.objects.count() == 4


def test_the_order_stage_is_read_only_in_the_admin(admin_client, make_order):
    order = make_order()
    response = admin_client.get(reverse("admin:crm_order_change", args=[order.pk]))

    form_fields = response.context["adminform"].form.fields

    assert "pipeline_stage" not in form_fields
    assert "total" in form_fields
