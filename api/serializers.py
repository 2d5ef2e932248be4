"""Request parsing and response shapes of the JSON API; no rules live here."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.choices import PolicyStatus, RiskTier, Role, Source, Use
from registry.models import ExceptionStatus, Metric, MetricKind, Workflow
from reviews.models import Decision, ExportFormat, ProposalStatus, ScorecardStatus

MAX_TEXT = 10_000


def text(max_length=MAX_TEXT, **kwargs):
    return serializers.CharField(max_length=max_length, **kwargs)


def uses(**kwargs):
    return serializers.ListField(
        child=serializers.ChoiceField(Use.choices), max_length=len(Use), **kwargs
    )


def username_or_none(user):
    return user.get_username() if user is not None else None


# --- Who am I --------------------------------------------------------------


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(Role.choices))


# --- Workflows -------------------------------------------------------------


class WorkflowSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Workflow
        fields = ["id", "key", "name", "team", "owner", "is_pilot", "created_at"]


class WorkflowCreateSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=80)
    name = text(200)
    team = text(120)
    owner = text(150, help_text="Username of the team owner.")
    is_pilot = serializers.BooleanField(default=False)

    def validate_owner(self, value):
        user = get_user_model().objects.filter(username=value).first()
        if user is None:
            raise serializers.ValidationError(f"No user named {value}.")
        return user


# --- Metrics ---------------------------------------------------------------


class MetricListQuerySerializer(serializers.Serializer):
    use = serializers.ChoiceField(Use.choices, required=False)
    status = serializers.ChoiceField(PolicyStatus.choices, required=False)


class MetricSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    kind = serializers.ChoiceField(MetricKind.choices)
    policy_status = serializers.ChoiceField(PolicyStatus.choices)
    allowed_use = uses()
    prohibited_use = uses()

    class Meta:
        model = Metric
        fields = [
            "id",
            "key",
            "name",
            "kind",
            "unit",
            "policy_status",
            "allowed_use",
            "prohibited_use",
            "rationale",
            "formula",
            "data_source",
            "baseline",
            "quality_threshold",
            "anti_gaming_check",
            "owner",
            "updated_at",
        ]


class MetricHistorySerializer(serializers.Serializer):
    """One simple-history row: who changed the policy, when, from where and why."""

    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.ChoiceField(
        [("+", "created"), ("~", "changed"), ("-", "deleted")]
    )
    actor = serializers.SerializerMethodField()
    source = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(
        source="history_change_reason", allow_null=True, allow_blank=True
    )
    policy_status = serializers.ChoiceField(PolicyStatus.choices)
    allowed_use = uses()
    prohibited_use = uses()

    def get_actor(self, record) -> str | None:
        return username_or_none(record.history_user)


class MetricDetailSerializer(MetricSerializer):
    history = MetricHistorySerializer(many=True, read_only=True, source="history_rows")

    class Meta(MetricSerializer.Meta):
        fields = [*MetricSerializer.Meta.fields, "history"]


# --- Audit export ----------------------------------------------------------


class AuditQuerySerializer(serializers.Serializer):
    since = serializers.CharField(required=False)
    until = serializers.CharField(required=False)
    format = serializers.ChoiceField(["csv", "json"], default="csv")


class AuditEventRowSerializer(serializers.Serializer):
    """One row of the audit export (schema only: rows are streamed as built)."""

    id = serializers.IntegerField()
    timestamp = serializers.CharField(help_text="ISO 8601, UTC.")
    actor = serializers.CharField(help_text="Username, or 'system'.")
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    previous_state = serializers.CharField(allow_blank=True)
    next_state = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(Source.choices)


# --- Proposals and reviews -----------------------------------------------------


def optional_text(max_length=MAX_TEXT):
    return text(max_length, required=False, allow_blank=True, default="")


class ProposalFieldsSerializer(serializers.Serializer):
    """The candidate metric; empty evidence fields make it needs_revision."""

    name = text(200)
    formula = optional_text()
    data_source = optional_text(200)
    proposed_uses = uses(allow_empty=False)
    baseline = optional_text()
    owner = optional_text(200)
    quality_rubric = optional_text()
    anti_gaming_rule = optional_text()
    evidence_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True, default=""
    )


class ProposalCreateSerializer(ProposalFieldsSerializer):
    workflow = text(200, help_text="The workflow's UUID or key.")
    metric_key = serializers.SlugField(max_length=80)


class ProposalReviseSerializer(ProposalFieldsSerializer):
    """A resubmission: only the fields sent change."""

    name = text(200, required=False)
    formula = text(required=False, allow_blank=True)
    data_source = text(200, required=False, allow_blank=True)
    proposed_uses = uses(required=False)
    baseline = text(required=False, allow_blank=True)
    owner = text(200, required=False, allow_blank=True)
    quality_rubric = text(required=False, allow_blank=True)
    anti_gaming_rule = text(required=False, allow_blank=True)
    evidence_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True
    )


class ProposalSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    workflow = serializers.CharField(source="workflow.key")
    workflow_id = serializers.UUIDField()
    metric_key = serializers.CharField()
    name = serializers.CharField()
    formula = serializers.CharField(allow_blank=True)
    data_source = serializers.CharField(allow_blank=True)
    proposed_uses = uses()
    baseline = serializers.CharField(allow_blank=True)
    owner = serializers.CharField(allow_blank=True)
    quality_rubric = serializers.CharField(allow_blank=True)
    anti_gaming_rule = serializers.CharField(allow_blank=True)
    evidence_url = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(ProposalStatus.choices)
    missing_fields = serializers.ListField(child=serializers.CharField())
    revision = serializers.IntegerField()
    proposed_by = serializers.CharField(source="proposed_by.username")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def score(label):
    return serializers.IntegerField(min_value=0, max_value=100, help_text=label)


class ReviewCreateSerializer(serializers.Serializer):
    proposal = serializers.UUIDField()
    decision = serializers.ChoiceField(Decision.choices)
    reason = text()
    outcome_linkage_score = score("0-100; approval needs at least the minimum.")
    gaming_risk_score = score("0-100; approval needs at most the maximum.")
    data_quality_score = score("0-100; approval needs at least the minimum.")


class ReviewSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    proposal = serializers.UUIDField(source="proposal_id")
    proposal_revision = serializers.IntegerField()
    proposal_status = serializers.ChoiceField(
        ProposalStatus.choices, source="proposal.status"
    )
    decision = serializers.ChoiceField(Decision.choices)
    decision_reason = serializers.CharField()
    outcome_linkage_score = serializers.IntegerField()
    gaming_risk_score = serializers.IntegerField()
    data_quality_score = serializers.IntegerField()
    reviewer = serializers.CharField(source="reviewer.username")
    created_at = serializers.DateTimeField()


# --- Exceptions ----------------------------------------------------------------


class ExceptionCreateSerializer(serializers.Serializer):
    metric_key = serializers.SlugField(max_length=80)
    requested_use = serializers.ChoiceField(Use.choices)
    risk_tier = serializers.ChoiceField(RiskTier.choices)
    audit_note = optional_text()
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=f"Required; in the future and at most "
        f"{settings.EXCEPTION_MAX_DAYS} days ahead.",
    )


class ReasonSerializer(serializers.Serializer):
    reason = optional_text()


class ExceptionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    metric_key = serializers.CharField(source="metric.key")
    requested_use = serializers.ChoiceField(Use.choices)
    risk_tier = serializers.ChoiceField(RiskTier.choices)
    audit_note = serializers.CharField()
    expires_at = serializers.DateTimeField()
    status = serializers.ChoiceField(ExceptionStatus.choices)
    is_active = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username")
    approved_by = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_is_active(self, exception) -> bool:
        return exception.is_active()

    def get_approved_by(self, exception) -> str | None:
        return username_or_none(exception.approved_by)


# --- Rollback --------------------------------------------------------------------


class PolicySerializer(serializers.Serializer):
    policy_status = serializers.ChoiceField(PolicyStatus.choices)
    allowed_use = uses()
    prohibited_use = uses()


class ExportSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    scorecard = serializers.UUIDField(source="scorecard_id")
    format = serializers.ChoiceField(ExportFormat.choices)
    metric_keys = serializers.ListField(child=serializers.CharField())
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    invalidated_at = serializers.DateTimeField(allow_null=True)
    invalidation_reason = serializers.CharField(allow_blank=True)


class RollbackPlanSerializer(serializers.Serializer):
    metric = serializers.CharField(source="metric.key")
    current_policy = serializers.SerializerMethodField()
    target_policy = serializers.SerializerMethodField()
    bad_since = serializers.DateTimeField()
    exports = ExportSummarySerializer(many=True)

    @extend_schema_field(PolicySerializer)
    def get_current_policy(self, plan):
        return policy_dict(plan.metric.policy())

    @extend_schema_field(PolicySerializer)
    def get_target_policy(self, plan):
        return policy_dict(plan.target_policy)


def policy_dict(policy):
    status, allowed, prohibited = policy
    return {
        "policy_status": status,
        "allowed_use": allowed,
        "prohibited_use": prohibited,
    }


class RollbackRequestSerializer(serializers.Serializer):
    reason = text(help_text="Why the current policy was wrong.")


class RollbackResultSerializer(serializers.Serializer):
    metric = MetricSerializer()
    restored_policy = PolicySerializer()
    bad_since = serializers.DateTimeField()
    invalidated_exports = ExportSummarySerializer(many=True)


# --- Performance scorecards ---------------------------------------------------------


class PerformanceScorecardCreateSerializer(serializers.Serializer):
    name = text(200)
    subject = optional_text(200)
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ScorecardEntrySerializer(serializers.Serializer):
    metric_key = serializers.CharField(source="metric.key")
    metric_name = serializers.CharField(source="metric.name")
    added_by = serializers.CharField(source="added_by.username")
    added_at = serializers.DateTimeField()


class PerformanceScorecardSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    subject = serializers.CharField(allow_blank=True)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    status = serializers.ChoiceField(ScorecardStatus.choices)
    created_by = serializers.CharField(source="created_by.username")
    approved_by = serializers.SerializerMethodField()
    approved_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    metrics = ScorecardEntrySerializer(many=True, source="entries.all")

    def get_approved_by(self, scorecard) -> str | None:
        return username_or_none(scorecard.approved_by)


class PerformanceScorecardDetailSerializer(PerformanceScorecardSerializer):
    exports = ExportSummarySerializer(many=True, source="exports.all")


class ScorecardMetricAddSerializer(serializers.Serializer):
    metric_key = serializers.SlugField(max_length=80)


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(ExportFormat.choices, default="json")


# --- The workflow scorecard -----------------------------------------------------


def decimal(**kwargs):
    return serializers.DecimalField(
        max_digits=24, decimal_places=4, coerce_to_string=False, **kwargs
    )


class ScorecardQuerySerializer(serializers.Serializer):
    workflow_id = text(200, help_text="The workflow's UUID or key.")


class SnapshotSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    baseline_start = serializers.DateField()
    baseline_end = serializers.DateField()
    measurement_start = serializers.DateField()
    measurement_end = serializers.DateField()
    task_completion_delta = decimal(allow_null=True)
    validated_time_saved_minutes = serializers.IntegerField(allow_null=True)
    quality_score_delta = decimal(allow_null=True)
    customer_satisfaction_delta = decimal(allow_null=True)
    metric_values = serializers.DictField(child=serializers.JSONField())
    evidence_url = serializers.CharField(allow_blank=True)


class OutcomeValueSerializer(serializers.Serializer):
    metric_key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    value = serializers.FloatField(allow_null=True)


def outcome_value(entry):
    """One metric's latest value; built by hand, as a scorecard may list hundreds."""
    metric, value = entry["metric"], entry["value"]
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        value = None
    return {
        "metric_key": metric.key,
        "name": metric.name,
        "unit": metric.unit,
        "value": float(value) if isinstance(value, Decimal) else value,
    }


class OutcomesSerializer(serializers.Serializer):
    """Approved outcome metrics with the latest measured values."""

    latest_snapshot = SnapshotSerializer(allow_null=True)
    metrics = serializers.SerializerMethodField()
    history = SnapshotSerializer(many=True)

    @extend_schema_field(OutcomeValueSerializer(many=True))
    def get_metrics(self, outcomes):
        return [outcome_value(entry) for entry in outcomes["metrics"]]


class CostTotalsSerializer(serializers.Serializer):
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    cost_usd = decimal()
    requests = serializers.IntegerField()


class CostDaySerializer(CostTotalsSerializer):
    day = serializers.DateField()


def cost_day(row):
    """One day of cost context; built by hand, as a scorecard holds 90 of them."""
    return {
        "day": row["day"].isoformat(),
        "tokens_in": row["tokens_in"] or 0,
        "tokens_out": row["tokens_out"] or 0,
        "cost_usd": row["cost_usd"] or Decimal(0),
        "requests": row["requests"] or 0,
    }


class DiagnosticsSerializer(serializers.Serializer):
    """Token cost as cost context: never a rank, a score or a bonus input."""

    label = serializers.CharField()
    context = serializers.ChoiceField([Use.COST_DIAGNOSTIC.value])
    aggregated = serializers.BooleanField()
    scope = serializers.CharField()
    reason = serializers.CharField(required=False)
    since = serializers.DateField()
    until = serializers.DateField()
    totals = CostTotalsSerializer()
    daily = serializers.SerializerMethodField()

    @extend_schema_field(CostDaySerializer(many=True))
    def get_daily(self, diagnostics):
        return [cost_day(row) for row in diagnostics["daily"]]


class SignalSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    signal_type = serializers.CharField()
    severity = serializers.ChoiceField(RiskTier.choices)
    status = serializers.CharField()
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    evidence_json = serializers.DictField(child=serializers.JSONField())


class WorkflowScorecardSerializer(serializers.Serializer):
    """Parts the caller may not see are null."""

    workflow = WorkflowSerializer()
    outcomes = OutcomesSerializer(allow_null=True)
    diagnostics = DiagnosticsSerializer(allow_null=True)
    signals = SignalSummarySerializer(many=True, allow_null=True)
