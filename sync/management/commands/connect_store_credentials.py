import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integration import services as integration
from integration.services import ConnectError, normalize_shop_domain
from sync import services


class Command(BaseCommand):
    # Tests give the secret as `stdin=`, as Django's createsuperuser takes its input.
    stealth_options = ("stdin",)
    help = (
        "Connect a store whose app was made in Shopify's Dev Dashboard for it: the app's client "
        "id and secret give tokens by the client-credentials grant (they expire, and are asked "
        "for again the same way)."
    )

    def add_arguments(self, parser):
        parser.add_argument("shop", help="the store's domain, e.g. your-store.myshopify.com")
        parser.add_argument("client_id", help="the app's client ID (Dev Dashboard → Settings)")
        parser.add_argument(
            "--client-secret-file",
            help="a file holding the app's client secret (default: read it from standard input)",
        )

    def handle(self, *args, shop, client_id, client_secret_file, **options):
        try:
            domain = normalize_shop_domain(shop)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        secret = self._secret(client_secret_file, options.get("stdin", sys.stdin))
        try:
            grant = integration.client_credentials_grant(domain, client_id.strip(), secret)
            store = services.connect_store(shop_domain=domain, grant=grant, user=None)
        except ConnectError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{store} ({store.shop_domain}) is connected."))

    def _secret(self, path: str | None, stdin) -> str:
        # Not an argument: a secret on a command line ends up in shell histories and `ps`.
        if path:
            with open(path) as file:
                secret = file.read().strip()
        else:
            secret = stdin.read().strip()
        if not secret:
            raise CommandError("Give the client secret on standard input or in a file.")
        return secret
