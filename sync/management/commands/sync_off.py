from django.core.management.base import BaseCommand

from sync import services
from sync.management import targets
from sync.models import SyncSetting


class Command(BaseCommand):
    help = (
        "Turn a store's syncs off: their runs stop, their data and mappings stay, so turning "
        "them on again duplicates nothing."
    )

    def add_arguments(self, parser):
        targets.add_shop_argument(parser)
        targets.add_objects_argument(parser)

    def handle(self, *args, shop, objects, **options):
        # Turning off needs no token: it works for a disconnected store too.
        store = targets.get_store(shop)
        enabled = set(
            SyncSetting.objects.filter(store=store, enabled=True).values_list(
                "object_type", flat=True
            )
        )
        for object_type in targets.parse_objects(objects):
            services.turn_off(store=store, object_type=object_type)
            state = "turned off" if object_type in enabled else "already off"
            self.stdout.write(f"{object_type}: {state}.")
