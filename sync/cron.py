"""Periodic work, run by exactly one `manage.py rqcron sync.cron` process.

Cron only enqueues cheap jobs onto the queues; the workers do the work, so more workers never
mean more cron runs.
"""

from django.core.management import call_command
from rq import cron

# Housekeeping: expired login sessions pile up in the database table otherwise.
cron.register(call_command, queue_name="default", args=("clearsessions",), cron="17 3 * * *")
