"""Periodic work, run by exactly one `manage.py rqcron sync.cron` process: named entries, one job
each.

Cron only runs cheap jobs that queue the real work; the workers do it, so more workers never
mean more cron runs. Per-sync schedules (the reconciliation interval) are columns, read by the
entry that queues the reconciliations.
"""

from django.core.management import call_command
from rq import cron

from crm import triggers
from dashboards import refresh
from sync import deliveries, push, runs, subscriptions

EVERY_MINUTE = 60


def every_minute(function, name: str):
    cron.register(function, queue_name="default", interval=EVERY_MINUTE, name=name)


def nightly(function, name: str, at: str, *args):
    cron.register(function, queue_name="default", cron=at, args=args or None, name=name)


# The syncs: reconciliation of every sync whose interval is due; bulk runs whose worker died,
# or that waited for Shopify, go on; runs whose worker died are marked failed.
every_minute(runs.reconcile_due, "reconcile due syncs")
every_minute(runs.restart_stalled, "restart stalled bulk runs")
every_minute(runs.fail_abandoned, "fail abandoned runs")
# Webhook deliveries and CRM changes whose job was lost (Redis down, a worker killed).
every_minute(deliveries.requeue_waiting, "requeue waiting webhook deliveries")
every_minute(push.requeue_waiting, "requeue waiting pushes")
# Webhook subscriptions Shopify deleted after failed deliveries, created again.
cron.register(
    subscriptions.check_everywhere,
    queue_name="default",
    interval=10 * EVERY_MINUTE,
    name="check webhook subscriptions",
)
# Every id and count compared with Shopify, at night.
nightly(runs.check_drift_everywhere, "drift check", "23 2 * * *")
# Follow-up triggers: orders that entered a stage, carts abandoned long enough.
every_minute(triggers.scan, "follow-up triggers")
# The report aggregates, rebuilt from scratch (the incremental path must give the same rows).
nightly(refresh.rebuild_everything, "rebuild report aggregates", "41 3 * * *")
# Housekeeping: expired login sessions pile up in the database table otherwise.
nightly(call_command, "clear expired sessions", "17 3 * * *", "clearsessions")
