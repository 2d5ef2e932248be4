"""The metric registry, workflows, exceptions and the audit trail."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from .audit import GENESIS_HASH, AuditedHistory, GovernedModel
from .choices import PEOPLE_USES, PolicyStatus, RiskTier, Source, Use, choice_check


def _history():
    return HistoricalRecords(bases=[AuditedHistory], cascade_delete_history=False)


class Workflow(models.Model):
    """An AI-assisted workflow whose outcomes and costs are measured."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    team = models.CharField(max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_workflows",
        help_text=_("Primary owner; other owners hold the own_workflow permission."),
    )
    is_pilot = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = _history()

    class Meta:
        ordering = ["key"]
        permissions = [("own_workflow", "Owns the workflow")]

    def __str__(self):
        return self.key


class WorkflowUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key permissions, so "my workflows" is one indexed join."""

    content_object = models.ForeignKey(Workflow, on_delete=models.CASCADE)


class WorkflowGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Workflow, on_delete=models.CASCADE)


def validate_uses(value):
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        raise ValidationError(_("Give a list of uses."), code="invalid_uses")
    unknown = sorted(set(value) - set(Use.values))
    if unknown:
        raise ValidationError(
            _("Unknown uses: %(uses)s."),
            code="unknown_use",
            params={"uses": ", ".join(unknown)},
        )


class MetricKind(models.TextChoices):
    OUTCOME = "outcome", _("Outcome")
    USAGE = "usage", _("Usage")
    COST = "cost", _("Cost")


class Metric(GovernedModel):
    """A registry entry: what a metric is and what it may be used for."""

    status_field = "policy_status"
    Kind = MetricKind

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=10, choices=MetricKind.choices, default=MetricKind.OUTCOME
    )
    unit = models.CharField(max_length=40, blank=True)
    policy_status = models.CharField(
        max_length=20, choices=PolicyStatus.choices, default=PolicyStatus.PENDING
    )
    allowed_use = models.JSONField(default=list, blank=True, validators=[validate_uses])
    prohibited_use = models.JSONField(
        default=list, blank=True, validators=[validate_uses]
    )
    rationale = models.TextField(blank=True)
    formula = models.TextField(blank=True)
    data_source = models.CharField(max_length=200, blank=True)
    baseline = models.TextField(blank=True)
    quality_threshold = models.TextField(blank=True)
    anti_gaming_check = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="governed_metrics",
        help_text=_("Governance owner of this metric's policy."),
    )
    # Where a workflow's value of this metric is read from: a column of the
    # outcome snapshot, or, when blank, the snapshot's metric_values[key].
    snapshot_field = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = _history()

    class Meta:
        ordering = ["key"]
        constraints = [
            choice_check("policy_status", PolicyStatus, "metric_policy_status_valid"),
            choice_check("kind", MetricKind, "metric_kind_valid"),
        ]

    def __str__(self):
        return self.key

    @classmethod
    def audit_fields(cls):
        return ("policy_status", "allowed_use", "prohibited_use")

    def audit_state(self):
        """The whole policy, so an audit row shows uses changing as well as status."""
        allowed = ",".join(self.allowed_use or [])
        prohibited = ",".join(self.prohibited_use or [])
        return f"{self.policy_status} allowed=[{allowed}] prohibited=[{prohibited}]"

    def policy(self):
        return (self.policy_status, list(self.allowed_use), list(self.prohibited_use))

    def clean(self):
        allowed = set(self.allowed_use or [])
        prohibited = set(self.prohibited_use or [])
        errors = {}
        if allowed & prohibited:
            errors["prohibited_use"] = _(
                "A use cannot be allowed and prohibited: %s."
            ) % (", ".join(sorted(allowed & prohibited)))
        not_approved = (PolicyStatus.BLOCKED, PolicyStatus.DIAGNOSTIC_ONLY)
        if self.policy_status in not_approved and allowed - {Use.COST_DIAGNOSTIC}:
            errors["allowed_use"] = _(
                "A blocked or diagnostic-only metric allows cost_diagnostic only."
            )
        if self.policy_status == PolicyStatus.APPROVED and not allowed:
            errors["allowed_use"] = _("An approved metric needs at least one use.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_people_safe(self):
        return self.policy_status == PolicyStatus.APPROVED and bool(
            set(self.allowed_use) & PEOPLE_USES
        )


class ExceptionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class MetricException(GovernedModel):
    """A time-boxed permission to use a metric for a purpose the gate refuses."""

    Status = ExceptionStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    metric = models.ForeignKey(
        Metric, on_delete=models.PROTECT, related_name="exceptions"
    )
    requested_use = models.CharField(max_length=30, choices=Use.choices)
    risk_tier = models.CharField(max_length=10, choices=RiskTier.choices)
    audit_note = models.TextField()
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=ExceptionStatus.choices, default="requested"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="requested_exceptions",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_exceptions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = _history()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["metric", "requested_use", "status"])]
        constraints = [
            choice_check("requested_use", Use, "exception_use_valid"),
            choice_check("risk_tier", RiskTier, "exception_risk_tier_valid"),
            choice_check("status", ExceptionStatus, "exception_status_valid"),
            models.CheckConstraint(
                condition=~Q(audit_note=""),
                name="exception_audit_note_required",
                violation_error_message="An exception needs an audit note.",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="exception_expires_after_creation",
                violation_error_message=(
                    "An exception must expire after it was requested."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_by__isnull=False),
                name="exception_approved_has_approver",
                violation_error_message=(
                    "An approved exception must name who approved it."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.metric_id} for {self.requested_use}"

    def clean(self):
        max_days = settings.EXCEPTION_MAX_DAYS
        if self.expires_at is None:
            return
        start = self.created_at or timezone.now()
        if self.expires_at <= start:
            raise ValidationError(
                {"expires_at": _("The expiry must be in the future.")}
            )
        if self.expires_at > start + timezone.timedelta(days=max_days):
            message = _("An exception lasts %(days)s days at most.") % {
                "days": max_days
            }
            raise ValidationError({"expires_at": message})

    def is_active(self, at=None):
        at = at or timezone.now()
        return self.status == self.Status.APPROVED and self.expires_at > at


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One append-only row per governed state change, chained by hash."""

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    previous_state = models.TextField(blank=True)
    next_state = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        constraints = [choice_check("source", Source, "audit_source_valid")]

    def __str__(self):
        return f"#{self.pk} {self.object_type} {self.previous_state}->{self.next_state}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


class AuditChainHead(models.Model):
    """The single row holding the chain's newest hash; its lock orders appends."""

    last_event_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    event_count = models.BigIntegerField(default=0)

    def __str__(self):
        return f"audit chain head at #{self.last_event_id}"
