"""Contacts ⇐ Shopify customers. Matched by email (trimmed, any case); two customers with one
email are one contact. Deleting either side deletes nothing on the other."""

from __future__ import annotations

from django.db import connection
from django.db.models.functions import Lower
from django.utils import timezone

from crm.models import Contact
from sync import derived, writes
from sync.adapters.base import Adapter, Parsed, lower, moment, number, text, updates_by_record
from sync.mappings import crm_ids
from sync.models import MappingState
from sync.totals import recompute_contact_totals, refresh_store_contacts

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


class ContactAdapter(Adapter):
    object_type = "contacts"
    model = Contact
    gid_type = "Customer"
    document = DOCUMENT
    bulk_operation = "CustomersBulk"
    changes_operation = "CustomersChanges"
    ids_operation = "CustomersByIds"
    ids_list_operation = "CustomersIds"
    root_field = "customers"
    ids_per_request = 100
    create_operation = ("CustomerCreate", "customerCreate", "customer")
    update_operation = ("CustomerUpdate", "customerUpdate", "customer")

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
            return "No email address"
        return None

    def match_existing(self, store, records: list[Parsed]) -> dict[int, int]:
        emails = {lower(record.fields["email"]) for record in records if record.fields["email"]}
        existing = dict(
            Contact.objects.alias(email_lower=Lower("email"))
            .filter(email_lower__any=emails)
            .annotate(key=Lower("email"))
            .values_list("key", "id")
        )
        return {
            record.shopify_id: existing[lower(record.fields["email"])]
            for record in records
            if lower(record.fields["email"]) in existing
        }

    def save(self, store, records: list[tuple[Parsed, int | None]]) -> dict[int, int]:
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
        return result

    def after_save(self, store, crm_ids_saved: list[int]) -> None:
        if not derived.is_deferred():
            link_orders_by_email(store.shop_domain, crm_ids_saved)

    def after_bulk(self, store) -> None:
        if link_store_orders_by_email(store):
            refresh_store_contacts(store.shop_domain)


def merge(record, fields: dict):
    """Shopify's values onto a CRM record, except that a blank never erases a value."""
    for name, value in fields.items():
        if value in ("", None, []) and getattr(record, name) not in ("", None, []):
            continue
        setattr(record, name, value)


def link_orders_by_email(shop_domain: str, contact_ids: list[int]):
    """Orders and carts of the store that name a contact's email but have no contact yet (a
    guest checkout, or the customer synced later) get that contact, and its totals."""
    if not contact_ids:
        return
    # One array parameter on PostgreSQL: a placeholder per id cost more than the query.
    if connection.vendor == "postgresql":
        among, ids = "= ANY(%s)", [list(contact_ids)]
    else:
        among, ids = f"IN ({', '.join(['%s'] * len(contact_ids))})", list(contact_ids)
    linked = set()
    with connection.cursor() as cursor:
        for table in ("crm_order", "crm_cart"):
            cursor.execute(
                f"""
                UPDATE {table} SET contact_id = (
                    SELECT c.id FROM crm_contact c
                    WHERE lower(c.email) = lower({table}.email) AND c.id {among}
                )
                WHERE contact_id IS NULL AND source_store = %s AND email <> ''
                  AND lower(email) IN (
                    SELECT lower(c.email) FROM crm_contact c WHERE c.id {among}
                  )
                """,  # noqa: S608 (table names are constants; values are parameters)
                [*ids, shop_domain, *ids],
            )
            linked.add(cursor.rowcount)
    if any(linked):
        recompute_contact_totals(contact_ids)


def link_store_orders_by_email(store) -> bool:
    """What `link_orders_by_email` does, for every contact the store's customers are, in one
    pass over the store's orders and carts. Whether any was linked."""
    linked = 0
    with connection.cursor() as cursor:
        for table in ("crm_order", "crm_cart"):
            cursor.execute(
                f"""
                UPDATE {table} SET contact_id = synced.id
                FROM (
                    SELECT lower(c.email) AS email, min(c.id) AS id
                    FROM crm_contact c JOIN sync_recordmapping m ON m.crm_id = c.id
                    WHERE m.store_id = %(store_id)s AND m.object_type = 'contacts'
                      AND m.state <> %(deleted)s AND c.email <> ''
                    GROUP BY lower(c.email)
                ) AS synced
                WHERE {table}.contact_id IS NULL AND {table}.source_store = %(store)s
                  AND {table}.email <> '' AND lower({table}.email) = synced.email
                """,  # noqa: S608 (table names are constants; values are parameters)
                {
                    "store_id": store.pk,
                    "store": store.shop_domain,
                    "deleted": MappingState.DELETED,
                },
            )
            linked += cursor.rowcount
    return linked > 0
