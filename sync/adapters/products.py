"""Products ⇐ Shopify products, with their variants. Matched by product name; a product
deleted in Shopify is deleted in the CRM (unless another store still sells it)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models.functions import Lower
from django.utils import timezone

from crm.models import Product, ProductVariant
from integration.client import ShopifyUserError
from sync import writes
from sync.adapters.base import Adapter, Parsed, lower, moment, number, text, updates_by_record
from sync.adapters.contacts import merge
from sync.mappings import crm_ids, save_mappings
from sync.models import VARIANTS, RecordMapping

DOCUMENT = """
query ProductsBulk {
  products {
    edges {
      node {
        ...ProductFields
        variants { edges { node { ...VariantFields } } }
      }
    }
  }
}

query ProductsChanges($query: String!, $after: String) {
  products(first: 250, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}

query ProductsByIds($ids: [ID!]!) {
  nodes(ids: $ids) {
    ...ProductFields
    ... on Product {
      variants(first: 50) {
        nodes { ...VariantFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}

query ProductVariantsPage($id: ID!, $after: String) {
  product(id: $id) {
    variants(first: 250, after: $after) {
      nodes { ...VariantFields }
      pageInfo { hasNextPage endCursor }
    }
  }
}

query ProductsIds {
  products { edges { node { id updatedAt } } }
}

mutation ProductCreate($product: ProductCreateInput!) {
  productCreate(product: $product) {
    product { ...ProductPushed }
    userErrors { field message }
  }
}

mutation ProductUpdate($product: ProductUpdateInput!) {
  productUpdate(product: $product) {
    product { ...ProductPushed }
    userErrors { field message }
  }
}

mutation ProductVariantsUpdate($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    product { ...ProductPushed }
    userErrors { field message }
  }
}

fragment ProductPushed on Product {
  ...ProductFields
  variants(first: 50) {
    nodes { ...VariantFields }
    pageInfo { hasNextPage endCursor }
  }
}

fragment ProductFields on Product {
  id
  updatedAt
  title
  descriptionHtml
  vendor
  productType
  status
  tags
}

fragment VariantFields on ProductVariant {
  id
  title
  sku
  price
  position
  selectedOptions { name value }
}
"""

FIELDS = ("name", "description", "sku", "price", "status", "vendor", "product_type", "tags")


class ProductAdapter(Adapter):
    object_type = "products"
    model = Product
    gid_type = "Product"
    document = DOCUMENT
    bulk_operation = "ProductsBulk"
    changes_operation = "ProductsChanges"
    ids_operation = "ProductsByIds"
    ids_list_operation = "ProductsIds"
    root_field = "products"
    child_connections = {"ProductVariant": "variants"}
    create_operation = ("ProductCreate", "productCreate", "product")
    update_operation = ("ProductUpdate", "productUpdate", "product")

    def push_variables(self, shopify_id: int | None, values: dict) -> dict:
        values = dict(values)
        if "status" in values:
            values["status"] = values["status"].upper()
        if shopify_id is None:
            return {"product": values}
        return {"product": {"id": self.gid(shopify_id), **values}}

    def outbound_exclusion(self, values: dict, filters: dict) -> str | None:
        if not values.get("name"):
            return "No name"
        return None

    def push_children(self, client, store, product, node: dict) -> dict | None:
        """Variants whose SKU or price changed in the CRM since they last synced go to
        Shopify in one productVariantsBulkUpdate. Returns the product's node after it, or None
        when nothing was sent."""
        shopify_variants = {
            number(variant["id"]): variant
            for variant in (node.get("variants") or {}).get("nodes") or []
        }
        mappings = {
            mapping.crm_id: mapping
            for mapping in RecordMapping.objects.filter(
                store=store, object_type=VARIANTS, shopify_id__any=list(shopify_variants)
            )
        }
        changed = []
        for variant in ProductVariant.objects.filter(product=product, pk__any=list(mappings)):
            mapping = mappings[variant.pk]
            theirs = shopify_variants[mapping.shopify_id]
            differs = (variant.sku, variant.price) != (
                text(theirs.get("sku")),
                Decimal(theirs.get("price") or "0"),
            )
            if differs and (mapping.synced_at is None or variant.updated_at > mapping.synced_at):
                changed.append(
                    {
                        "id": f"gid://shopify/ProductVariant/{mapping.shopify_id}",
                        "price": format(variant.price, "f"),
                        "inventoryItem": {"sku": variant.sku},
                    }
                )
        if not changed:
            return None
        data = client.execute(
            self.document,
            {"productId": node["id"], "variants": changed},
            "ProductVariantsUpdate",
        )["productVariantsBulkUpdate"]
        if data["userErrors"]:
            message = "; ".join(error["message"] for error in data["userErrors"])
            raise ShopifyUserError(message, errors=data["userErrors"])
        RecordMapping.objects.filter(
            store=store, object_type=VARIANTS, crm_id__any=list(mappings)
        ).update(synced_at=timezone.now())
        return self._complete(client, data["product"])

    child_pages = {"variants": ("ProductVariantsPage", ("product", "variants"))}
    ids_per_request = 8

    def parse(self, node: dict) -> Parsed:
        variants = sorted(
            (node.get("variants") or {}).get("nodes") or [], key=lambda v: v.get("position") or 0
        )
        children = [
            {
                "shopify_id": number(variant["id"]),
                "title": text(variant.get("title")),
                "sku": text(variant.get("sku")),
                "price": Decimal(variant.get("price") or "0"),
                "options": [
                    {"name": option["name"], "value": option["value"]}
                    for option in variant.get("selectedOptions") or []
                ],
                "position": variant.get("position") or index,
            }
            for index, variant in enumerate(variants)
        ]
        prices = [child["price"] for child in children]
        return Parsed(
            shopify_id=number(node["id"]),
            updated_at=moment(node.get("updatedAt")),
            fields={
                "name": text(node.get("title")),
                "description": node.get("descriptionHtml") or "",
                "sku": next((child["sku"] for child in children if child["sku"]), ""),
                "price": min(prices) if prices else None,
                "status": lower(node.get("status")) or "active",
                "vendor": text(node.get("vendor")),
                "product_type": text(node.get("productType")),
                "tags": sorted(node.get("tags") or []),
            },
            children=children,
        )

    def match_existing(self, store, records: list[Parsed]) -> dict[int, int]:
        names = {lower(record.fields["name"]) for record in records if record.fields["name"]}
        existing = {}
        for key, crm_id in (
            Product.objects.annotate(key=Lower("name"))
            .filter(key__any=names)
            .order_by("id")
            .values_list("key", "id")
        ):
            existing.setdefault(key, crm_id)
        return {
            record.shopify_id: existing[lower(record.fields["name"])]
            for record in records
            if lower(record.fields["name"]) in existing
        }

    def save(self, store, records: list[tuple[Parsed, int | None]]) -> dict[int, int]:
        now = timezone.now()
        created = {
            record.shopify_id: Product(
                **record.fields, currency=store.currency, created_at=now, updated_at=now
            )
            for record, crm_id in records
            if crm_id is None
        }
        writes.insert(list(created.values()))
        result = {shopify_id: product.pk for shopify_id, product in created.items()}
        updates = updates_by_record(records)
        by_id = {crm_id: record for record, crm_id in updates}
        products = list(Product.objects.filter(pk__any=list(by_id)))
        for product in products:
            merge(product, by_id[product.pk].fields)
            product.currency = product.currency or store.currency
            product.updated_at = now
        writes.update(products, [*FIELDS, "currency"])
        result.update({record.shopify_id: crm_id for record, crm_id in updates})
        self._save_variants(store, [(record, result[record.shopify_id]) for record, _ in records])
        return result

    def _save_variants(self, store, records: list[tuple[Parsed, int]]):
        """Each product's variants as Shopify has them: mapped ones updated, new ones matched
        (by SKU, then title) or created, ones Shopify removed deleted."""
        now = timezone.now()
        product_ids = [crm_id for _, crm_id in records]
        wanted_ids = [child["shopify_id"] for record, _ in records for child in record.children]
        mapped = crm_ids(store, VARIANTS, wanted_ids)
        existing = {
            variant.pk: variant
            for variant in ProductVariant.objects.filter(product__any=product_ids)
        }
        by_product = {}
        for variant in existing.values():
            by_product.setdefault(variant.product_id, []).append(variant)
        keep, create, update, mappings = set(), [], [], []
        for record, product_id in records:
            own = by_product.get(product_id, [])
            for child in record.children:
                values = {
                    key: child[key] for key in ("title", "sku", "price", "options", "position")
                }
                variant = existing.get(mapped.get(child["shopify_id"])) or _same_variant(
                    own, child, keep
                )
                if variant is None:
                    variant = ProductVariant(product_id=product_id, created_at=now, **values)
                    create.append(variant)
                else:
                    for key, value in values.items():
                        setattr(variant, key, value)
                    variant.updated_at = now
                    update.append(variant)
                    keep.add(variant.pk)
                mappings.append((child["shopify_id"], variant))
        # Variants this store mapped and Shopify no longer has: removed in Shopify.
        gone = RecordMapping.objects.filter(
            store=store, object_type=VARIANTS, crm_id__in=list(existing)
        ).exclude(shopify_id__in=wanted_ids)
        gone_ids = list(gone.values_list("crm_id", flat=True))
        ProductVariant.objects.filter(pk__in=gone_ids).exclude(pk__in=keep).delete()
        gone.delete()
        writes.insert(create)
        writes.update(update, ["title", "sku", "price", "options", "position"])
        save_mappings(store, VARIANTS, [(shopify_id, v.pk) for shopify_id, v in mappings])

    def delete(self, store, crm_ids_gone: list[int]) -> None:
        """Deleted in Shopify: deleted in the CRM, unless another store still maps to it."""
        shared = set(
            RecordMapping.objects.filter(object_type="products", crm_id__in=crm_ids_gone)
            .exclude(store=store)
            .exclude(state="deleted")
            .values_list("crm_id", flat=True)
        )
        Product.objects.filter(pk__in=set(crm_ids_gone) - shared).delete()


def _same_variant(own: list, child: dict, taken: set):
    """A CRM variant of the product that is this Shopify variant: same SKU, else same title."""
    for key in ("sku", "title"):
        if child[key]:
            for variant in own:
                if variant.pk not in taken and getattr(variant, key) == child[key]:
                    return variant
    return None
