"""The lists a merchant reads most fit a 1280 px screen: the syncs, their runs and the order
board show every column without scrolling sideways, however many stages or syncs there are."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from crm import services
from crm.models import Order, Pipeline
from integration.models import Store
from sync.models import SyncRun, SyncSetting

pytestmark = pytest.mark.django_db(transaction=True)

# Elements that scroll sideways (or the page itself) because their content is wider.
OVERFLOWING = """() => {
  const wide = [...document.querySelectorAll('*')].filter(element => {
    const style = getComputedStyle(element);
    return ['auto', 'scroll'].includes(style.overflowX)
      && element.scrollWidth > element.clientWidth + 1;
  }).map(element => element.className || element.tagName);
  if (document.documentElement.scrollWidth > window.innerWidth) wide.push('the page');
  return wide;
}"""


@pytest.fixture
def busy_shop():
    for domain, name in (("alpha.myshopify.com", "Alpha Goods"), ("beta.myshopify.com", "Beta")):
        store = Store(shop_domain=domain, name=name, currency="EUR")
        store.set_access_token("shpat_test")
        store.save()
        for object_type in ("contacts", "companies", "products", "orders", "carts"):
            SyncSetting.objects.create(
                store=store,
                object_type=object_type,
                enabled=True,
                state="on",
                watermark=timezone.now(),
                last_reconciled_at=timezone.now(),
            )
            SyncRun.objects.create(
                store=store,
                object_type=object_type,
                kind="initial",
                status="succeeded",
                seen=120_345,
                total=120_345,
                created=120_000,
                updated=300,
                unchanged=45,
                summary="120,345 records: 120,000 created, 300 updated, 45 unchanged.",
            )
            SyncRun.objects.create(
                store=store,
                object_type=object_type,
                kind="reconcile",
                status="failed",
                error="Shopify answered 503 Service Unavailable three times; retried later.",
            )
    pipeline = Pipeline.objects.get(is_default=True)
    with transaction.atomic():
        for label in ("Awaiting payment", "Packing", "Handed to carrier", "Returned"):
            services.add_pipeline_stage(pipeline=pipeline, label=label)
    for number, stage in enumerate(pipeline.stages.all()):
        Order.objects.create(
            source_store="alpha.myshopify.com",
            name=f"#{1000 + number}",
            currency="EUR",
            presentment_currency="EUR",
            total=Decimal("1234.50"),
            pipeline_stage=stage,
            processed_at=timezone.now() - datetime.timedelta(hours=number),
        )


@pytest.mark.parametrize(
    "path", ["/admin/sync/syncsetting/", "/admin/sync/syncrun/", "/crm/orders/board/"]
)
def test_the_list_fits_1280_px(live_server, page, superuser, busy_shop, path, tmp_path):
    page.goto(f"{live_server.url}/admin/login/?next={path}")
    page.fill("#id_username", "root")
    page.fill("#id_password", "root-password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}{path}")

    assert page.viewport_size["width"] == 1280
    page.screenshot(path=tmp_path / "list.png", full_page=True)
    assert page.evaluate(OVERFLOWING) == []
