from django.core.management.base import BaseCommand

from sync import services
from sync.management import targets


class Command(BaseCommand):
    help = "Turn a store's syncs on: each one that was off starts its initial sync."

    def add_arguments(self, parser):
        targets.add_shop_argument(parser)
        targets.add_objects_argument(parser)

    def handle(self, *args, shop, objects, **options):
        store = targets.get_store(shop, connected=True)
        for object_type in targets.parse_objects(objects):
            try:
                run = services.turn_on(store=store, object_type=object_type)
            except ValueError as refused:  # the store's plan or its granted scopes
                self.stderr.write(f"{object_type}: not turned on. {refused}")
                continue
            if run is None:
                self.stdout.write(f"{object_type}: already on.")
            else:
                self.stdout.write(
                    f"{object_type}: {run.get_kind_display().lower()} started (run {run.pk})."
                )
