"""Django admin for proposals, reviews, performance scorecards and exports."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry import gate
from registry.admin import AuditedAdmin, UsesField
from registry.choices import Use

from .models import (
    GateReview,
    MetricProposal,
    PerformanceScorecard,
    ScorecardExport,
    ScorecardMetric,
)


class ProposalForm(forms.ModelForm):
    proposed_uses = UsesField(label=_("Proposed uses"))


@admin.register(MetricProposal)
class MetricProposalAdmin(AuditedAdmin):
    form = ProposalForm
    list_display = [
        "metric_key",
        "workflow",
        "status",
        "revision",
        "proposed_by",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["metric_key", "name", "workflow__key", "proposed_by__username"]
    list_select_related = ["workflow", "proposed_by"]
    raw_id_fields = ["workflow", "proposed_by"]
    date_hierarchy = "created_at"


@admin.register(GateReview)
class GateReviewAdmin(AuditedAdmin):
    list_display = [
        "proposal",
        "proposal_revision",
        "decision",
        "outcome_linkage_score",
        "gaming_risk_score",
        "data_quality_score",
        "reviewer",
        "created_at",
    ]
    list_filter = ["decision"]
    search_fields = ["proposal__metric_key", "decision_reason", "reviewer__username"]
    list_select_related = ["proposal", "reviewer"]
    raw_id_fields = ["proposal", "reviewer"]
    date_hierarchy = "created_at"


class ScorecardMetricForm(forms.ModelForm):
    """Even a superuser's data fix may only add what the gate allows."""

    def clean_metric(self):
        metric = self.cleaned_data["metric"]
        if "metric" not in self.changed_data:
            return metric
        decision = gate.decide(metric, Use.PERFORMANCE_REVIEW)
        if not decision.allowed:
            raise forms.ValidationError(decision.detail, code=decision.code)
        return metric


class ScorecardMetricInline(admin.TabularInline):
    model = ScorecardMetric
    form = ScorecardMetricForm
    extra = 0
    readonly_fields = ["added_by", "added_at"]


@admin.register(PerformanceScorecard)
class PerformanceScorecardAdmin(AuditedAdmin):
    inlines = [ScorecardMetricInline]
    list_display = [
        "name",
        "subject",
        "period_start",
        "period_end",
        "status",
        "created_by",
        "approved_by",
    ]
    list_filter = ["status"]
    search_fields = ["name", "subject", "created_by__username"]
    list_select_related = ["created_by", "approved_by"]
    raw_id_fields = ["created_by", "approved_by"]
    date_hierarchy = "period_end"

    def save_formset(self, request, form, formset, change):
        # Rows added here are recorded as added by the superuser who added them.
        for entry in formset.save(commit=False):
            entry.added_by_id = entry.added_by_id or request.user.pk
            entry.save()
        for entry in formset.deleted_objects:
            entry.delete()


@admin.register(ScorecardMetric)
class ScorecardMetricAdmin(AuditedAdmin):
    form = ScorecardMetricForm
    list_display = ["scorecard", "metric", "added_by", "added_at"]
    search_fields = ["scorecard__name", "metric__key"]
    list_select_related = ["scorecard", "metric", "added_by"]
    raw_id_fields = ["scorecard"]
    readonly_fields = ["added_by", "added_at"]
    date_hierarchy = "added_at"

    def save_model(self, request, obj, form, change):
        obj.added_by_id = obj.added_by_id or request.user.pk
        super().save_model(request, obj, form, change)


@admin.register(ScorecardExport)
class ScorecardExportAdmin(AuditedAdmin):
    list_display = [
        "scorecard",
        "format",
        "created_by",
        "created_at",
        "invalidated_at",
    ]
    list_filter = ["format", ("invalidated_at", admin.EmptyFieldListFilter)]
    search_fields = ["scorecard__name", "invalidation_reason"]
    list_select_related = ["scorecard", "created_by"]
    raw_id_fields = ["scorecard", "created_by"]
    date_hierarchy = "created_at"
    # An export is a frozen copy: only its invalidation may be fixed here.
    readonly_fields = ["content", "metric_keys"]
