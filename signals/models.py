"""What the detector reads (outcomes, token diagnostics) and what it raises."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.audit import GovernedModel
from registry.choices import RiskTier, choice_check
from registry.models import Workflow, _history


class OutcomeSnapshot(models.Model):
    """A workflow's measured outcome over a period, against its baseline period."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey(
        Workflow, on_delete=models.CASCADE, related_name="outcome_snapshots"
    )
    baseline_start = models.DateField()
    baseline_end = models.DateField()
    measurement_start = models.DateField()
    measurement_end = models.DateField()
    task_completion_delta = models.DecimalField(
        max_digits=8, decimal_places=4, null=True, blank=True
    )
    validated_time_saved_minutes = models.IntegerField(null=True, blank=True)
    quality_score_delta = models.DecimalField(
        max_digits=8, decimal_places=4, null=True, blank=True
    )
    customer_satisfaction_delta = models.DecimalField(
        max_digits=8, decimal_places=4, null=True, blank=True
    )
    # Values of other approved outcome metrics, keyed by metric key.
    metric_values = models.JSONField(default=dict, blank=True)
    evidence_url = models.URLField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = _history()

    class Meta:
        ordering = ["workflow", "-measurement_end"]
        indexes = [models.Index(fields=["workflow", "-measurement_end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_start__lte=F("baseline_end")),
                name="snapshot_baseline_ordered",
                violation_error_message=(
                    "The baseline period must not end before it starts."
                ),
            ),
            models.CheckConstraint(
                condition=Q(measurement_start__lte=F("measurement_end")),
                name="snapshot_measurement_ordered",
                violation_error_message=(
                    "The measurement period must not end before it starts."
                ),
            ),
            models.CheckConstraint(
                condition=Q(baseline_end__lte=F("measurement_start")),
                name="snapshot_baseline_before_measurement",
                violation_error_message=(
                    "The baseline period must end before the measurement period starts."
                ),
            ),
            models.CheckConstraint(
                condition=Q(validated_time_saved_minutes__isnull=True)
                | Q(validated_time_saved_minutes__gte=0),
                name="snapshot_time_saved_not_negative",
                violation_error_message="Validated time saved cannot be negative.",
            ),
            models.UniqueConstraint(
                fields=["workflow", "measurement_start", "measurement_end"],
                name="snapshot_one_per_workflow_period",
            ),
        ]

    def __str__(self):
        return f"{self.workflow_id} {self.measurement_start}..{self.measurement_end}"


class UsageSource(models.TextChoices):
    API = "api", "API"
    CSV = "csv", "CSV"
    OPENAI = "openai", "OpenAI"
    ANTHROPIC = "anthropic", "Anthropic"
    CLAUDE_CODE = "claude_code", "Claude Code"
    COPILOT = "copilot", "GitHub Copilot"
    DEMO = "demo", _("Demo data")


class SignalType(models.TextChoices):
    COST_SPIKE_NO_OUTCOME = "cost_spike_no_outcome", _("Cost spike, no outcome")
    AUTOMATION_LOOP = "automation_loop", _("Automation loop")
    LOW_QUALITY_HIGH_USAGE = "low_quality_high_usage", _("Low quality, high usage")


class SignalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")
    FALSE_POSITIVE = "false_positive", _("False positive")


class TokenCostDiagnostic(models.Model):
    """One workflow's token usage and cost for a day from one source: cost context."""

    Source = UsageSource

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey(
        Workflow, on_delete=models.CASCADE, related_name="diagnostics"
    )
    day = models.DateField()
    source = models.CharField(max_length=20, choices=UsageSource.choices)
    tokens_in = models.BigIntegerField(default=0)
    tokens_out = models.BigIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    request_count = models.BigIntegerField(default=0)
    # How many people the usage came from; who they were is never stored.
    contributor_count = models.PositiveIntegerField(default=0)
    diagnostic_only = models.BooleanField(default=True, editable=False)
    # Vendor data still settling is kept out of detection until it is final.
    provisional = models.BooleanField(default=False)
    linked_outcome_snapshot = models.ForeignKey(
        OutcomeSnapshot, on_delete=models.SET_NULL, null=True, blank=True
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["workflow", "day"]
        indexes = [models.Index(fields=["day", "workflow"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(diagnostic_only=True),
                name="diagnostic_is_diagnostic_only",
                violation_error_message=(
                    "Token cost diagnostics are always diagnostic only."
                ),
            ),
            models.UniqueConstraint(
                fields=["workflow", "day", "source"],
                name="diagnostic_one_per_workflow_day_source",
            ),
            models.CheckConstraint(
                condition=Q(tokens_in__gte=0)
                & Q(tokens_out__gte=0)
                & Q(cost_usd__gte=0)
                & Q(request_count__gte=0),
                name="diagnostic_figures_not_negative",
                violation_error_message="Tokens, cost and requests cannot be negative.",
            ),
            choice_check("source", UsageSource, "diagnostic_source_valid"),
        ]

    def __str__(self):
        return f"{self.workflow_id} {self.day} {self.source}"


class GamingSignal(GovernedModel):
    """A suspicious usage/outcome shape the detector found for a workflow window."""

    Type = SignalType
    Status = SignalStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # PROTECT: a signal is governed, so it goes only through an audited delete.
    workflow = models.ForeignKey(
        Workflow, on_delete=models.PROTECT, related_name="gaming_signals"
    )
    signal_type = models.CharField(max_length=30, choices=SignalType.choices)
    severity = models.CharField(max_length=10, choices=RiskTier.choices)
    window_start = models.DateField()
    window_end = models.DateField()
    evidence_json = models.JSONField(default=dict)
    status = models.CharField(
        max_length=20, choices=SignalStatus.choices, default="open"
    )
    triage_note = models.TextField(blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    history = _history()

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            choice_check("signal_type", SignalType, "signal_type_valid"),
            choice_check("severity", RiskTier, "signal_severity_valid"),
            choice_check("status", SignalStatus, "signal_status_valid"),
            models.CheckConstraint(
                condition=Q(window_start__lte=F("window_end")),
                name="signal_window_ordered",
                violation_error_message=(
                    "The signal window must not end before it starts."
                ),
            ),
            models.UniqueConstraint(
                fields=["workflow", "signal_type", "window_start", "window_end"],
                name="signal_one_per_workflow_type_window",
            ),
        ]

    def __str__(self):
        return f"{self.signal_type} {self.workflow_id} {self.window_end}"

    @property
    def is_closed(self):
        return self.status in (self.Status.RESOLVED, self.Status.FALSE_POSITIVE)


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")


class DetectorRun(models.Model):
    """One detector run over every workflow for a day, split into batches."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    as_of = models.DateField(help_text=_("Last day of the recent window."))
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    source = models.CharField(max_length=10)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The thresholds and run-wide figures every batch of this run uses.
    params = models.JSONField(default=dict)
    workflow_count = models.PositiveIntegerField(default=0)
    batch_count = models.PositiveIntegerField(default=0)
    batches_done = models.PositiveIntegerField(default=0)
    findings = models.PositiveIntegerField(default=0)
    signals_created = models.PositiveIntegerField(default=0)
    found_by_type = models.JSONField(default=dict)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [choice_check("status", RunStatus, "detector_run_status_valid")]

    def __str__(self):
        return f"detector run {self.as_of} {self.status}"


class DetectorBatch(models.Model):
    """A contiguous range of workflows (by id) that one worker evaluates."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(
        DetectorRun, on_delete=models.CASCADE, related_name="batches"
    )
    index = models.PositiveIntegerField()
    first_workflow_id = models.UUIDField()
    last_workflow_id = models.UUIDField()
    workflow_count = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    findings = models.PositiveIntegerField(default=0)
    signals_created = models.PositiveIntegerField(default=0)
    query_count = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "index"], name="detector_batch_one_per_index"
            ),
            choice_check("status", BatchStatus, "detector_batch_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "run"])]

    def __str__(self):
        return f"batch {self.index} of {self.run_id}"
