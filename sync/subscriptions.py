"""Each store's webhook subscriptions, kept alive.

Shopify retries a failed delivery 8 times over 4 hours and, after 8 consecutive failures,
deletes a subscription made through the API (after warning emails to the app's developer):
an outage of the app's address for some hours, and real-time sync would stop for good without
a word. So every ten minutes, and when deliveries waited too long for their job, each
connected store's subscriptions are compared with the topics its syncs listen to, and what is
missing is created again. The syncs whose topics were missing are reconciled at once (what
changed meanwhile arrives; reconciliation kept them current all along), and their health page
says when the subscriptions came back.
Changelog "Updates to webhook retry mechanism"; https://shopify.dev/docs/apps/build/webhooks
"""

from __future__ import annotations

import logging

from django.utils import timezone

from config import queues
from integration import services as integration
from integration.models import Store
from sync import adapters
from sync.adapters import ADAPTERS
from sync.models import SyncSetting, SyncState

log = logging.getLogger(__name__)


def check(store_id: int) -> list[str]:
    """The job: create again what Shopify deleted of the store's subscriptions. Returns the
    topics that had been subscribed and were missing."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None or not store.can_sync:
        return []
    subscribed_before = {topic for topic, reason in store.webhook_topics.items() if not reason}
    created: list[str] = []
    integration.subscribe(store, adapters.topics(store), created)
    lost = sorted(topic for topic in created if topic in subscribed_before)
    if lost:
        log.warning("%s: Shopify had deleted the webhooks %s; created again", store, lost)
        _note_restored(store, lost)
    return lost


def check_everywhere() -> None:
    """Cron, every ten minutes: one check per connected store."""
    for store_id in Store.objects.connected().values_list("pk", flat=True):
        queues.enqueue("check_subscriptions", store_id, once=True)


def _note_restored(store, topics: list[str]) -> None:
    now = timezone.now().isoformat()
    for setting in SyncSetting.objects.filter(store=store, enabled=True):
        mine = [topic for topic in topics if topic in ADAPTERS[setting.object_type].topics]
        if not mine:
            continue
        restored = {**setting.webhooks_restored, **dict.fromkeys(mine, now)}
        SyncSetting.objects.filter(pk=setting.pk).update(webhooks_restored=restored)
        if setting.state == SyncState.ON and setting.watermark is not None:
            queues.enqueue("reconcile", setting.pk, once=True)
