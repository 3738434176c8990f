from django.core.management.base import BaseCommand, CommandError

from sync import services
from sync.management import targets
from sync.models import SyncSetting


class Command(BaseCommand):
    help = (
        "Read a store's objects again from Shopify and apply every record, unchanged ones "
        "included. Creates nothing twice."
    )

    def add_arguments(self, parser):
        targets.add_shop_argument(parser)
        targets.add_objects_argument(parser, default_help="every sync that is on")

    def handle(self, *args, shop, objects, **options):
        store = targets.get_store(shop, connected=True)
        enabled = set(
            SyncSetting.objects.filter(store=store, enabled=True).values_list(
                "object_type", flat=True
            )
        )
        if objects is None:
            wanted = [name for name in targets.parse_objects(None) if name in enabled]
            if not wanted:
                raise CommandError(f"No sync of {store.shop_domain} is on; nothing to resync.")
        else:
            wanted = targets.parse_objects(objects)
            # Refuse before starting anything: never half of what was asked.
            off = [name for name in wanted if name not in enabled]
            if off:
                raise CommandError(
                    f"The {', '.join(off)} sync of {store.shop_domain} is off; turn it on "
                    f"first (manage.py sync_on {store.shop_domain} --objects {','.join(off)})."
                )
        for object_type in wanted:
            run = services.resync(store=store, object_type=object_type)
            self.stdout.write(
                f"{object_type}: {run.get_kind_display().lower()} started (run {run.pk})."
            )
