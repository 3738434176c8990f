"""The sync in the admin: what syncs and how it is doing, its runs, its failing records and its
record index. Every change goes through `sync.services`; these pages only call them."""

import json
from collections import Counter
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timesince import timesince

from crm import readable
from crm.inputs import is_whole_number
from crm.money import format_number, format_percent
from integration.admin import StoreAdmin
from integration.models import Store, StoreStatus
from sync import connect, health, issue_records, queue_admin, services, setup, setup_views
from sync.adapters import ADAPTERS
from sync.exports import issues_csv
from sync.models import (
    IssueDirection,
    MappingState,
    RecordMapping,
    RunStatus,
    SyncIssue,
    SyncRun,
    SyncSetting,
    SyncState,
    WebhookDelivery,
)
from sync.registry import object_choices

ACTIVE = (RunStatus.PENDING, RunStatus.RUNNING)
# Characters of an error or a reason a list shows (the record's page shows it whole).
SHORT_TEXT = 80
MAX_BIGINT = 2**63 - 1


class SyncedStoreAdmin(StoreAdmin):
    """The Shopify page, with what each store syncs; disconnecting also stops its syncs."""

    list_display = [*StoreAdmin.list_display, "syncs"]

    @admin.display(description="what syncs")
    def syncs(self, store):
        enabled = [
            setting.get_object_type_display()
            for setting in store.sync_settings.all()
            if setting.enabled
        ]
        return ", ".join(enabled) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sync_settings")

    def disconnect(self, store):
        services.disconnect_store(store=store)

    change_form_template = "admin/sync/store_change_form.html"

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        base = "<int:store_id>/syncs/"
        each = f"{base}<str:object_type>/"
        steps = [
            path("connect/", view(connect.connect), name="integration_connect"),
            path(
                "connect/credentials/",
                view(connect.connect_credentials),
                name="integration_connect_credentials",
            ),
            path("<int:store_id>/reconnect/", view(connect.reconnect), name="sync_reconnect"),
            path(f"{base}new/", view(setup_views.choose), name="sync_setup_choose"),
            path(f"{each}configure/", view(setup_views.configure), name="sync_setup_configure"),
            path(f"{each}limit/", view(setup_views.limit), name="sync_setup_limit"),
            path(f"{each}review/", view(setup_views.review), name="sync_setup_review"),
            path(f"{each}off/", view(setup_views.turn_off), name="sync_turn_off"),
            path(f"{each}delete/", view(setup_views.delete), name="sync_delete"),
        ]
        return steps + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        store = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "sync_rows": setup_views.store_syncs(store) if store else [],
            "access": health.store_access(store) if store else None,
            "delivery_problems": health.delivery_problems(store) if store else [],
            "can_manage_syncs": setup_views.can_manage(request.user),
        }
        return super().change_view(request, object_id, form_url, extra_context)


admin.site.unregister(Store)
admin.site.register(Store, SyncedStoreAdmin)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """A log: read-only, cheap to list."""

    # The webhook id and the processing time are on each delivery's page (and searchable).
    list_display = ["topic", "store", "state_and_reason", "received_at"]
    list_filter = ["state", "topic", "store"]
    list_select_related = ["store"]
    search_fields = ["webhook_id", "event_id", "topic"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    exclude = ["body"]  # shown by body_shown
    readonly_fields = [
        "body_shown" if field.name == "body" else field.name
        for field in WebhookDelivery._meta.fields
    ]

    class Media:
        css = {"all": ["sync/admin.css"]}

    @admin.display(description="body")
    def body_shown(self, delivery):
        """What Shopify sent, as label: value (the raw body stays stored, as signed)."""
        try:
            body = json.loads(delivery.body)
        except ValueError:
            return delivery.body
        return readable.folded(body, "What Shopify sent")

    @admin.display(description="state", ordering="state")
    def state_and_reason(self, delivery):
        """The state (with its attempts when its work raised), and the reason under it when
        there is one (refused, failed, waiting for a retry)."""
        state = delivery.get_state_display()
        if delivery.attempts:
            state = f"{state} · {delivery.attempts} attempt{'s' if delivery.attempts > 1 else ''}"
        if not delivery.error:
            return state
        return format_html(
            '{}<div class="delivery-error">{}</div>', state, Truncator(delivery.error).chars(120)
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def progress_bar(run):
    """A small bar with "done / total"; static/sync/run_progress.js draws the same."""
    if run is None:
        return "—"
    if run.total:
        value, maximum = min(run.seen, run.total), run.total
    elif run.progress is not None:
        value, maximum = 1, 1
    else:
        value, maximum = None, 1
    if value is None and run.status in ACTIVE:
        # Indeterminate (an animated bar) while the total is not known yet.
        bar = mark_safe("<progress></progress>")
    else:
        bar = format_html('<progress value="{}" max="{}"></progress>', value or 0, maximum)
    total = "?" if run.total is None else format_number(run.total)
    percent = "" if run.progress is None else f" ({format_percent(run.progress, 0)})"
    return format_html(
        '<span class="sync-progress">{} <span class="sync-progress-text">{} / {}{}</span></span>',
        bar,
        format_number(run.seen),
        total,
        percent,
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the sync writes: shown, never added, edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_manage_syncs_permission(self, request):
        # Superusers have every permission, so has_perm covers them too.
        return request.user.has_perm("sync.manage_syncs")


class SyncChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # The page's last runs in one query, whatever the number of rows.
        self.result_list = health.attach_last_runs(self.result_list)


class IssueChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # The page's records, named in one query per object type.
        self.result_list = issue_records.attach(self.result_list)


def mappings_link(setting, state, count):
    query = urlencode(
        {
            "store__id__exact": setting.store_id,
            "object_type": setting.object_type,
            "state__exact": state,
        }
    )
    url = f"{reverse('admin:sync_recordmapping_changelist')}?{query}"
    return format_html('<a href="{}">{}</a>', url, format_number(count))


@admin.register(SyncSetting)
class SyncSettingAdmin(ReadOnlyAdmin):
    """ "Syncs": one row per store and object, with its health. Syncs are turned on, off and
    resynced with the actions; settings are not edited here."""

    # Few, dense columns so the list fits a 1280 px screen beside the admin's menu and
    # filters; each sync's page has the rest (its watermark, each count on its own).
    list_display = [
        "store",
        "object_type",
        "state_column",
        "records_column",
        "last_run_column",
    ]
    list_filter = ["store", "object_type", "state", "enabled"]
    list_select_related = ["store"]
    actions = ["turn_on_selected", "turn_off_selected", "resync_selected", "check_drift_selected"]
    change_form_template = "admin/sync/syncsetting/change_form.html"
    fields = [
        "store",
        "object_type",
        "enabled",
        "state",
        "error",
        "shopify_access",
        "in_sync_column",
        "excluded_column",
        "failing_column",
        "last_run_column",
        "watermark",
        "last_reconciled_at",
        "reconcile_interval",
        "direction",
        "conflict_rule",
        "filters_shown",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["sync/admin.css"]}

    def get_queryset(self, request):
        return health.with_health(super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return SyncChangeList

    def get_object(self, request, object_id, from_field=None):
        setting = super().get_object(request, object_id, from_field)
        if setting is not None:
            health.attach_last_runs([setting])
        return setting

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            runs = list(SyncRun.objects.filter(store=obj.store, object_type=obj.object_type)[:10])
            for run in runs:
                run.progress_bar = progress_bar(run)
            context.update(excluded_reasons=health.excluded_reasons(obj), recent_runs=runs)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.display(description="what syncs")
    def filters_shown(self, setting):
        """The Limit step's choices, as the Review step says them."""
        filters = setting.filters or {}
        lines = setup.describe_filters(setting.object_type, filters)
        if setting.direction != "to_crm":
            lines += setup.describe_outbound(setting.object_type, filters)
        return format_html_join("", "<p>{}</p>", ((line,) for line in lines))

    @admin.display(description="Shopify access")
    def shopify_access(self, setting):
        lines = health.sync_access(setting)
        if not lines:
            return "Everything the sync needs."
        return format_html_join("", "<p>{}</p>", ((line,) for line in lines))

    @admin.display(description="state", ordering="state")
    def state_column(self, setting):
        """Its state, and when reconciliation last compared it with Shopify."""
        state = setting.get_state_display() if setting.enabled else "Off"
        if not setting.last_reconciled_at:
            return state
        return format_html(
            '{}<br><small class="sync-quiet" title="{}">checked {} ago</small>',
            state,
            setting.last_reconciled_at.isoformat(timespec="seconds"),
            timesince(setting.last_reconciled_at, depth=1),
        )

    @admin.display(description="records")
    def records_column(self, setting):
        """ "3 in sync · 2 excluded · 1 failing", each a link to those records."""
        parts = [
            format_html(
                "{} {}",
                mappings_link(setting, state, getattr(setting, name)),
                label,
            )
            for name, state, label in (
                ("in_sync", MappingState.SYNCED, "in sync"),
                ("excluded", MappingState.EXCLUDED, "excluded"),
                ("failing", MappingState.FAILING, "failing"),
            )
        ]
        return format_html_join(" · ", "{}", ((part,) for part in parts))

    @admin.display(description="in sync", ordering="in_sync")
    def in_sync_column(self, setting):
        return mappings_link(setting, MappingState.SYNCED, setting.in_sync)

    @admin.display(description="excluded", ordering="excluded")
    def excluded_column(self, setting):
        return mappings_link(setting, MappingState.EXCLUDED, setting.excluded)

    @admin.display(description="failing", ordering="failing")
    def failing_column(self, setting):
        return mappings_link(setting, MappingState.FAILING, setting.failing)

    @admin.display(description="last run")
    def last_run_column(self, setting):
        run = setting.last_run
        if run is None:
            return "—"
        return format_html(
            '<a href="{}">{}, {}</a><br>{}',
            reverse("admin:sync_syncrun_change", args=[run.pk]),
            run.get_kind_display(),
            run.get_status_display().lower(),
            progress_bar(run),
        )

    @admin.action(description="Turn on (starts the initial sync)", permissions=["manage_syncs"])
    def turn_on_selected(self, request, queryset):
        started, already, refused = [], [], []
        for setting in queryset.select_related("store"):
            if setting.store.status != StoreStatus.CONNECTED:
                refused.append(str(setting))
                continue
            try:
                run = services.turn_on(store=setting.store, object_type=setting.object_type)
            except ValueError as cannot:  # its plan or its granted scopes
                self.message_user(request, str(cannot), "warning")
                continue
            (started if run else already).append(str(setting))
        self._report(request, "Initial sync started", started)
        self._report(request, "Already on", already)
        self._report(request, "Not turned on, the store is not connected", refused, "warning")

    @admin.action(description="Turn off", permissions=["manage_syncs"])
    def turn_off_selected(self, request, queryset):
        settings = list(queryset.select_related("store"))
        for setting in settings:
            services.turn_off(store=setting.store, object_type=setting.object_type)
        self._report(request, "Turned off (their data stays)", [str(s) for s in settings])

    @admin.action(description="Resync all", permissions=["manage_syncs"])
    def resync_selected(self, request, queryset):
        started, refused = [], []
        for setting in queryset.select_related("store"):
            if not setting.enabled:
                refused.append(str(setting))
                continue
            services.resync(store=setting.store, object_type=setting.object_type)
            started.append(str(setting))
        self._report(request, "Resync started", started)
        self._report(request, "Not resynced, the sync is off", refused, "warning")

    @admin.action(
        description="Compare with Shopify now (drift check)", permissions=["manage_syncs"]
    )
    def check_drift_selected(self, request, queryset):
        started, refused = [], []
        for setting in queryset.select_related("store"):
            if not (setting.enabled and setting.state == SyncState.ON and setting.store.can_sync):
                refused.append(str(setting))
                continue
            services.check_drift(setting)
            started.append(str(setting))
        self._report(
            request,
            "Drift check started (every id and update time compared with Shopify; the "
            "result shows in Sync runs)",
            started,
        )
        self._report(request, "Not checked, the sync is not on", refused, "warning")

    def _report(self, request, what, names, level="info"):
        if names:
            self.message_user(request, f"{what}: {', '.join(names)}.", level)


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    """Runs: a log, cheap to list. A running run's page follows its progress live."""

    # Few, dense columns so the list fits a 1280 px screen beside the admin's menu and
    # filters: the summary says the counts (an error, when the run failed); each run's page
    # has every count and time.
    list_display = ["created_column", "run_column", "status_column", "outcome_column"]
    list_display_links = ["created_column"]
    list_filter = ["status", "kind", "object_type", "store"]
    list_select_related = ["store"]
    show_full_result_count = False
    change_form_template = "admin/sync/syncrun/change_form.html"
    fieldsets = [
        (None, {"fields": ["store", "object_type", "kind", "summary"]}),
        (
            "Progress",
            {
                "fields": [
                    "status",
                    "progress_column",
                    "seen",
                    "total",
                    "created",
                    "updated",
                    "unchanged",
                    "excluded",
                    "failed",
                    "deleted",
                    "error",
                ]
            },
        ),
        (None, {"fields": ["created_at", "started_at", "finished_at", "heartbeat_at"]}),
        ("Resuming", {"fields": ["checkpoint_shown"], "classes": ["collapse"]}),
    ]
    readonly_fields = [field for fieldset in fieldsets for field in fieldset[1]["fields"]]

    class Media:
        css = {"all": ["sync/admin.css"]}

    def get_urls(self):
        progress = path(
            "<int:run_id>/progress.json",
            self.admin_site.admin_view(self.progress_view),
            name="sync_syncrun_progress",
        )
        return [progress, *super().get_urls()]

    def progress_view(self, request, run_id):
        run = get_object_or_404(SyncRun, pk=run_id)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        return JsonResponse(health.run_progress(run))

    @admin.display(description="progress")
    def progress_column(self, run):
        return progress_bar(run)

    @admin.display(description="checkpoint")
    def checkpoint_shown(self, run):
        return readable.as_html(run.checkpoint)

    @admin.display(description="counts")
    def counts(self, run):
        names = ["created", "updated", "unchanged", "excluded", "failed", "deleted"]
        parts = [f"{format_number(getattr(run, n))} {n}" for n in names if getattr(run, n)]
        return ", ".join(parts) or "—"

    @admin.display(description="created", ordering="created_at")
    def created_column(self, run):
        return date_format(timezone.localtime(run.created_at), "Y-m-d H:i")

    @admin.display(description="run")
    def run_column(self, run):
        """ "Initial sync of contacts for Alpha Goods"."""
        return str(run)

    @admin.display(description="status", ordering="status")
    def status_column(self, run):
        return format_html("{}<br>{}", run.get_status_display(), progress_bar(run))

    @admin.display(description="outcome")
    def outcome_column(self, run):
        """The error of a run that failed, else its summary (its counts, in words)."""
        if run.error:
            return format_html(
                '<span class="sync-error">{}</span>', Truncator(run.error).chars(SHORT_TEXT)
            )
        return Truncator(run.summary).chars(SHORT_TEXT) or self.counts(run)


class ObjectTypeFilter(admin.SimpleListFilter):
    """The object types as a fixed list: no DISTINCT over a large table to build it."""

    title = "object"
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        return object_choices()

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


class MappedObjectTypeFilter(ObjectTypeFilter):
    """Beside the pairs' records, the mappings they keep of their rows (a product's variants)."""

    def lookups(self, request, model_admin):
        children = [item for a in ADAPTERS.values() for item in a.child_mappings.items()]
        return [*object_choices(), *children]


class ResolvedFilter(admin.SimpleListFilter):
    title = "resolved"
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("no", "Not resolved"), ("yes", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(resolved_at__isnull=self.value() == "no")
        return queryset


class ShopifyRecordAdmin(ReadOnlyAdmin):
    """Lists of Shopify records (failing ones, all mappings): searched by id, resynced one by
    one."""

    list_select_related = ["store"]
    show_full_result_count = False
    search_fields = ["shopify_id", "crm_id"]  # see get_search_results
    search_help_text = "A Shopify id or a CRM id."

    @admin.display(description="object", ordering="object_type")
    def object_column(self, record):
        return record.get_object_type_display()

    def get_search_results(self, request, queryset, search_term):
        # Ids only, matched exactly: no text cast of every row, no error for a word.
        term = search_term.strip()
        if not term:
            return queryset, False
        if not is_whole_number(term) or int(term) > MAX_BIGINT:
            return queryset.none(), False
        return queryset.filter(Q(shopify_id=int(term)) | Q(crm_id=int(term))), False

    @admin.action(description="Resync selected records", permissions=["manage_syncs"])
    def resync_selected(self, request, queryset):
        started, refused = 0, Counter()
        for record in queryset.select_related("store"):
            kind = record.get_object_type_display().lower()  # "orders", "product variants"
            if getattr(record, "direction", None) == IssueDirection.OUTBOUND:
                # A change Shopify refused: push it again.
                setting = SyncSetting.objects.filter(
                    store=record.store, object_type=record.object_type
                ).first()
                if setting is None or record.crm_id is None:
                    refused[f"no {kind} sync exists for {record.store}"] += 1
                    continue
                services.queue_push(setting, record.crm_id)
                started += 1
                continue
            if record.shopify_id is None:
                refused["it has no Shopify id"] += 1
                continue
            if record.object_type not in ADAPTERS:  # a product's variant, say
                refused[f"{kind} are resynced with the record they belong to"] += 1
                continue
            try:
                services.resync_record(
                    store=record.store,
                    object_type=record.object_type,
                    shopify_id=record.shopify_id,
                )
            except SyncSetting.DoesNotExist:
                refused[f"no {kind} sync exists for {record.store}"] += 1
            except ValueError as error:
                refused[str(error)] += 1
            else:
                started += 1
        if started:
            self.message_user(request, f"Resyncing {started} record(s).")
        for reason, count in refused.items():
            self.message_user(request, f"{count} record(s) not resynced: {reason}", "warning")


@admin.register(SyncIssue)
class SyncIssueAdmin(ShopifyRecordAdmin):
    """ "Failing records": what failed to sync and why; resync them, or export them."""

    # One column says what failed, which way and why: the record's name, which says its kind
    # and opens the record (one not in the CRM is named by its Shopify id), with the direction
    # and the error under it, which opens the failure. Both ids are on the failure's page; the
    # search takes either.
    list_display = ["failure_column", "store", "attempts", "last_seen_at", "resolved"]
    list_display_links = None
    list_filter = ["store", ObjectTypeFilter, "direction", ResolvedFilter]
    actions = ["resync_selected", "export_csv"]
    change_list_template = "admin/sync/syncissue/change_list.html"
    fields = [
        "record_column",
        "store",
        "object_column",
        "direction",
        "shopify_id",
        "crm_id",
        "error",
        "attempts",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
        "payload_shown",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["sync/admin.css"]}

    def get_urls(self):
        export = path(
            "export.csv",
            self.admin_site.admin_view(self.export_view),
            name="sync_syncissue_export",
        )
        return [export, *super().get_urls()]

    def get_changelist(self, request, **kwargs):
        return IssueChangeList

    def get_object(self, request, object_id, from_field=None):
        issue = super().get_object(request, object_id, from_field)
        if issue is not None:
            issue_records.attach([issue])
        return issue

    @admin.display(description="record")
    def record_column(self, issue):
        if getattr(issue, "record_title", None) is None:
            issue_records.attach([issue])
        if issue.record_url is None:
            return issue.record_title
        return format_html('<a href="{}">{}</a>', issue.record_url, issue.record_title)

    @admin.display(description="failing record")
    def failure_column(self, issue):
        url = reverse("admin:sync_syncissue_change", args=[issue.pk])
        return format_html(
            '{}<div class="sync-issue-error">{} · <a href="{}">{}</a></div>',
            self.record_column(issue),
            issue.get_direction_display(),
            url,
            Truncator(issue.error).chars(SHORT_TEXT * 2),
        )

    @admin.display(description="payload")
    def payload_shown(self, issue):
        return readable.folded(issue.payload, "The record as it failed")

    @admin.display(description="resolved", boolean=True, ordering="resolved_at")
    def resolved(self, issue):
        return issue.resolved_at is not None

    @admin.action(description="Export as CSV")
    def export_csv(self, request, queryset):
        return issues_csv(queryset)

    def export_view(self, request):
        """The whole list as it is filtered, searched and sorted on the page (every page)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Unknown filter.")
        return issues_csv(changelist.queryset)


@admin.register(RecordMapping)
class RecordMappingAdmin(ShopifyRecordAdmin):
    """ "Sync records": which CRM record each Shopify record is, and its state."""

    list_display = [
        "store",
        "object_column",
        "shopify_id",
        "crm_id",
        "state",
        "reason_column",
        "shopify_updated_at",
        "synced_at",
    ]
    list_filter = ["state", MappedObjectTypeFilter, "store"]
    actions = ["resync_selected"]
    fields = [
        "store",
        "object_column",
        "shopify_id",
        "crm_id",
        "is_primary",
        "external_key",
        "state",
        "reason",
        "shopify_updated_at",
        "synced_at",
    ]
    readonly_fields = fields

    @admin.display(description="reason")
    def reason_column(self, mapping):
        return Truncator(mapping.reason).chars(SHORT_TEXT) or "—"


queue_admin.register()
