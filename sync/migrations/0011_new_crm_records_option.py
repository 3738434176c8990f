"""Syncs of contacts, companies and products saved before "Send records created in the CRM to
this store" existed sent them to every store. Each object's first store keeps doing so; the
stores connected after it stop (their Limit step can turn it back on), as a new sync of a
second store starts (sync.outbound)."""

from django.db import migrations

TWO_WAY = ("contacts", "companies", "products")
KEY = "send_new_crm_records"


def give_the_option(apps, schema_editor):
    SyncSetting = apps.get_model("sync", "SyncSetting")
    for object_type in TWO_WAY:
        settings = SyncSetting.objects.filter(object_type=object_type).order_by("created_at", "id")
        for index, setting in enumerate(settings):
            if KEY in (setting.filters or {}):
                continue
            setting.filters = {**(setting.filters or {}), KEY: index == 0}
            setting.save(update_fields=["filters"])


class Migration(migrations.Migration):
    dependencies = [("sync", "0010_checkout_emails_from_webhooks")]

    operations = [migrations.RunPython(give_the_option, migrations.RunPython.noop)]
