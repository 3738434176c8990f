"""Periodic work, run by exactly one `manage.py rqcron sync.cron` process.

Cron only enqueues cheap jobs onto the queues; the workers do the work, so more workers never
mean more cron runs. Per-sync schedules (the reconciliation interval) are columns, checked by
the sweep.
"""

from django.core.management import call_command
from rq import cron

from crm import triggers
from dashboards import refresh
from sync import jobs

# Reconciliation of every due sync, and the restart of bulk runs whose worker died.
cron.register(jobs.sweep, queue_name="default", interval=60)
# Every id and count compared with Shopify, at night.
cron.register(jobs.nightly_drift_check, queue_name="default", cron="23 2 * * *")
# Follow-up triggers: orders that entered a stage, carts abandoned long enough.
cron.register(triggers.scan, queue_name="default", interval=60)
# The report aggregates, rebuilt from scratch (the incremental path must give the same rows).
cron.register(refresh.rebuild_everything, queue_name="default", cron="41 3 * * *")
# Housekeeping: expired login sessions pile up in the database table otherwise.
cron.register(call_command, queue_name="default", args=("clearsessions",), cron="17 3 * * *")
