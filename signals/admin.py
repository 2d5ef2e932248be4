"""Django admin for snapshots, diagnostics, gaming signals and detector runs."""

from django.contrib import admin

from registry.admin import AuditedAdmin

from .models import (
    DetectorBatch,
    DetectorRun,
    GamingSignal,
    OutcomeSnapshot,
    TokenCostDiagnostic,
)


@admin.register(OutcomeSnapshot)
class OutcomeSnapshotAdmin(AuditedAdmin):
    list_display = [
        "workflow",
        "measurement_start",
        "measurement_end",
        "task_completion_delta",
        "validated_time_saved_minutes",
        "quality_score_delta",
    ]
    list_filter = ["workflow"]
    search_fields = ["workflow__key", "evidence_url"]
    list_select_related = ["workflow"]
    raw_id_fields = ["workflow", "created_by"]
    date_hierarchy = "measurement_end"


@admin.register(TokenCostDiagnostic)
class TokenCostDiagnosticAdmin(admin.ModelAdmin):
    # Not governed and kept without history: re-imports replace rows by design.
    list_display = [
        "workflow",
        "day",
        "source",
        "tokens_in",
        "tokens_out",
        "cost_usd",
        "request_count",
        "contributor_count",
        "provisional",
    ]
    list_filter = ["source", "provisional", "workflow"]
    search_fields = ["workflow__key"]
    list_select_related = ["workflow"]
    raw_id_fields = ["workflow", "linked_outcome_snapshot"]
    date_hierarchy = "day"


@admin.register(GamingSignal)
class GamingSignalAdmin(AuditedAdmin):
    list_display = [
        "workflow",
        "signal_type",
        "severity",
        "window_start",
        "window_end",
        "status",
        "detected_at",
    ]
    list_filter = ["status", "severity", "signal_type"]
    search_fields = ["workflow__key", "triage_note"]
    list_select_related = ["workflow"]
    raw_id_fields = ["workflow"]
    date_hierarchy = "window_end"


class DetectorBatchInline(admin.TabularInline):
    model = DetectorBatch
    extra = 0
    can_delete = False
    fields = [
        "index",
        "status",
        "workflow_count",
        "findings",
        "signals_created",
        "query_count",
        "finished_at",
    ]
    readonly_fields = fields


@admin.register(DetectorRun)
class DetectorRunAdmin(admin.ModelAdmin):
    # Runs are written by the detector only; the admin shows them for support.
    list_display = [
        "as_of",
        "status",
        "source",
        "workflow_count",
        "batches_done",
        "batch_count",
        "signals_created",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "source"]
    date_hierarchy = "started_at"
    inlines = [DetectorBatchInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DetectorBatch)
class DetectorBatchAdmin(admin.ModelAdmin):
    list_display = ["run", "index", "status", "workflow_count", "signals_created"]
    list_filter = ["status"]
    list_select_related = ["run"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
