from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integration.services import ConnectError, normalize_shop_domain
from sync import adapters, services


class Command(BaseCommand):
    help = (
        "Connect a store installed as a custom app, with the Admin API access token Shopify "
        "showed for it: checks the token, saves the store, subscribes to the webhooks."
    )

    def add_arguments(self, parser):
        parser.add_argument("shop", help="the store's domain, e.g. your-store.myshopify.com")
        parser.add_argument("token", help="the custom app's Admin API access token (shpat_…)")
        parser.add_argument(
            "--scopes",
            default=",".join(adapters.scopes()),
            help="the scopes the custom app was given (default: the ones the syncs need)",
        )

    def handle(self, *args, shop, token, scopes, **options):
        try:
            domain = normalize_shop_domain(shop)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        try:
            store = services.connect_store(
                shop_domain=domain,
                access_token=token.strip(),
                scopes=[scope for scope in scopes.split(",") if scope],
                user=None,
            )
        except ConnectError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{store} ({store.shop_domain}) is connected."))
