"""The duplicate and deletion rules of each object, each tried against the emulator: a change
in Shopify, then the record read again as a webhook would."""

import datetime
from decimal import Decimal

import pytest

from crm.models import Cart, Company, Contact, Order, Product
from sync import engine, services
from sync.models import MappingState, RecordMapping, SyncSetting
from tests.sync.e2e.conftest import SHOP, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(shopify, store):
    for object_type in ("contacts", "companies", "products", "orders", "carts"):
        services.turn_on(store=store, object_type=object_type)
    work()
    return store


def refresh(store, object_type, gid):
    setting = SyncSetting.objects.get(store=store, object_type=object_type)
    return engine.refresh(setting, [number(gid)])


def mapping(object_type, gid):
    return RecordMapping.objects.get(object_type=object_type, shopify_id=number(gid))


def control(shopify, method, path, body=None):
    return shopify.call(method, f"shops/{SHOP}/{path}", body)


# Contacts -----------------------------------------------------------------------------------


def test_a_customer_deleted_in_shopify_leaves_the_contact(shopify, synced):
    customer = control(shopify, "POST", "customers", {"email": "leaving@example.com"})
    refresh(synced, "contacts", customer["id"])
    contact = Contact.objects.with_email("leaving@example.com").get()

    control(shopify, "DELETE", f"customers/{customer['legacyResourceId']}")
    counts = refresh(synced, "contacts", customer["id"])

    assert counts.deleted == 1
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert mapping("contacts", customer["id"]).state == MappingState.DELETED


def test_a_contact_deleted_in_the_crm_stays_deleted_until_resynced(shopify, synced):
    customer = control(shopify, "POST", "customers", {"email": "gone@example.com"})
    refresh(synced, "contacts", customer["id"])
    Contact.objects.with_email("gone@example.com").delete()

    control(shopify, "PATCH", f"customers/{customer['legacyResourceId']}", {"note": "still here"})
    refresh(synced, "contacts", customer["id"])

    assert not Contact.objects.with_email("gone@example.com").exists()
    assert mapping("contacts", customer["id"]).reason == "Deleted in the CRM"

    services.resync_record(store=synced, object_type="contacts", shopify_id=number(customer["id"]))
    work()

    assert Contact.objects.with_email("gone@example.com").get().note == "still here"


def test_a_new_customer_joins_the_contact_with_its_email_in_any_case(shopify, synced):
    existing = Contact.objects.create(email="Mixed.Case@Example.com", first_name="Kept")
    customer = control(
        shopify, "POST", "customers", {"email": "mixed.case@example.COM", "firstName": "Shop"}
    )

    counts = refresh(synced, "contacts", customer["id"])

    assert (counts.created, counts.updated) == (0, 1)
    assert Contact.objects.with_email("mixed.case@example.com").count() == 1
    assert mapping("contacts", customer["id"]).crm_id == existing.pk


def test_a_customer_without_email_is_excluded_while_the_filter_is_on(shopify, synced):
    customer = control(shopify, "POST", "customers", {"firstName": "Anon", "phone": "+46701230000"})

    counts = refresh(synced, "contacts", customer["id"])

    assert counts.excluded == 1
    assert not Contact.objects.filter(first_name="Anon").exists()
    assert mapping("contacts", customer["id"]).reason == "No email address"

    SyncSetting.objects.filter(object_type="contacts").update(filters={"require_email": False})
    refresh(synced, "contacts", customer["id"])

    assert Contact.objects.filter(first_name="Anon", phone="+46701230000").count() == 1


# Companies ----------------------------------------------------------------------------------


def test_a_company_is_matched_by_name_and_survives_its_deletion_in_shopify(shopify, synced):
    existing = Company.objects.create(name="Nordic Widgets AB", domain="nordicwidgets.se")
    company = control(shopify, "POST", "companies", {"name": "NORDIC widgets ab"})

    refresh(synced, "companies", company["id"])
    assert mapping("companies", company["id"]).crm_id == existing.pk
    assert Company.objects.count() == len(shop_data(shopify, "companies")) - 1 + 1

    control(shopify, "DELETE", f"companies/{number(company['id'])}")
    refresh(synced, "companies", company["id"])

    assert Company.objects.filter(pk=existing.pk).exists()
    assert mapping("companies", company["id"]).state == MappingState.DELETED


# Products -----------------------------------------------------------------------------------


def test_a_product_is_matched_by_name_and_deleted_with_its_shopify_product(shopify, synced):
    existing = Product.objects.create(name="Handmade Oak Bowl", price=Decimal("10"))
    product = control(
        shopify,
        "POST",
        "products",
        {"title": "handmade oak bowl", "variants": [{"price": "25.00", "sku": "BOWL-1"}]},
    )

    refresh(synced, "products", product["id"])
    existing.refresh_from_db()
    assert (existing.price, existing.sku) == (Decimal("25.000"), "BOWL-1")
    assert existing.variants.get().sku == "BOWL-1"

    control(shopify, "DELETE", f"products/{product['legacyResourceId']}")
    refresh(synced, "products", product["id"])

    assert not Product.objects.filter(pk=existing.pk).exists()


def test_variants_removed_in_shopify_are_removed(shopify, synced):
    product = control(
        shopify,
        "POST",
        "products",
        {
            "title": "Tee",
            "variants": [
                {
                    "price": "10",
                    "sku": "TEE-S",
                    "selectedOptions": [{"name": "Size", "value": "S"}],
                },
                {
                    "price": "10",
                    "sku": "TEE-M",
                    "selectedOptions": [{"name": "Size", "value": "M"}],
                },
            ],
        },
    )
    refresh(synced, "products", product["id"])
    small = product["variants"][0]["id"]

    control(
        shopify,
        "PATCH",
        f"products/{product['legacyResourceId']}",
        {"variants": [{"id": small, "price": "12"}]},
    )
    refresh(synced, "products", product["id"])

    crm = Product.objects.get(pk=mapping("products", product["id"]).crm_id)
    assert list(crm.variants.values_list("sku", "price")) == [("TEE-S", Decimal("12.000"))]


# Orders -------------------------------------------------------------------------------------


def order_with(shopify, **fields):
    product = shop_data(shopify, "products")[0]
    return control(
        shopify,
        "POST",
        "orders",
        {"lineItems": [{"variantId": product["variants"][0]["id"], "quantity": 1}], **fields},
    )


def test_a_line_removed_in_shopify_is_removed_from_the_order(shopify, synced):
    products = shop_data(shopify, "products")
    first, second = products[0]["variants"][0]["id"], products[1]["variants"][0]["id"]
    order = control(
        shopify, "POST", "orders", {"lineItems": [{"variantId": first}, {"variantId": second}]}
    )
    refresh(synced, "orders", order["id"])

    control(
        shopify,
        "PATCH",
        f"orders/{order['legacyResourceId']}",
        {"lineItems": [{"variantId": second}]},
    )
    refresh(synced, "orders", order["id"])

    crm = Order.objects.get(pk=mapping("orders", order["id"]).crm_id)
    assert list(crm.line_items.values_list("sku", flat=True)) == [
        products[1]["variants"][0]["sku"] or ""
    ]


def test_an_order_deleted_in_shopify_is_deleted(shopify, synced):
    order = order_with(shopify)
    refresh(synced, "orders", order["id"])
    crm_id = mapping("orders", order["id"]).crm_id

    control(shopify, "DELETE", f"orders/{order['legacyResourceId']}")
    refresh(synced, "orders", order["id"])

    assert not Order.objects.filter(pk=crm_id).exists()


def test_an_earlier_import_of_the_order_is_adopted_not_duplicated(shopify, synced):
    order = order_with(shopify)
    imported = Order.objects.create(
        source_store=SHOP,
        name=order["name"],
        currency="SEK",
        presentment_currency="SEK",
        processed_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )

    refresh(synced, "orders", order["id"])

    assert Order.objects.filter(source_store=SHOP, name=order["name"]).count() == 1
    imported.refresh_from_db()
    assert imported.total == Decimal(order["totalPriceSet"]["shopMoney"]["amount"])


def test_an_order_of_a_customer_without_email_has_no_contact(shopify, synced):
    customer = control(
        shopify, "POST", "customers", {"firstName": "Phone", "phone": "+46701110000"}
    )
    order = order_with(shopify, customerId=customer["id"])

    refresh(synced, "orders", order["id"])

    assert Order.objects.get(pk=mapping("orders", order["id"]).crm_id).contact is None


def test_an_order_follows_its_status_through_the_stages(shopify, synced):
    order = order_with(shopify, displayFinancialStatus="PENDING")
    number_ = order["legacyResourceId"]

    stages = []
    for action in (None, "pay", "fulfill", "cancel"):
        if action:
            control(shopify, "POST", f"orders/{number_}/{action}")
        refresh(synced, "orders", order["id"])
        crm = Order.objects.get(pk=mapping("orders", order["id"]).crm_id)
        stages.append(crm.pipeline_stage.internal_name)

    assert stages == ["open", "processed", "shipped", "cancelled"]


# Carts --------------------------------------------------------------------------------------


def test_a_completed_checkout_recovers_its_cart(shopify, synced):
    customer = shop_data(shopify, "customers")[0]
    product = shop_data(shopify, "products")[0]
    checkout = control(
        shopify,
        "POST",
        "checkouts",
        {"customerId": customer["id"], "lineItems": [{"variantId": product["variants"][0]["id"]}]},
    )
    refresh(synced, "carts", checkout["id"])
    cart = Cart.objects.get(pk=mapping("carts", checkout["id"]).crm_id)
    assert cart.status == "abandoned"

    completed = control(shopify, "POST", f"checkouts/{checkout['legacyResourceId']}/complete")
    refresh(synced, "orders", completed["order"]["id"])
    refresh(synced, "carts", checkout["id"])

    cart.refresh_from_db()
    assert cart.status == "recovered"
    assert cart.recovered_order.name == completed["order"]["name"]


def test_a_deleted_checkout_deletes_its_cart_unless_recovered(shopify, synced):
    product = shop_data(shopify, "products")[0]
    checkout = control(
        shopify, "POST", "checkouts", {"lineItems": [{"variantId": product["variants"][0]["id"]}]}
    )
    refresh(synced, "carts", checkout["id"])
    recovered = Cart.objects.filter(status="recovered").first()
    recovered_gid = RecordMapping.objects.get(object_type="carts", crm_id=recovered.pk).shopify_id

    control(shopify, "DELETE", f"checkouts/{checkout['legacyResourceId']}")
    control(shopify, "DELETE", f"checkouts/{recovered_gid}")
    refresh(synced, "carts", checkout["id"])
    setting = SyncSetting.objects.get(object_type="carts")
    engine.refresh(setting, [recovered_gid])

    assert not Cart.objects.filter(pk=mapping("carts", checkout["id"]).crm_id).exists()
    assert Cart.objects.filter(pk=recovered.pk).exists()
