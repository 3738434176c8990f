"""The sync's own records: what is turned on, which CRM record each Shopify record is, what ran,
what failed, and what arrived from Shopify."""

from django.db import models
from django.db.models import Q

from integration.models import Store
from sync.durations import every
from sync.registry import ADAPTERS, object_choices, object_label


class SyncState(models.TextChoices):
    OFF = "off", "Off"
    INITIAL_SYNC = "initial_sync", "Initial sync"
    ON = "on", "On"
    ERROR = "error", "Error"


class Direction(models.TextChoices):
    TWO_WAY = "two_way", "Two-way"
    TO_CRM = "to_crm", "Shopify to CRM"
    TO_SHOPIFY = "to_shopify", "CRM to Shopify"


class ConflictRule(models.TextChoices):
    MOST_RECENT = "most_recent", "Most recently updated wins"
    CRM_WINS = "crm_wins", "CRM wins"
    SHOPIFY_WINS = "shopify_wins", "Shopify wins"


class SyncSettingQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True, store__status="connected")


class SyncSetting(models.Model):
    """One object pair of one store: whether it syncs, how, and how far reconciliation got."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="sync_settings")
    object_type = models.CharField(max_length=16, choices=object_choices)
    enabled = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=SyncState, default=SyncState.OFF)
    direction = models.CharField(max_length=16, choices=Direction, default=Direction.TO_CRM)
    conflict_rule = models.CharField(
        max_length=16, choices=ConflictRule, default=ConflictRule.MOST_RECENT
    )
    filters = models.JSONField(default=dict, blank=True)
    # Orders: the pipeline the store's orders go to (the default one when empty), and which
    # stage each order status goes to ({status: stage id}; empty: the default mapping).
    pipeline = models.ForeignKey(
        "crm.Pipeline", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage_mapping = models.JSONField(default=dict, blank=True)
    # Reconciliation reads `updated_at >=` this minus an overlap; moved only after a commit.
    watermark = models.DateTimeField(null=True, blank=True)
    reconcile_interval = models.PositiveIntegerField(
        default=300, help_text="Seconds between reconciliation runs"
    )
    last_reconciled_at = models.DateTimeField(null=True, blank=True)
    # The protected customer fields Shopify withholds from the app (its reads say so), as the
    # pair's paths: the CRM keeps its own values of them.
    withheld = models.JSONField(default=list, blank=True)
    # How many more records the CRM knew than Shopify counted when reconciliation last asked
    # the drift check to find which were deleted (it is not asked again for the same gap).
    count_gap_checked = models.IntegerField(null=True, blank=True, editable=False)
    # Webhook topics Shopify had deleted (after failed deliveries) and the sync created again:
    # topic → when (ISO time), for its health page.
    webhooks_restored = models.JSONField(default=dict, blank=True, editable=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SyncSettingQuerySet.as_manager()

    class Meta:
        ordering = ["store", "object_type"]
        verbose_name = "sync"
        permissions = [("manage_syncs", "Can turn syncs on and off and resync")]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "object_type"], name="sync_setting_one_per_object"
            )
        ]

    def __str__(self):
        return f"{self.store}: {self.get_object_type_display()}"

    @property
    def reconcile_every(self) -> str:
        """The reconciliation interval as a person says it: "5 minutes", "90 seconds", "1 hour"."""
        return every(self.reconcile_interval)

    @property
    def pushes(self) -> bool:
        """Whether CRM changes of this sync's records go to Shopify."""
        adapter = ADAPTERS.get(self.object_type)
        return (
            adapter is not None
            and adapter.two_way
            and self.enabled
            and self.state != SyncState.OFF
            and self.direction in (Direction.TWO_WAY, Direction.TO_SHOPIFY)
            and self.store.can_sync
            and not adapter.missing_scopes(self.store, pushing=True)
        )


class MappingState(models.TextChoices):
    SYNCED = "synced", "In sync"
    EXCLUDED = "excluded", "Excluded"
    FAILING = "failing", "Failing"
    DELETED = "deleted", "Deleted"


class RecordMapping(models.Model):
    """Which CRM record a Shopify record is: the sync's index of every record. The Shopify id
    is the identity, so nothing is ever created twice."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="mappings")
    object_type = models.CharField(max_length=16)
    shopify_id = models.BigIntegerField()
    crm_id = models.BigIntegerField(null=True, blank=True)
    # Two Shopify customers with one email join one contact: the first is its primary mapping
    # (where pushes go), the others are secondary.
    is_primary = models.BooleanField(default=True)
    # A second key Shopify uses for the record (a checkout's token, on carts and orders).
    external_key = models.CharField(max_length=255, blank=True, db_index=True)
    state = models.CharField(max_length=16, choices=MappingState, default=MappingState.SYNCED)
    reason = models.TextField(blank=True, help_text="Why it is excluded, or its error")
    shopify_updated_at = models.DateTimeField(null=True, blank=True)
    pulled_hash = models.CharField(max_length=64, blank=True)
    pushed_hash = models.CharField(max_length=64, blank=True)
    # Two-way objects: the mapped values both sides held after the last sync (CRM field
    # names). A field that differs from it on one side changed there; on both, it conflicts.
    synced_values = models.JSONField(default=dict, blank=True)
    # A CRM change waits to be pushed: an inbound change leaves the record to that push,
    # which merges both sides by the sync's conflict rule.
    push_pending = models.BooleanField(default=False)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sync record"
        constraints = [
            models.UniqueConstraint(
                fields=["store", "object_type", "shopify_id"], name="sync_mapping_shopify_id"
            ),
            models.UniqueConstraint(
                fields=["store", "object_type", "crm_id"],
                condition=Q(is_primary=True),
                name="sync_mapping_primary_crm_id",
            ),
        ]
        indexes = [
            models.Index(fields=["object_type", "crm_id"], name="sync_mapping_crm_record"),
            models.Index(fields=["store", "object_type", "state"], name="sync_mapping_health"),
        ]

    def __str__(self):
        return f"{self.object_type} {self.shopify_id} → {self.crm_id}"

    def get_object_type_display(self) -> str:
        # Not the field's choices: these rows also hold the pairs' child records (variants).
        return object_label(self.object_type)


class RunKind(models.TextChoices):
    INITIAL = "initial", "Initial sync"
    RECONCILE = "reconcile", "Reconciliation"
    RESYNC = "resync", "Resync"
    DRIFT = "drift", "Drift check"
    RESTAGE = "restage", "Re-stage orders"


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class SyncRun(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="sync_runs")
    object_type = models.CharField(max_length=16, choices=object_choices)
    kind = models.CharField(max_length=16, choices=RunKind)
    status = models.CharField(max_length=16, choices=RunStatus, default=RunStatus.PENDING)
    seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    excluded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    # Where a killed run resumes: {"bulk_operation_id", "url", "line"} for bulk runs.
    checkpoint = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    summary = models.TextField(blank=True, help_text="What the run found, in words")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "object_type", "-created_at"], name="sync_run_recent")
        ]

    def __str__(self):
        # The store by its name (or domain), as a merchant knows it, never by its row id.
        objects = self.get_object_type_display().lower()
        return f"{self.get_kind_display()} of {objects} for {self.store}"

    def counts_summary(self) -> str:
        """The run's counts in words: "1,203 records: 1,100 created, 80 updated, 23 unchanged." """
        names = ["created", "updated", "unchanged", "excluded", "failed", "deleted"]
        parts = [f"{getattr(self, name):,} {name}" for name in names if getattr(self, name)]
        records = f"{self.seen:,} record{'' if self.seen == 1 else 's'}"
        return f"{records}: {', '.join(parts)}." if parts else f"{records}."

    @property
    def done(self) -> int:
        return self.seen

    @property
    def progress(self) -> float | None:
        """Done over total, 0 to 1, or None while the total is unknown."""
        if not self.total:
            return 1.0 if self.status == RunStatus.SUCCEEDED else None
        return min(self.seen / self.total, 1.0)


class IssueDirection(models.TextChoices):
    INBOUND = "inbound", "Shopify → CRM"
    OUTBOUND = "outbound", "CRM → Shopify"


class SyncIssue(models.Model):
    """A record that failed to sync. It never stops the others; it can be resynced."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="sync_issues")
    object_type = models.CharField(max_length=16)
    shopify_id = models.BigIntegerField(null=True, blank=True)
    crm_id = models.BigIntegerField(null=True, blank=True)
    # Which way the record failed: a Shopify record the CRM could not hold, or a CRM change
    # Shopify refused (its userErrors).
    direction = models.CharField(
        max_length=16, choices=IssueDirection, default=IssueDirection.INBOUND
    )
    error = models.TextField()
    payload = models.JSONField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = "failing record"
        constraints = [
            models.UniqueConstraint(
                fields=["store", "object_type", "shopify_id"], name="sync_issue_one_per_record"
            ),
            # A refused push has no Shopify id: one issue per CRM record.
            models.UniqueConstraint(
                fields=["store", "object_type", "crm_id"],
                condition=Q(direction="outbound"),
                name="sync_issue_one_per_pushed_record",
            ),
        ]

    def __str__(self):
        # The admin's pages give the issue its record's name (sync.issue_records.attach);
        # elsewhere it is named by the id it has.
        title = getattr(self, "record_title", None)
        if title is None:
            adapter = ADAPTERS.get(self.object_type)
            kind = adapter.model._meta.verbose_name.capitalize() if adapter else self.object_type
            if self.shopify_id is not None:
                title = f"{kind} {self.shopify_id} in Shopify"
            else:
                title = f"{kind} {self.crm_id} in the CRM"
        return f"{title}: {self.error[:60]}"

    def get_object_type_display(self) -> str:
        return object_label(self.object_type)


class DeliveryState(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed"
    # The body says something else than the unsigned headers (another shop, another kind of
    # record), or Shopify denies what it claims: recorded, never acted on.
    REFUSED = "refused", "Refused"


class WebhookDelivery(models.Model):
    """A webhook Shopify delivered, stored before the answer so nothing accepted is lost.
    Shopify delivers at least once and retries with the same webhook id: the unique id makes a
    repeat a no-op; so does the same event id for the same topic (Shopify's advice: one event
    delivered twice, to two subscriptions or after a retry that got a new webhook id)."""

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
    # A delivery whose work raised waits until then before it is tried again (backoff).
    retry_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["store", "topic"], name="sync_delivery_store_topic"),
            # A store's job reads its waiting deliveries in order: only those are indexed, so
            # the read stays as small as what waits, however many were processed before.
            models.Index(
                fields=["store", "id"],
                condition=models.Q(state="received"),
                name="sync_delivery_waiting",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "topic", "event_id"],
                condition=~models.Q(event_id=""),
                name="sync_delivery_one_per_event",
            )
        ]

    def __str__(self):
        return f"{self.topic} from {self.store_id} ({self.webhook_id})"


class MapDirection(models.TextChoices):
    BOTH = "both", "Both ways"
    TO_CRM = "to_crm", "Shopify → CRM"
    TO_SHOPIFY = "to_shopify", "CRM → Shopify"

    @property
    def inbound(self) -> bool:
        return self in (MapDirection.BOTH, MapDirection.TO_CRM)

    @property
    def outbound(self) -> bool:
        return self in (MapDirection.BOTH, MapDirection.TO_SHOPIFY)

    @property
    def arrow(self) -> str:
        return {"both": "⇄", "to_crm": "←", "to_shopify": "→"}[self.value]


class FieldMapping(models.Model):
    """One CRM field ⇄ one Shopify field of a sync, and which way it flows. The defaults (the
    pair's `default_maps`) are rows too: they can be turned off, not deleted."""

    setting = models.ForeignKey(SyncSetting, on_delete=models.CASCADE, related_name="field_maps")
    crm_field = models.CharField(max_length=64)
    shopify_field = models.CharField(max_length=64)
    direction = models.CharField(max_length=16, choices=MapDirection, default=MapDirection.BOTH)
    enabled = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["setting", "-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["setting", "crm_field", "shopify_field"], name="field_mapping_once"
            )
        ]

    def __str__(self):
        return f"{self.crm_field} {MapDirection(self.direction).arrow} {self.shopify_field}"


class CheckoutEmail(models.Model):
    """The email a shopper gave at a checkout, as Shopify's checkouts/create and
    checkouts/update webhooks carry it. GraphQL's AbandonedCheckout has no email field, only
    its customer's, and a guest has no customer: without this, a guest's cart would have no
    email, no contact, and could not be found by the shopper's email. Kept by the checkout's
    token (what those bodies name it by), so a checkout the sync reads only later gets it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=255)
    email = models.EmailField(blank=True)
    # The body's updated_at: an older body arriving late does not undo a newer one.
    given_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "token"], name="one_email_per_checkout")
        ]

    def __str__(self):
        return f"{self.token} of {self.store_id}"
