"""Writes of the pilot rollout: ask for evidence, answer, close, remind, escalate.

Keyword-only, one transaction each, permissions through `registry.access`.
The periodic ones take `now=` so that tests (and reruns) control the clock;
each is idempotent: running it twice changes and sends nothing more.
"""

import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from registry import access
from registry.audit import stamp
from registry.choices import Role
from registry.errors import Conflict, InvalidInput, NotFound
from registry.models import ExceptionStatus, MetricException

from . import notify
from .models import (
    PENDING_STATUSES,
    Escalation,
    EvidenceItem,
    EvidenceRequest,
    RequestStatus,
)

logger = logging.getLogger(__name__)

MAX_ANSWER_LENGTH = 4000


# --- Reads shared by views and services ----------------------------------


def get_request(user, request_id, action="view_evidence"):
    """Return the request if the user may do `action` on its workflow, else refuse."""
    request = (
        EvidenceRequest.objects.select_related("workflow", "owner", "created_by")
        .filter(pk=_uuid_or_none(request_id))
        .first()
    )
    if request is None:
        raise NotFound("No such evidence request.", code="evidence_request_not_found")
    try:
        access.get_workflow(user, request.workflow_id, action)
    except NotFound as error:
        raise NotFound(
            "No such evidence request.", code="evidence_request_not_found"
        ) from error
    return request


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- Governance asks ---------------------------------------------------------


def _clean_items(items):
    items = list(dict.fromkeys(str(item) for item in items or []))
    if not items:
        raise InvalidInput("Ask for at least one item.", code="no_items")
    unknown = sorted(set(items) - set(EvidenceItem.values))
    if unknown:
        raise InvalidInput(
            f"Unknown evidence items: {', '.join(unknown)}.", code="unknown_item"
        )
    return items


def create_requests(*, actor, source, workflows, items, due_date, note="", today=None):
    """Ask each workflow's owner for `items` by `due_date`; all or none are created."""
    access.check(actor, "manage_pilot")
    today = today or timezone.localdate()
    items = _clean_items(items)
    if not workflows:
        raise InvalidInput("Pick at least one workflow.", code="no_workflows")
    if due_date is None or due_date < today:
        raise InvalidInput("The due date must be today or later.", code="due_in_past")

    created = []
    with transaction.atomic():
        for ref in workflows:
            workflow = access.get_workflow(actor, getattr(ref, "pk", ref), "manage")
            created.append(
                _create_one(actor, source, workflow, items, due_date, note.strip())
            )

    logger.info(
        "evidence requested workflows=%s due=%s by=%s",
        ",".join(r.workflow.key for r in created),
        due_date,
        actor.pk,
    )
    return created


def _create_one(actor, source, workflow, items, due_date, note):
    pending = EvidenceRequest.objects.filter(
        workflow=workflow, status__in=PENDING_STATUSES
    )
    if pending.exists():
        raise Conflict(
            f"Workflow {workflow.key} already has an evidence request waiting.",
            code="evidence_request_pending",
            workflow=workflow.key,
        )
    if not workflow.is_pilot:
        workflow.is_pilot = True
        workflow._change_reason = "picked for the pilot"
        workflow.save(update_fields=["is_pilot"])

    request = EvidenceRequest(
        workflow=workflow,
        owner=workflow.owner,
        items=items,
        due_date=due_date,
        note=note,
        created_by=actor,
    )
    stamp(request, actor=actor, source=source, reason="pilot evidence requested")
    request.save()
    notify.notify_request_created(request)
    return request


def close_request(*, actor, source, request_id, reason):
    """Governance closes a request (accepted, or no longer needed)."""
    access.check(actor, "manage_pilot")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why: a reason is required.", code="reason_required")

    with transaction.atomic():
        request = _locked(get_request(actor, request_id, "view_evidence"))
        if request.status == RequestStatus.CLOSED:
            raise Conflict("The request is already closed.", code="already_closed")
        request.status = RequestStatus.CLOSED
        request.closed_at = timezone.now()
        stamp(request, actor=actor, source=source, reason=reason)
        request.save()

    logger.info("evidence request closed request=%s by=%s", request.pk, actor.pk)
    return request


def _locked(request):
    return (
        EvidenceRequest.objects.select_for_update()
        .select_related("workflow", "owner", "created_by")
        .get(pk=request.pk)
    )


# --- The owner answers -------------------------------------------------------


def _clean_answers(request, answers):
    cleaned = {}
    for item, value in (answers or {}).items():
        if item not in request.items:
            raise InvalidInput(
                f"{item} was not asked for.", code="item_not_asked", field=item
            )
        value = str(value or "").strip()
        if len(value) > MAX_ANSWER_LENGTH:
            raise InvalidInput(
                f"{item} is longer than {MAX_ANSWER_LENGTH} characters.",
                code="answer_too_long",
                field=item,
            )
        if value and item == EvidenceItem.EVIDENCE_URL:
            _check_url(value)
        if value:
            cleaned[item] = value
    if not cleaned:
        raise InvalidInput("Fill in at least one item.", code="empty_answer")
    return cleaned


def _check_url(value):
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError as error:
        raise InvalidInput(
            "The evidence URL must be an http(s) address.",
            code="invalid_url",
            field=EvidenceItem.EVIDENCE_URL,
        ) from error


def answer_request(*, actor, source, request_id, answers, now=None):
    """The owner fills in items; the request is answered once none is missing."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(get_request(actor, request_id, "answer_evidence"))
        if not request.is_pending:
            raise Conflict(
                f"The request is {request.status}; it takes no more answers.",
                code="evidence_request_not_pending",
            )
        request.answers = {**request.answers, **_clean_answers(request, answers)}
        complete = not request.missing_items()
        if complete:
            request.status = RequestStatus.ANSWERED
            request.answered_at = now
            request.answered_by = actor
        stamp(
            request,
            actor=actor,
            source=source,
            reason="evidence answered" if complete else "evidence partly answered",
        )
        request.save()

    logger.info(
        "evidence answered request=%s by=%s complete=%s",
        request.pk,
        actor.pk,
        complete,
    )
    return request


# --- Periodic work (beat) -----------------------------------------------------


def send_due_reminders(*, now=None):
    """Remind owners of open requests due within PILOT_REMINDER_DAYS; return count."""
    today = timezone.localdate(now or timezone.now())
    horizon = today + timezone.timedelta(days=settings.PILOT_REMINDER_DAYS)
    due_soon = EvidenceRequest.objects.filter(
        status=RequestStatus.OPEN, due_date__gte=today, due_date__lte=horizon
    ).select_related("workflow", "owner", "created_by")

    sent = sum(
        1 for request in due_soon if notify.notify_reminder(request, today=today)
    )
    if sent:
        logger.info("evidence reminders sent count=%s", sent)
    return sent


def mark_overdue_and_escalate(*, now=None):
    """Mark late requests overdue and raise each escalation stage once; counts."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"overdue": 0, "escalated": 0}

    late = EvidenceRequest.objects.filter(
        status__in=PENDING_STATUSES, due_date__lt=today
    ).values_list("pk", flat=True)
    for request_id in list(late):
        overdue, escalations = _escalate_one(request_id, now, today)
        counts["overdue"] += overdue
        counts["escalated"] += escalations

    if any(counts.values()):
        logger.info(
            "evidence requests overdue=%s escalations=%s at=%s",
            counts["overdue"],
            counts["escalated"],
            now.isoformat(),
        )
    return counts


def _escalate_one(request_id, now, today):
    """Handle one late request in its own transaction, so one failure stops no other."""
    with transaction.atomic():
        request = (
            EvidenceRequest.objects.select_for_update()
            .select_related("workflow", "owner", "created_by")
            .get(pk=request_id)
        )
        if not request.is_pending:
            return 0, 0

        overdue = 0
        if request.status == RequestStatus.OPEN:
            _set_status(request, RequestStatus.OVERDUE, "past its due date")
            overdue = 1

        days_overdue = -request.days_to_due(today)
        done = set(request.escalations.values_list("stage", flat=True))
        raised = 0
        for stage, after_days in enumerate(settings.PILOT_ESCALATION_DAYS, start=1):
            if days_overdue >= after_days and stage not in done:
                raised += _raise_stage(request, stage, days_overdue, now)
        return overdue, raised


def _set_status(request, status, reason):
    request.status = status
    stamp(request, actor=None, source="worker", reason=reason)
    request.save()


def _escalation_targets(request, stage):
    """Stage one goes to the governance owner who asked; later stages to all of them."""
    asker = request.created_by
    if stage == 1 and asker.is_active and access.has_role(asker, Role.GOVERNANCE):
        return [asker]
    return notify.governance_owners()


def _raise_stage(request, stage, days_overdue, now):
    targets = _escalation_targets(request, stage)
    try:
        # The savepoint keeps the transaction usable if a concurrent run won.
        with transaction.atomic():
            escalation = Escalation.objects.create(
                request=request,
                stage=stage,
                recipients=[user.get_username() for user in targets],
                escalated_at=now,
            )
    except IntegrityError:
        logger.info("escalation already raised request=%s stage=%s", request.pk, stage)
        return 0

    if request.status != RequestStatus.ESCALATED:
        _set_status(request, RequestStatus.ESCALATED, f"escalated, stage {stage}")
    notify.notify_escalation(escalation, targets=targets, days_overdue=days_overdue)
    logger.info(
        "evidence request escalated request=%s workflow=%s stage=%s to=%s",
        request.pk,
        request.workflow.key,
        stage,
        ",".join(escalation.recipients),
    )
    return 1


def warn_expiring_exceptions(*, now=None):
    """Warn once about each approved exception lapsing within the warning window."""
    now = now or timezone.now()
    horizon = now + timezone.timedelta(days=settings.PILOT_EXCEPTION_WARNING_DAYS)
    expiring = MetricException.objects.filter(
        status=ExceptionStatus.APPROVED, expires_at__gt=now, expires_at__lte=horizon
    ).select_related("metric", "requested_by")

    sent = sum(
        1 for exception in expiring if notify.notify_exception_expiring(exception)
    )
    if sent:
        logger.info("exception expiry warnings sent count=%s", sent)
    return sent
