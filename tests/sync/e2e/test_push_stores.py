"""Two stores, one CRM: a contact edited in the CRM reaches the store it came from and no
other; one created in the CRM reaches the stores whose sync takes new CRM records; a change
Shopify refuses is a failing record named by its contact, resolved once it is fixed. Shopify
is the emulator with two shops."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from crm.models import Contact
from sync import outbound, services
from sync.adapters import scopes
from sync.filters import NEW_CRM_RECORDS
from sync.models import IssueDirection, MappingState, RecordMapping, SyncIssue, SyncSetting
from tests.sync.e2e.conftest import NOW, SHOP, work

pytestmark = pytest.mark.django_db(transaction=True)

SECOND = "beta.myshopify.com"
ADMIN_FIELDS = ["email", "first_name", "last_name", "phone", "address1", "address2", "city"]
ADMIN_FIELDS += ["province", "postal_code", "country_code", "email_marketing_consent"]
ADMIN_FIELDS += ["sms_marketing_consent", "note"]


@pytest.fixture
def stores(shopify, settings):
    shopify.add_shop(SECOND, plan="plus", name="Beta", currency="USD", country="US")
    shopify.faults(SECOND, webhook_drop_rate=1.0)
    shopify.seed(SECOND, customers=20, seed=29, now=NOW)
    connected = []
    for shop in (SHOP, SECOND):
        token = shopify.token(shop, settings.SHOPIFY_API_KEY, scopes())
        store = services.connect_store_token(shop_domain=shop, access_token=token, user=None)
        services.turn_on(store=store, object_type="contacts")
        connected.append(store)
    work()
    return connected


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def customers(shopify, shop):
    return shopify.call("GET", f"shops/{shop}/customers")["customers"]


def mutation_names(shopify, shop):
    return [m["mutation"] for m in shopify.mutations(shop)]


def only_in(store):
    """A contact the store's sync brought, known to no other store."""
    others = RecordMapping.objects.exclude(store=store).values("crm_id")
    mapping = (
        RecordMapping.objects.filter(
            store=store, object_type="contacts", state=MappingState.SYNCED, is_primary=True
        )
        .exclude(crm_id=None)
        .exclude(crm_id__in=others)
        .order_by("shopify_id")
        .first()
    )
    return Contact.objects.get(pk=mapping.crm_id), mapping.shopify_id


def edit(client, contact, **changes):
    form = model_to_dict(contact, fields=ADMIN_FIELDS)
    form.update(tags=", ".join(contact.tags), company="", **changes)
    url = reverse("admin:crm_contact_change", args=[contact.pk])
    return client.post(url, form)


def test_a_contact_goes_to_its_own_store_and_new_ones_where_the_syncs_say(
    shopify, stores, admin_client
):
    alpha, beta = stores
    # The first store takes contacts created in the CRM; the one connected after it does not.
    assert outbound.sends_new_records(SyncSetting.objects.get(store=alpha)) is True
    assert outbound.sends_new_records(SyncSetting.objects.get(store=beta)) is False
    contact, shopify_id = only_in(alpha)
    beta_customers = len(customers(shopify, SECOND))
    beta_mutations = len(shopify.mutations(SECOND))

    response = edit(admin_client, contact, first_name="Edited")
    assert response.status_code == 302, response.content.decode()[:2000]
    work()

    edited = next(c for c in customers(shopify, SHOP) if c["legacyResourceId"] == str(shopify_id))
    assert edited["firstName"] == "Edited"
    assert len(customers(shopify, SECOND)) == beta_customers
    assert len(shopify.mutations(SECOND)) == beta_mutations
    assert not RecordMapping.objects.filter(store=beta, crm_id=contact.pk).exists()

    # Created in the CRM: only the store whose sync takes new records gets it.
    new = Contact.objects.create(email="new.in.crm@example.com", first_name="New")
    work()
    assert [c["email"] for c in customers(shopify, SHOP)].count("new.in.crm@example.com") == 1
    assert "new.in.crm@example.com" not in [c["email"] for c in customers(shopify, SECOND)]
    assert RecordMapping.objects.filter(crm_id=new.pk).values_list("store", flat=True).get() == (
        alpha.pk
    )

    # The second store's sync turned to take them: the next one goes to both.
    SyncSetting.objects.filter(store=beta).update(
        filters={"require_email": True, NEW_CRM_RECORDS: True}
    )
    both = Contact.objects.create(email="both.stores@example.com", first_name="Both")
    work()
    for shop in (SHOP, SECOND):
        assert [c["email"] for c in customers(shopify, shop)].count("both.stores@example.com") == 1
    assert set(RecordMapping.objects.filter(crm_id=both.pk).values_list("store", flat=True)) == {
        alpha.pk,
        beta.pk,
    }
    # And a change of it reaches both.
    both.first_name = "Both edited"
    both.save()
    work()
    for shop in (SHOP, SECOND):
        shown = next(c for c in customers(shopify, shop) if c["email"] == "both.stores@example.com")
        assert shown["firstName"] == "Both edited"
    assert "customerCreate" not in mutation_names(shopify, SECOND)[beta_mutations + 1 :]


def test_a_refused_change_is_named_by_its_contact_and_resolved_when_fixed(
    shopify, stores, admin_client
):
    alpha, beta = stores
    contact, shopify_id = only_in(alpha)
    others = [c for c in customers(shopify, SHOP) if c["legacyResourceId"] != str(shopify_id)]
    taken = next(c["phone"] for c in others if c["phone"])
    # A phone number another Shopify customer of the store has (the CRM cannot know it):
    # Shopify refuses it.
    contact.phone = taken
    contact.save()
    work()

    issue = SyncIssue.objects.get(direction=IssueDirection.OUTBOUND, crm_id=contact.pk)
    assert (issue.store, issue.error) == (alpha, "phone: Phone has already been taken")
    page = admin_client.get(reverse("admin:sync_syncissue_changelist")).content.decode()
    form = reverse("admin:crm_contact_change", args=[contact.pk])
    assert f'<a href="{form}">Contact {contact}</a>' in page
    assert "contacts None" not in page
    assert not SyncIssue.objects.filter(store=beta).exists()

    response = edit(admin_client, contact, phone="+46 70 999 88 77")
    assert response.status_code == 302, response.content.decode()[:2000]
    work()

    issue.refresh_from_db()
    assert issue.resolved_at is not None
    shown = next(c for c in customers(shopify, SHOP) if c["legacyResourceId"] == str(shopify_id))
    assert shown["phone"] == "+46709998877"
    mapping = RecordMapping.objects.get(store=alpha, shopify_id=shopify_id)
    assert mapping.state == MappingState.SYNCED
    unresolved = admin_client.get(reverse("admin:sync_syncissue_changelist"), {"resolved": "no"})
    assert list(unresolved.context["cl"].result_list) == []
