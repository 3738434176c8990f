"""Job entry points: take ids, load rows, call one service, return quietly if the row is gone.
A job may run twice or be killed at any moment; the services make that harmless."""

from sync import services
from sync.models import WebhookDelivery


def run_webhook_delivery(delivery_id: int):
    delivery = WebhookDelivery.objects.select_related("store").filter(pk=delivery_id).first()
    if delivery is None:
        return
    services.process_delivery(delivery)
