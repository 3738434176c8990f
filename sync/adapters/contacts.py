"""Contacts ⇄ Shopify customers, both ways. Matched by email (trimmed, any case); two customers
with one email are one contact. Deleting either side deletes nothing on the other."""

from __future__ import annotations

from django.utils import timezone

from crm import services as crm
from crm.models import Contact
from integration.ids import moment, number
from sync import writes
from sync.adapters.base import (
    ADDRESS,
    ADDRESS_FIELDS,
    EMAIL,
    NAME,
    PHONE,
    Adapter,
    Parsed,
    lower,
    merge,
    text,
    updates_by_record,
)
from sync.fieldmaps import BOOLEAN, CRM_ADDRESS, LIST, TEXT, CrmField, ShopifyField
from sync.filters import Checkbox
from sync.mappings import crm_ids

DOCUMENT = """
query CustomersBulk {
  customers { edges { node { ...CustomerFields } } }
}

query CustomersChanges($query: String!, $after: String) {
  customers(first: 250, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}

query CustomersByIds($ids: [ID!]!) {
  nodes(ids: $ids) { ...CustomerFields }
}

query CustomersIds {
  customers { edges { node { id updatedAt } } }
}

mutation CustomerCreate($input: CustomerInput!) {
  customerCreate(input: $input) {
    customer { ...CustomerFields }
    userErrors { field message }
  }
}

mutation CustomerUpdate($input: CustomerInput!) {
  customerUpdate(input: $input) {
    customer { ...CustomerFields }
    userErrors { field message }
  }
}

fragment CustomerFields on Customer {
  id
  updatedAt
  firstName
  lastName
  note
  tags
  defaultEmailAddress { emailAddress marketingState }
  defaultPhoneNumber { phoneNumber marketingState }
  defaultAddress { address1 address2 city province zip countryCodeV2 }
  companyContactProfiles { company { id } }
}
"""

# Shopify's fields as the CRM's, for a contact. Blank Shopify values never erase CRM values.
FIELDS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "address1",
    "address2",
    "city",
    "province",
    "postal_code",
    "country_code",
    "email_marketing_consent",
    "sms_marketing_consent",
    "tags",
    "note",
)
# A company contact's webhooks name the customer as a GID.
COMPANY_CONTACT_CUSTOMER = ("customer_admin_graphql_api_id",)


class ContactAdapter(Adapter):
    object_type = "contacts"
    label = "Contacts"
    model = Contact
    gid_type = "Customer"
    two_way = True
    admin_path = "customers"

    read_scopes = ("read_customers",)
    write_scopes = ("write_customers",)
    plus_topics = frozenset(
        {"company_contacts/create", "company_contacts/update", "company_contacts/delete"}
    )
    protected_fields = {
        "firstName": (NAME, ("first_name",)),
        "lastName": (NAME, ("last_name",)),
        "defaultEmailAddress": (EMAIL, ("email", "email_marketing_consent")),
        "defaultPhoneNumber": (PHONE, ("phone", "sms_marketing_consent")),
        "defaultAddress": (ADDRESS, ADDRESS_FIELDS),
    }
    topics = {
        "customers/create": ("id",),
        "customers/update": ("id",),
        "customers/delete": ("id",),
        "customers_email_marketing_consent/update": ("customer_id", "id"),
        "customers_marketing_consent/update": ("customer_id", "id"),
        # A customer who joins or leaves a company: its contact's company changes.
        "company_contacts/create": COMPANY_CONTACT_CUSTOMER,
        "company_contacts/update": COMPANY_CONTACT_CUSTOMER,
        "company_contacts/delete": COMPANY_CONTACT_CUSTOMER,
        # Since 2025-01 customers/update no longer carries tags; tag changes have their own
        # topics (their body: {"customerId": GID, "tags": [...], "occurredAt"}).
        "customer.tags_added": ("customerId",),
        "customer.tags_removed": ("customerId",),
    }

    document = DOCUMENT
    bulk_operation = "CustomersBulk"
    changes_operation = "CustomersChanges"
    ids_operation = "CustomersByIds"
    ids_list_operation = "CustomersIds"
    root_field = "customers"
    count_field = "customersCount"
    ids_per_request = 100
    create_operation = ("CustomerCreate", "customerCreate", "customer")
    update_operation = ("CustomerUpdate", "customerUpdate", "customer")

    filters = (
        Checkbox(
            "require_email",
            "Sync only contacts with an email address",
            help="Customers without one stay in Shopify and are listed as excluded.",
            on_label="Only contacts with an email address",
            off_label="Contacts with or without an email address",
        ),
    )
    shopify_fields = {
        "email": ShopifyField("Email", TEXT, "email"),
        "firstName": ShopifyField("First name", TEXT, "firstName"),
        "lastName": ShopifyField("Last name", TEXT, "lastName"),
        "phone": ShopifyField("Phone", TEXT, "phone"),
        "note": ShopifyField("Note", TEXT, "note"),
        "tags": ShopifyField("Tags", LIST, "tags"),
        "defaultAddress.address1": ShopifyField("Address", TEXT),
        "defaultAddress.address2": ShopifyField("Apartment, suite", TEXT),
        "defaultAddress.city": ShopifyField("City", TEXT),
        "defaultAddress.province": ShopifyField("Province", TEXT),
        "defaultAddress.zip": ShopifyField("Postal code", TEXT),
        "defaultAddress.countryCodeV2": ShopifyField("Country", TEXT),
        "emailMarketingConsent": ShopifyField("Email marketing", BOOLEAN),
        "smsMarketingConsent": ShopifyField("SMS marketing", BOOLEAN),
    }
    crm_fields = {
        "email": CrmField("Email", TEXT),
        "first_name": CrmField("First name", TEXT),
        "last_name": CrmField("Last name", TEXT),
        "phone": CrmField("Phone", TEXT),
        "note": CrmField("Note", TEXT),
        "tags": CrmField("Tags", LIST),
        **CRM_ADDRESS,
        "email_marketing_consent": CrmField("Email marketing consent", BOOLEAN),
        "sms_marketing_consent": CrmField("SMS marketing consent", BOOLEAN),
    }
    default_maps = (
        ("email", "email"),
        ("first_name", "firstName"),
        ("last_name", "lastName"),
        ("phone", "phone"),
        ("note", "note"),
        ("tags", "tags"),
        ("address1", "defaultAddress.address1"),
        ("address2", "defaultAddress.address2"),
        ("city", "defaultAddress.city"),
        ("province", "defaultAddress.province"),
        ("postal_code", "defaultAddress.zip"),
        ("country_code", "defaultAddress.countryCodeV2"),
        ("email_marketing_consent", "emailMarketingConsent"),
        ("sms_marketing_consent", "smsMarketingConsent"),
    )
    matching_rule = "the same email address, whatever its case"
    matched_by = frozenset({"email"})
    changed_by = {Contact: "pk"}

    def push_variables(self, shopify_id: int | None, values: dict) -> dict:
        if shopify_id is None:
            return {"input": values}
        return {"input": {"id": self.gid(shopify_id), **values}}

    def outbound_exclusion(self, values: dict, filters: dict) -> str | None:
        if filters.get("require_email", True) and not values.get("email"):
            return "No email address"
        if not any(values.get(key) for key in ("email", "phone", "first_name", "last_name")):
            return "No name, phone or email address"
        return None

    def parse(self, node: dict) -> Parsed:
        email = node.get("defaultEmailAddress") or {}
        phone = node.get("defaultPhoneNumber") or {}
        address = node.get("defaultAddress") or {}
        companies = [
            number(profile["company"]["id"])
            for profile in node.get("companyContactProfiles") or []
            if profile.get("company")
        ]
        return Parsed(
            shopify_id=number(node["id"]),
            updated_at=moment(node.get("updatedAt")),
            fields={
                "email": text(email.get("emailAddress")),
                "first_name": text(node.get("firstName")),
                "last_name": text(node.get("lastName")),
                "phone": text(phone.get("phoneNumber")),
                "address1": text(address.get("address1")),
                "address2": text(address.get("address2")),
                "city": text(address.get("city")),
                "province": text(address.get("province")),
                "postal_code": text(address.get("zip")),
                "country_code": text(address.get("countryCodeV2")),
                "email_marketing_consent": email.get("marketingState") == "SUBSCRIBED",
                "sms_marketing_consent": phone.get("marketingState") == "SUBSCRIBED",
                "tags": sorted(node.get("tags") or []),
                "note": text(node.get("note")),
            },
            links={"company": companies[0] if companies else None},
        )

    def exclusion_reason(self, parsed: Parsed, filters: dict) -> str | None:
        if filters.get("require_email", True) and not parsed.fields["email"]:
            if "email" in parsed.withheld:
                return "Shopify withholds its email address (protected customer data)"
            return "No email address"
        return None

    def save(self, store, records, *, defer=False) -> dict[int, int]:
        companies = crm_ids(
            store, "companies", [r.links["company"] for r, _ in records if r.links["company"]]
        )
        now = timezone.now()
        result = {}
        # New contacts: one per email, however many customers share it (any letter case).
        # Rows, not Contact instances: building thousands of instances cost more than writing.
        by_email: dict[str, dict] = {}
        created = writes.Rows(Contact)
        for record, crm_id in records:
            if crm_id is not None:
                continue
            key = lower(record.fields["email"])
            contact = by_email.get(key) if key else None
            if contact is None:
                contact = {
                    **record.fields,
                    "company_id": companies.get(record.links["company"]),
                    "created_at": now,
                    "updated_at": now,
                }
                created.append(contact)
                if key:
                    by_email[key] = contact
            result[record.shopify_id] = contact
        writes.insert(created)
        result = {shopify_id: contact["id"] for shopify_id, contact in result.items()}

        updates = {crm_id: record for record, crm_id in records if crm_id is not None}
        contacts = list(Contact.objects.filter(pk__any=list(updates)))
        for contact in contacts:
            record = updates[contact.pk]
            merge(contact, record.fields)
            company = companies.get(record.links["company"])
            if company:
                contact.company_id = company
            contact.updated_at = now
        writes.update(contacts, [*FIELDS, "company"])
        result.update({record.shopify_id: crm_id for record, crm_id in updates_by_record(records)})
        crm.contacts_saved(result.values(), store=store.shop_domain, defer=defer)
        return result

    def after_bulk(self, store) -> None:
        crm.store_contacts_settled(store.shop_domain)
