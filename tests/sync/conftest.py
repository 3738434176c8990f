import base64
import datetime
import hashlib
import hmac
import itertools
import json
import uuid

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission

from integration.models import Store
from sync.adapters import scopes
from sync.models import (
    RecordMapping,
    RunKind,
    RunStatus,
    SyncIssue,
    SyncRun,
    SyncSetting,
    SyncState,
)


@pytest.fixture
def store(db):
    """A store on Shopify Plus that granted every scope the syncs use."""
    store = Store(
        shop_domain="alpha.myshopify.com",
        name="Alpha",
        currency="SEK",
        plan="Shopify Plus",
        shopify_plus=True,
        scopes=",".join(scopes()),
    )
    store.set_access_token("shpat_test")
    store.save()
    return store


def sign(body: bytes, secret: str | None = None) -> str:
    secret = secret or settings.SHOPIFY_API_SECRET
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def deliver(client):
    """POST a webhook to the intake as Shopify would (override any header with a keyword)."""

    def post(
        topic,
        payload,
        *,
        shop="alpha.myshopify.com",
        webhook_id=None,
        prefix="X-",
        signature=None,
        raw=None,
        event_id=None,
        triggered_at=None,
        **extra_headers,
    ):
        body = raw if raw is not None else json.dumps(payload).encode()
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
        headers = {
            f"{prefix}Shopify-Topic": topic,
            f"{prefix}Shopify-Hmac-Sha256": signature if signature is not None else sign(body),
            f"{prefix}Shopify-Shop-Domain": shop,
            f"{prefix}Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            f"{prefix}Shopify-Event-Id": event_id or str(uuid.uuid4()),
            f"{prefix}Shopify-API-Version": "2026-10",
            f"{prefix}Shopify-Triggered-At": triggered_at or now.replace("+00:00", "Z"),
            **{f"{prefix}Shopify-{name.replace('_', '-')}": v for name, v in extra_headers.items()},
        }
        return client.post(
            "/shopify/webhooks", data=body, content_type="application/json", headers=headers
        )

    return post


# Health, admin and operator-command fixtures: rows built directly with the ORM.

MOMENT = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def make_store(db):
    def make(shop_domain, **fields):
        made = Store(shop_domain=shop_domain, name=shop_domain.split(".")[0].title(), **fields)
        made.set_access_token("shpat_test")
        made.save()
        return made

    return make


@pytest.fixture
def make_setting(store):
    def make(object_type="contacts", *, on=True, **fields):
        values = {
            "store": store,
            "enabled": on,
            "state": SyncState.ON if on else SyncState.OFF,
            "watermark": MOMENT if on else None,
        }
        return SyncSetting.objects.create(object_type=object_type, **{**values, **fields})

    return make


@pytest.fixture
def make_mappings(store):
    """`count` mappings of one state; Shopify and CRM ids never repeat within a test."""
    numbers = itertools.count(1001)
    default_store = store

    def make(object_type, state, count=1, *, reason="", store=None):
        rows = []
        for _ in range(count):
            number = next(numbers)
            rows.append(
                RecordMapping(
                    store=store or default_store,
                    object_type=object_type,
                    shopify_id=number,
                    crm_id=number,
                    state=state,
                    reason=reason,
                    shopify_updated_at=MOMENT,
                    synced_at=MOMENT,
                )
            )
        return RecordMapping.objects.bulk_create(rows)

    return make


@pytest.fixture
def make_run(store):
    def make(object_type="contacts", *, created_at=MOMENT, **fields):
        values = {"store": store, "kind": RunKind.INITIAL, "status": RunStatus.SUCCEEDED}
        run = SyncRun.objects.create(object_type=object_type, **{**values, **fields})
        # created_at is auto_now_add: set it afterwards so "latest" is what the test says.
        SyncRun.objects.filter(pk=run.pk).update(created_at=created_at)
        run.refresh_from_db()
        return run

    return make


@pytest.fixture
def make_issue(store):
    def make(shopify_id, *, object_type="contacts", error="ValueError: bad", **fields):
        times = {
            "first_seen_at": fields.pop("first_seen_at", MOMENT),
            "last_seen_at": fields.pop("last_seen_at", MOMENT),
        }
        issue = SyncIssue.objects.create(
            store=fields.pop("store", store),
            object_type=object_type,
            shopify_id=shopify_id,
            error=error,
            **fields,
        )
        # first_seen_at and last_seen_at are automatic: set them afterwards.
        SyncIssue.objects.filter(pk=issue.pk).update(**times)
        issue.refresh_from_db()
        return issue

    return make


SYNC_VIEW_PERMISSIONS = ["view_syncsetting", "view_syncrun", "view_syncissue", "view_recordmapping"]


def _staff_with(django_user_model, username, codenames):
    user = django_user_model.objects.create_user(
        username=username, password="password", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="sync", codename__in=codenames)
    )
    return user


@pytest.fixture
def sync_viewer(django_user_model):
    """Staff who may see the sync pages, not turn syncs on or off."""
    return _staff_with(django_user_model, "viewer", SYNC_VIEW_PERMISSIONS)


@pytest.fixture
def sync_operator(django_user_model):
    """Staff who may see the sync pages and manage syncs (sync.manage_syncs)."""
    return _staff_with(django_user_model, "operator", [*SYNC_VIEW_PERMISSIONS, "manage_syncs"])
