import json

from django.core.management.base import BaseCommand

from sync.health import store_health
from sync.management import targets


class Command(BaseCommand):
    help = (
        "How each sync of a store is doing: its state, its records in sync, excluded and "
        "failing, its last run and its watermark."
    )

    def add_arguments(self, parser):
        targets.add_shop_argument(parser)
        parser.add_argument(
            "--json", action="store_true", help="one JSON document, a stable interface"
        )

    def handle(self, *args, shop, **options):
        health = store_health(targets.get_store(shop))
        if options["json"]:
            self.stdout.write(json.dumps(health, indent=2))
            return
        self.stdout.write(health["shop"])
        for object_type, status in health["objects"].items():
            self.stdout.write(
                f"  {object_type:10} {status['state']:13} in sync {status['in_sync']}, "
                f"excluded {status['excluded']}, failing {status['failing']}; "
                f"last run: {_describe(status['last_run'])}; "
                f"watermark: {status['watermark'] or '-'}"
            )


def _describe(run) -> str:
    if run is None:
        return "none"
    total = "?" if run["total"] is None else run["total"]
    percent = f" ({min(run['done'] * 100 // run['total'], 100)}%)" if run["total"] else ""
    return f"{run['kind']} {run['status']}, {run['done']}/{total}{percent}"
