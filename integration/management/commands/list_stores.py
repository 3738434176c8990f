import json

from django.core.management.base import BaseCommand

from integration.models import Store


class Command(BaseCommand):
    help = "List the connected Shopify stores (never their tokens)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON document, for scripts")

    def handle(self, *args, **options):
        stores = [
            {
                "shop": store.shop_domain,
                "name": store.name,
                "status": store.status,
                "currency": store.currency,
                "timezone": store.timezone,
                "scopes": store.scope_list,
                "connected_at": store.connected_at.isoformat() if store.connected_at else None,
                "connected_by": store.connected_by.get_username() if store.connected_by else None,
            }
            for store in Store.objects.select_related("connected_by")
        ]
        if options["json"]:
            self.stdout.write(json.dumps({"stores": stores}, indent=2))
            return
        if not stores:
            self.stdout.write("No stores are connected.")
            return
        for store in stores:
            self.stdout.write(
                f"{store['shop']:40} {store['status']:13} {store['name']} "
                f"({store['currency'] or '-'}, connected {store['connected_at'] or '-'})"
            )
