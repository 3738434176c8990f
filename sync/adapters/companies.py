"""Companies ⇄ Shopify B2B companies, both ways, with their contacts and locations. Matched by
name or domain. Deleting either side deletes nothing on the other."""

from __future__ import annotations

from django.utils import timezone

from crm.models import Company, Contact
from integration.ids import moment, number
from sync import writes
from sync.adapters.base import (
    ADDRESS,
    ADDRESS_FIELDS,
    PHONE,
    Adapter,
    Parsed,
    merge,
    text,
    updates_by_record,
)
from sync.fieldmaps import CRM_ADDRESS, TEXT, CrmField, ShopifyField
from sync.filters import Checkbox
from sync.mappings import crm_ids

DOCUMENT = """
query CompaniesBulk {
  companies {
    edges {
      node {
        ...CompanyFields
        contacts { edges { node { ...CompanyContactFields } } }
        locations { edges { node { ...CompanyLocationFields } } }
      }
    }
  }
}

query CompaniesChanges($query: String!, $after: String) {
  companies(first: 250, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}

query CompaniesByIds($ids: [ID!]!) {
  nodes(ids: $ids) {
    ...CompanyFields
    ... on Company {
      contacts(first: 50) {
        nodes { ...CompanyContactFields }
        pageInfo { hasNextPage endCursor }
      }
      locations(first: 20) {
        nodes { ...CompanyLocationFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}

query CompanyContactsPage($id: ID!, $after: String) {
  company(id: $id) {
    contacts(first: 250, after: $after) {
      nodes { ...CompanyContactFields }
      pageInfo { hasNextPage endCursor }
    }
  }
}

query CompanyLocationsPage($id: ID!, $after: String) {
  company(id: $id) {
    locations(first: 100, after: $after) {
      nodes { ...CompanyLocationFields }
      pageInfo { hasNextPage endCursor }
    }
  }
}

query CompaniesIds {
  companies { edges { node { id updatedAt } } }
}

mutation CompanyCreate($input: CompanyCreateInput!) {
  companyCreate(input: $input) {
    company { ...CompanyPushed }
    userErrors { field message }
  }
}

mutation CompanyUpdate($companyId: ID!, $input: CompanyInput!) {
  companyUpdate(companyId: $companyId, input: $input) {
    company { ...CompanyPushed }
    userErrors { field message }
  }
}

fragment CompanyPushed on Company {
  ...CompanyFields
  contacts(first: 50) {
    nodes { ...CompanyContactFields }
    pageInfo { hasNextPage endCursor }
  }
  locations(first: 20) {
    nodes { ...CompanyLocationFields }
    pageInfo { hasNextPage endCursor }
  }
}

fragment CompanyFields on Company {
  id
  updatedAt
  name
}

fragment CompanyContactFields on CompanyContact {
  id
  customer { id }
}

fragment CompanyAddressFields on CompanyAddress {
  address1
  address2
  city
  zoneCode
  zip
  countryCode
  phone
}

fragment CompanyLocationFields on CompanyLocation {
  id
  phone
  billingAddress { ...CompanyAddressFields }
  shippingAddress { ...CompanyAddressFields }
}
"""

FIELDS = (
    "name",
    "phone",
    "address1",
    "address2",
    "city",
    "province",
    "postal_code",
    "country_code",
)


# Where a webhook body names the company: a company's own, and its contacts' and locations'.
COMPANY = ("admin_graphql_api_id",)
ITS_COMPANY = ("company.admin_graphql_api_id",)


class CompanyAdapter(Adapter):
    object_type = "companies"
    label = "Companies"
    model = Company
    gid_type = "Company"
    two_way = True
    admin_path = "companies"

    read_scopes = ("read_companies",)
    write_scopes = ("write_companies",)
    # https://shopify.dev/docs/apps/build/b2b
    requires_plus = True
    # A location's phone and addresses are the company's (see parse).
    protected_fields = {
        "locations.phone": (PHONE, ("phone",)),
        "locations.billingAddress": (ADDRESS, ADDRESS_FIELDS),
        "locations.shippingAddress": (ADDRESS, ADDRESS_FIELDS),
    }
    topics = {
        "companies/create": COMPANY,
        "companies/update": COMPANY,
        "companies/delete": COMPANY,
        "company_contacts/create": ITS_COMPANY,
        "company_contacts/update": ITS_COMPANY,
        "company_contacts/delete": ITS_COMPANY,
        "company_locations/create": ITS_COMPANY,
        "company_locations/update": ITS_COMPANY,
        "company_locations/delete": ITS_COMPANY,
    }

    document = DOCUMENT
    bulk_operation = "CompaniesBulk"
    changes_operation = "CompaniesChanges"
    ids_operation = "CompaniesByIds"
    ids_list_operation = "CompaniesIds"
    root_field = "companies"
    count_field = "companiesCount"
    count_takes_query = False
    child_connections = {"CompanyContact": "contacts", "CompanyLocation": "locations"}
    create_operation = ("CompanyCreate", "companyCreate", "company")
    update_operation = ("CompanyUpdate", "companyUpdate", "company")

    filters = (
        Checkbox(
            "require_name_or_domain",
            "Sync only companies with a name or a domain",
            on_label="Only companies with a name or a domain",
            off_label="Companies with or without a name",
        ),
    )
    shopify_fields = {
        "name": ShopifyField("Name", TEXT, "name"),
        "location.phone": ShopifyField("Phone", TEXT),
        "location.address1": ShopifyField("Address", TEXT),
        "location.address2": ShopifyField("Apartment, suite", TEXT),
        "location.city": ShopifyField("City", TEXT),
        "location.zoneCode": ShopifyField("Province", TEXT),
        "location.zip": ShopifyField("Postal code", TEXT),
        "location.countryCode": ShopifyField("Country", TEXT),
    }
    crm_fields = {
        "name": CrmField("Name", TEXT),
        "domain": CrmField("Domain", TEXT),
        "phone": CrmField("Phone", TEXT),
        **CRM_ADDRESS,
    }
    default_maps = (
        ("name", "name"),
        ("phone", "location.phone"),
        ("address1", "location.address1"),
        ("address2", "location.address2"),
        ("city", "location.city"),
        ("province", "location.zoneCode"),
        ("postal_code", "location.zip"),
        ("country_code", "location.countryCode"),
    )
    matching_rule = "the same name, whatever its case"
    matched_by = frozenset({"name"})
    changed_by = {Company: "pk"}

    def push_variables(self, shopify_id: int | None, values: dict) -> dict:
        if shopify_id is None:
            return {"input": {"company": values}}
        return {"companyId": self.gid(shopify_id), "input": values}

    def outbound_exclusion(self, values: dict, filters: dict) -> str | None:
        # A Shopify company needs a name; the CRM's domain alone cannot make one.
        if not values.get("name"):
            return "No name"
        return None

    child_pages = {
        "contacts": ("CompanyContactsPage", ("company", "contacts")),
        "locations": ("CompanyLocationsPage", ("company", "locations")),
    }
    ids_per_request = 4

    def parse(self, node: dict) -> Parsed:
        # Shopify companies have no address or phone of their own: the first location's
        # billing address (else its shipping address) stands for the company's.
        locations = (node.get("locations") or {}).get("nodes") or []
        first = locations[0] if locations else {}
        address = first.get("billingAddress") or first.get("shippingAddress") or {}
        customers = [
            number(contact["customer"]["id"])
            for contact in (node.get("contacts") or {}).get("nodes") or []
            if contact.get("customer")
        ]
        return Parsed(
            shopify_id=number(node["id"]),
            updated_at=moment(node.get("updatedAt")),
            fields={
                "name": text(node.get("name")),
                "phone": text(first.get("phone")) or text(address.get("phone")),
                "address1": text(address.get("address1")),
                "address2": text(address.get("address2")),
                "city": text(address.get("city")),
                "province": text(address.get("zoneCode")),
                "postal_code": text(address.get("zip")),
                "country_code": text(address.get("countryCode")),
            },
            links={"customers": sorted(customers)},
        )

    def exclusion_reason(self, parsed: Parsed, filters: dict) -> str | None:
        # Shopify companies carry no domain, so a name is what they need.
        if filters.get("require_name_or_domain", True) and not parsed.fields["name"]:
            return "No name or domain"
        return None

    def save(self, store, records, *, defer=False) -> dict[int, int]:
        now = timezone.now()
        created = {
            record.shopify_id: Company(**record.fields, created_at=now, updated_at=now)
            for record, crm_id in records
            if crm_id is None
        }
        writes.insert(list(created.values()))
        result = {shopify_id: company.pk for shopify_id, company in created.items()}
        updates = updates_by_record(records)
        by_id = {crm_id: record for record, crm_id in updates}
        companies = list(Company.objects.filter(pk__any=list(by_id)))
        for company in companies:
            merge(company, by_id[company.pk].fields)
            company.updated_at = now
        writes.update(companies, list(FIELDS))
        result.update({record.shopify_id: crm_id for record, crm_id in updates})
        self._link_contacts(store, [(record, result[record.shopify_id]) for record, _ in records])
        return result

    def _link_contacts(self, store, pairs):
        """The company's contacts (customers the contacts sync maps) belong to it. A contact
        several customers share (one email) follows its primary customer's company only, or the
        company read last would win."""
        customers = crm_ids(
            store,
            "contacts",
            [customer for record, _ in pairs for customer in record.links["customers"]],
            primary_only=True,
        )
        for record, company_id in pairs:
            contact_ids = [customers[c] for c in record.links["customers"] if c in customers]
            if contact_ids:
                Contact.objects.filter(pk__in=contact_ids).exclude(company_id=company_id).update(
                    company_id=company_id, updated_at=timezone.now()
                )
