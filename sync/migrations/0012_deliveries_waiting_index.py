from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking the table: the webhook intake writes to it all the time, and a
    # plain CREATE INDEX would hold its INSERTs until the index is built.
    atomic = False

    dependencies = [
        ("integration", "0003_store_country"),
        ("sync", "0011_new_crm_records_option"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("state", "received")),
                fields=["store", "id"],
                name="sync_delivery_waiting",
            ),
        ),
    ]
