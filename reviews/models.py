"""Proposals, gate reviews, performance scorecards and their exports."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.audit import GovernedModel
from registry.choices import choice_check
from registry.models import Metric, Workflow, _history, validate_uses

# The fields a proposal needs before a reviewer may approve it (DESIGN.md).
EVIDENCE_FIELDS = ("evidence_url", "baseline", "owner", "formula", "quality_rubric")


class ProposalStatus(models.TextChoices):
    NEEDS_REVISION = "needs_revision", _("Needs revision")
    PENDING_REVIEW = "pending_review", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DIAGNOSTIC_ONLY = "diagnostic_only", _("Diagnostic only")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    DIAGNOSTIC_ONLY = "diagnostic_only", _("Diagnostic only")
    NEEDS_REVISION = "needs_revision", _("Needs revision")


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class ExportFormat(models.TextChoices):
    JSON = "json", "JSON"
    CSV = "csv", "CSV"


class MetricProposal(GovernedModel):
    """A team owner's candidate metric for one of their workflows."""

    Status = ProposalStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey(
        Workflow, on_delete=models.PROTECT, related_name="proposals"
    )
    metric_key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    formula = models.TextField(blank=True)
    data_source = models.CharField(max_length=200, blank=True)
    proposed_uses = models.JSONField(default=list, validators=[validate_uses])
    baseline = models.TextField(blank=True)
    owner = models.CharField(
        max_length=200, blank=True, help_text=_("Who answers for this metric.")
    )
    quality_rubric = models.TextField(blank=True)
    anti_gaming_rule = models.TextField(blank=True)
    evidence_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default="pending_review"
    )
    missing_fields = models.JSONField(default=list, blank=True)
    # Bumped on every resubmission; a review decides exactly one revision.
    revision = models.PositiveIntegerField(default=1)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = _history()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            choice_check("status", ProposalStatus, "proposal_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(missing_fields=[]),
                name="proposal_approved_has_evidence",
                violation_error_message=(
                    "A proposal cannot be approved while evidence is missing."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.metric_key} for {self.workflow_id}"

    def find_missing_evidence(self):
        """Return the evidence fields that are empty, in DESIGN.md's order."""
        return [
            name for name in EVIDENCE_FIELDS if not str(getattr(self, name)).strip()
        ]


class GateReview(GovernedModel):
    """A governance owner's decision on one revision of a proposal."""

    status_field = "decision"
    Decision = Decision

    score_validators = [MinValueValidator(0), MaxValueValidator(100)]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(
        MetricProposal, on_delete=models.PROTECT, related_name="reviews"
    )
    proposal_revision = models.PositiveIntegerField()
    decision = models.CharField(max_length=20, choices=Decision.choices)
    decision_reason = models.TextField()
    outcome_linkage_score = models.PositiveSmallIntegerField(
        validators=score_validators
    )
    gaming_risk_score = models.PositiveSmallIntegerField(validators=score_validators)
    data_quality_score = models.PositiveSmallIntegerField(validators=score_validators)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = _history()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            choice_check("decision", Decision, "review_decision_valid"),
            models.CheckConstraint(
                condition=~Q(decision_reason=""),
                name="review_reason_required",
                violation_error_message="A review decision needs a reason.",
            ),
            models.CheckConstraint(
                condition=Q(outcome_linkage_score__lte=100)
                & Q(gaming_risk_score__lte=100)
                & Q(data_quality_score__lte=100),
                name="review_scores_at_most_100",
                violation_error_message="Review scores run from 0 to 100.",
            ),
            # Two reviewers racing on one revision: the database keeps one.
            models.UniqueConstraint(
                fields=["proposal", "proposal_revision"],
                name="review_one_decision_per_revision",
            ),
        ]

    def __str__(self):
        return f"{self.decision} on {self.proposal_id} r{self.proposal_revision}"


class PerformanceScorecard(GovernedModel):
    """An HR scorecard built only from metrics the gate allows for reviews."""

    Status = ScorecardStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    subject = models.CharField(
        max_length=200, blank=True, help_text=_("Who or which role it reviews.")
    )
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=10, choices=ScorecardStatus.choices, default="draft"
    )
    metrics = models.ManyToManyField(
        Metric, through="ScorecardMetric", related_name="performance_scorecards"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = _history()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            choice_check("status", ScorecardStatus, "scorecard_status_valid"),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")),
                name="scorecard_period_ordered",
                violation_error_message=(
                    "The scorecard period must not end before it starts."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="scorecard_approved_has_approver",
                violation_error_message=(
                    "An approved scorecard must name who approved it and when."
                ),
            ),
        ]

    def __str__(self):
        return self.name


class ScorecardMetric(models.Model):
    """A metric picked into a performance scorecard (through the gate)."""

    scorecard = models.ForeignKey(
        PerformanceScorecard, on_delete=models.CASCADE, related_name="entries"
    )
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    history = _history()

    class Meta:
        ordering = ["added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "metric"], name="scorecard_metric_once"
            )
        ]

    def __str__(self):
        return f"{self.metric_id} in {self.scorecard_id}"


class ScorecardExport(GovernedModel):
    """A frozen copy of an approved scorecard; invalidated by a rollback."""

    Format = ExportFormat

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scorecard = models.ForeignKey(
        PerformanceScorecard, on_delete=models.PROTECT, related_name="exports"
    )
    format = models.CharField(max_length=4, choices=ExportFormat.choices)
    content = models.TextField()
    metric_keys = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalidation_reason = models.TextField(blank=True)

    history = _history()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            choice_check("format", ExportFormat, "export_format_valid"),
            models.CheckConstraint(
                condition=Q(invalidated_at__isnull=True, invalidation_reason="")
                | (Q(invalidated_at__isnull=False) & ~Q(invalidation_reason="")),
                name="export_invalidation_has_reason",
                violation_error_message=(
                    "An invalidated export needs the time and the reason; a valid"
                    " one has neither."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.format} export of {self.scorecard_id}"

    @property
    def is_valid(self):
        return self.invalidated_at is None

    @classmethod
    def audit_fields(cls):
        return ("invalidated_at",)

    def audit_state(self):
        return "valid" if self.is_valid else "invalidated"
