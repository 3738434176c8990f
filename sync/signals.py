"""Every save of a contact, company or product — the admin, staff pages, the API, commands —
queues its push to Shopify (services.crm_record_changed). A signal rather than calls at each
place, so no way of changing a record can forget it. The inbound sync writes with COPY and
queryset updates, which send no signal: what came from Shopify is never pushed back."""

from django.db.models.signals import post_save

from crm.models import Company, Contact, Product, ProductVariant

OBJECT_TYPES = {Contact: "contacts", Company: "companies", Product: "products"}


def record_saved(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: not a change anyone made
        return
    from sync import services

    services.crm_record_changed(OBJECT_TYPES[sender], instance.pk)


def variant_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from sync import services

    services.crm_record_changed("products", instance.product_id)


def connect():
    for model in OBJECT_TYPES:
        post_save.connect(record_saved, sender=model, dispatch_uid=f"sync-push-{model.__name__}")
    post_save.connect(variant_saved, sender=ProductVariant, dispatch_uid="sync-push-variant")
