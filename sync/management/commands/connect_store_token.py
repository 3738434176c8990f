from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integration.services import ConnectError, normalize_shop_domain
from sync import services


class Command(BaseCommand):
    help = (
        "Connect a store with a legacy custom app's Admin API access token (shpat_…; none can "
        "be made since 2026-01-01): checks the token, reads the scopes it was granted, saves the "
        "store, subscribes to the webhooks."
    )

    def add_arguments(self, parser):
        parser.add_argument("shop", help="the store's domain, e.g. your-store.myshopify.com")
        parser.add_argument("token", help="the custom app's Admin API access token (shpat_…)")

    def handle(self, *args, shop, token, **options):
        try:
            domain = normalize_shop_domain(shop)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        try:
            store = services.connect_store_token(shop_domain=domain, access_token=token.strip())
        except ConnectError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{store} ({store.shop_domain}) is connected."))
