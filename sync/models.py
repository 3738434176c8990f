"""The sync's own records: what arrived from Shopify and what became of it."""

from django.db import models

from integration.models import Store


class DeliveryState(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """A webhook Shopify delivered, stored before the answer so nothing accepted is lost.
    Shopify delivers at least once and retries with the same webhook id: the unique id makes a
    repeat a no-op."""

    webhook_id = models.CharField(max_length=255, unique=True)
    event_id = models.CharField(max_length=255, blank=True, db_index=True)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_deliveries")
    topic = models.CharField(max_length=100)
    api_version = models.CharField(max_length=16, blank=True)
    body = models.TextField(help_text="The raw JSON body, as signed")
    triggered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    state = models.CharField(
        max_length=16, choices=DeliveryState, default=DeliveryState.RECEIVED, db_index=True
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["store", "topic"], name="sync_delivery_store_topic")]

    def __str__(self):
        return f"{self.topic} from {self.store_id} ({self.webhook_id})"
