"""Pilot rollout: evidence requests to workflow owners, escalations, notifications."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.audit import GovernedModel
from registry.choices import choice_check
from registry.models import Workflow, _history


class EvidenceItem(models.TextChoices):
    """What a pilot asks a workflow owner for (the seed's D7 list)."""

    BASELINE = "baseline", _("Baseline")
    OUTCOME_METRIC = "outcome_metric", _("Outcome metric")
    QUALITY_RUBRIC = "quality_rubric", _("Quality rubric")
    DATA_SOURCE = "data_source", _("Data source")
    EVIDENCE_URL = "evidence_url", _("Evidence URL")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated")
    CLOSED = "closed", _("Closed")


# Requests still waiting for the owner; at most one per workflow at a time.
PENDING_STATUSES = (RequestStatus.OPEN, RequestStatus.OVERDUE, RequestStatus.ESCALATED)


def validate_items(value):
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Ask for at least one item."), code="no_items")
    unknown = sorted(set(map(str, value)) - set(EvidenceItem.values))
    if unknown:
        raise ValidationError(
            _("Unknown items: %(items)s."),
            code="unknown_item",
            params={"items": ", ".join(unknown)},
        )


class EvidenceRequest(GovernedModel):
    """A governance ask to a workflow owner for pilot evidence, by a due date."""

    Status = RequestStatus
    Item = EvidenceItem

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey(
        Workflow, on_delete=models.PROTECT, related_name="evidence_requests"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="evidence_requests",
        help_text=_("The workflow owner who is asked to answer."),
    )
    items = models.JSONField(validators=[validate_items])
    answers = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    due_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    history = _history()

    class Meta:
        ordering = ["due_date", "created_at"]
        indexes = [models.Index(fields=["status", "due_date"])]
        constraints = [
            choice_check("status", RequestStatus, "evidence_request_status_valid"),
            # A second pending request for the same workflow would split answers.
            models.UniqueConstraint(
                fields=["workflow"],
                condition=Q(status__in=[s.value for s in PENDING_STATUSES]),
                name="evidence_request_one_pending_per_workflow",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answered_at__isnull=False),
                name="evidence_request_answered_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.workflow_id} due {self.due_date}"

    @property
    def is_pending(self):
        return self.status in PENDING_STATUSES

    def missing_items(self):
        """The asked items still without an answer, in the order they were asked."""
        return [
            item for item in self.items if not str(self.answers.get(item, "")).strip()
        ]

    def days_to_due(self, today=None):
        """Days left until the due date; negative once it has passed."""
        today = today or timezone.localdate()
        return (self.due_date - today).days


class Escalation(models.Model):
    """One escalation stage of an unanswered request; the database keeps one each."""

    request = models.ForeignKey(
        EvidenceRequest, on_delete=models.CASCADE, related_name="escalations"
    )
    stage = models.PositiveSmallIntegerField()
    # Who was told, as it stood when it was sent (a record, not a live list).
    recipients = models.JSONField(default=list)
    escalated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "stage"], name="escalation_one_per_request_stage"
            ),
            models.CheckConstraint(
                condition=Q(stage__gte=1), name="escalation_stage_positive"
            ),
        ]

    def __str__(self):
        return f"stage {self.stage} of {self.request_id}"


class NotificationKind(models.TextChoices):
    REQUEST_CREATED = "request_created", _("Evidence requested")
    REMINDER = "reminder", _("Reminder before the due date")
    ESCALATION = "escalation", _("Escalation of an overdue request")
    HIGH_SIGNAL = "high_signal", _("High-severity gaming signal")
    EXCEPTION_EXPIRING = "exception_expiring", _("Exception about to expire")
    EXPORTS_INVALIDATED = "exports_invalidated", _("Exports invalidated by a rollback")


class WebhookStatus(models.TextChoices):
    SKIPPED = "skipped", _("No webhook configured")
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message sent about one event; its key makes a second send impossible."""

    Kind = NotificationKind

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    request = models.ForeignKey(
        EvidenceRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    recipients = models.JSONField(default=list)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    webhook_status = models.CharField(
        max_length=10, choices=WebhookStatus.choices, default=WebhookStatus.SKIPPED
    )
    webhook_attempts = models.PositiveSmallIntegerField(default=0)
    webhook_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            choice_check("kind", NotificationKind, "notification_kind_valid"),
            choice_check("webhook_status", WebhookStatus, "notification_webhook_valid"),
        ]

    def __str__(self):
        return self.key


class NotificationPreference(models.Model):
    """The language a person reads their notifications in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    language = models.CharField(
        max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    def __str__(self):
        return f"{self.user_id}: {self.language}"
