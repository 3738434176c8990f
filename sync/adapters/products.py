"""Products ⇄ Shopify products, both ways, with their variants. Matched by product name; a
product deleted in Shopify is deleted in the CRM (unless another store still sells it)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from crm.models import Product, ProductVariant
from integration import ids
from integration.errors import ShopifyUserError
from integration.ids import moment, number
from sync import mappings, writes
from sync.adapters.base import Adapter, Parsed, lower, merge, text, updates_by_record
from sync.fieldmaps import ENUMERATION, LIST, NUMBER, TEXT, CrmField, ShopifyField

# Mapped alongside products: each Shopify variant is a CRM ProductVariant.
VARIANTS = "variants"

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
    label = "Products"
    model = Product
    gid_type = "Product"
    two_way = True
    admin_path = "products"
    child_mappings = {VARIANTS: "Product variants"}

    read_scopes = ("read_products",)
    write_scopes = ("write_products",)
    topics = {
        "products/create": ("id",),
        "products/update": ("id",),
        "products/delete": ("id",),
    }

    document = DOCUMENT
    bulk_operation = "ProductsBulk"
    changes_operation = "ProductsChanges"
    ids_operation = "ProductsByIds"
    ids_list_operation = "ProductsIds"
    root_field = "products"
    count_field = "productsCount"
    child_connections = {"ProductVariant": "variants"}
    child_pages = {"variants": ("ProductVariantsPage", ("product", "variants"))}
    ids_per_request = 8
    create_operation = ("ProductCreate", "productCreate", "product")
    update_operation = ("ProductUpdate", "productUpdate", "product")

    unfiltered = "Every product syncs, with its variants."
    shopify_fields = {
        "title": ShopifyField("Title", TEXT, "title"),
        "descriptionHtml": ShopifyField("Description", TEXT, "descriptionHtml"),
        "vendor": ShopifyField("Vendor", TEXT, "vendor"),
        "productType": ShopifyField("Product type", TEXT, "productType"),
        "status": ShopifyField("Status", ENUMERATION, "status"),
        "tags": ShopifyField("Tags", LIST, "tags"),
        "variants.first.sku": ShopifyField("SKU (first variant)", TEXT),
        "variants.first.price": ShopifyField("Price (first variant)", NUMBER),
    }
    crm_fields = {
        "name": CrmField("Name", TEXT),
        "description": CrmField("Description", TEXT),
        "vendor": CrmField("Vendor", TEXT),
        "product_type": CrmField("Product type", TEXT),
        "status": CrmField("Status", ENUMERATION),
        "tags": CrmField("Tags", LIST),
        "sku": CrmField("SKU", TEXT),
        "price": CrmField("Price", NUMBER),
    }
    default_maps = (
        ("name", "title"),
        ("description", "descriptionHtml"),
        ("vendor", "vendor"),
        ("product_type", "productType"),
        ("status", "status"),
        ("tags", "tags"),
        ("sku", "variants.first.sku"),
        ("price", "variants.first.price"),
    )
    matching_rule = "the same name, whatever its case"
    matched_by = frozenset({"name"})
    # A variant's SKU or price changed in the CRM: its product is pushed.
    changed_by = {Product: "pk", ProductVariant: "product_id"}

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
        variant_mappings = {
            mapping.crm_id: mapping
            for mapping in mappings.by_shopify_id(store, VARIANTS, shopify_variants).values()
        }
        changed = []
        for variant in ProductVariant.objects.filter(
            product=product, pk__any=list(variant_mappings)
        ):
            mapping = variant_mappings[variant.pk]
            theirs = shopify_variants[mapping.shopify_id]
            differs = (variant.sku, variant.price) != (
                text(theirs.get("sku")),
                Decimal(theirs.get("price") or "0"),
            )
            if differs and (mapping.synced_at is None or variant.updated_at > mapping.synced_at):
                changed.append(
                    {
                        "id": ids.gid("ProductVariant", mapping.shopify_id),
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
        mappings.of_store(store, VARIANTS).filter(crm_id__any=list(variant_mappings)).update(
            synced_at=timezone.now()
        )
        return self._complete(client, data["product"])

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

    def save(self, store, records, *, defer=False) -> dict[int, int]:
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
        known = mappings.crm_ids(store, VARIANTS, wanted_ids)
        existing = {
            variant.pk: variant
            for variant in ProductVariant.objects.filter(product__any=product_ids)
        }
        by_product = {}
        for variant in existing.values():
            by_product.setdefault(variant.product_id, []).append(variant)
        keep, create, update, pairs = set(), [], [], []
        for record, product_id in records:
            own = by_product.get(product_id, [])
            for child in record.children:
                values = {
                    key: child[key] for key in ("title", "sku", "price", "options", "position")
                }
                variant = existing.get(known.get(child["shopify_id"])) or _same_variant(
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
                pairs.append((child["shopify_id"], variant))
        # Variants this store mapped and Shopify no longer has: removed in Shopify.
        gone = (
            mappings.of_store(store, VARIANTS)
            .filter(crm_id__in=list(existing))
            .exclude(shopify_id__in=wanted_ids)
        )
        gone_ids = list(gone.values_list("crm_id", flat=True))
        ProductVariant.objects.filter(pk__in=gone_ids).exclude(pk__in=keep).delete()
        gone.delete()
        writes.insert(create)
        writes.update(update, ["title", "sku", "price", "options", "position"])
        mappings.save_pairs(store, VARIANTS, [(shopify_id, v.pk) for shopify_id, v in pairs])

    def delete(self, store, crm_ids_gone: list[int]) -> None:
        """Deleted in Shopify: deleted in the CRM, unless another store still maps to it."""
        shared = mappings.mapped_elsewhere(store, self.object_type, crm_ids_gone)
        Product.objects.filter(pk__in=set(crm_ids_gone) - shared).delete()


def _same_variant(own: list, child: dict, taken: set):
    """A CRM variant of the product that is this Shopify variant: same SKU, else same title."""
    for key in ("sku", "title"):
        if child[key]:
            for variant in own:
                if variant.pk not in taken and getattr(variant, key) == child[key]:
                    return variant
    return None
