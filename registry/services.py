"""Writes to the registry: workflows, metric policy, rollback and exceptions.

Each function is keyword-only, checks the actor's rights through
`registry.access`, runs in one transaction and records who did it, from where
and why. Views, the API, admin actions and tasks call these; none of them
changes a governed record on its own.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from . import access
from .audit import stamp
from .choices import RiskTier, Role, Use
from .errors import Conflict, InvalidInput, NotFound
from .models import ExceptionStatus, Metric, MetricException, Workflow
from .validation import clean_or_refuse

logger = logging.getLogger(__name__)

# Sent after the commit of a rollback with metric=, exports=[...], reason=.
exports_invalidated = Signal()


def _require_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why: a reason is required.", code="reason_required")
    return reason


# --- Workflows --------------------------------------------------------------


def register_workflow(*, actor, source, key, name, team, owner, is_pilot=False):
    """Create a workflow and make `owner` (a team owner) its owner."""
    access.check(actor, "register_workflow")
    if not access.has_role(owner, Role.TEAM_OWNER):
        raise InvalidInput(
            f"{owner.get_username()} is not a team owner.", code="owner_not_team_owner"
        )

    with transaction.atomic():
        if Workflow.objects.filter(key=key).exists():
            raise Conflict(f"A workflow with key {key} exists.", code="workflow_exists")
        workflow = Workflow(
            key=key, name=name, team=team, owner=owner, is_pilot=is_pilot
        )
        clean_or_refuse(workflow)
        stamp(workflow, actor=actor, source=source, reason="workflow registered")
        workflow.save()
        access.grant_workflow(owner, workflow)

    logger.info("workflow registered workflow=%s owner=%s", workflow.key, owner.pk)
    return workflow


# --- Metric policy ------------------------------------------------------------


def set_metric_policy(
    *, actor, source, reason, metric, policy_status, allowed_use, prohibited_use
):
    """Change a metric's policy status and uses; governance only."""
    access.check(actor, "set_policy")
    reason = _require_reason(reason)

    with transaction.atomic():
        metric = Metric.objects.select_for_update().get(pk=metric.pk)
        metric.policy_status = policy_status
        metric.allowed_use = list(allowed_use)
        metric.prohibited_use = list(prohibited_use)
        clean_or_refuse(metric)
        stamp(
            metric, actor=actor, source=source, reason=reason, action="policy_changed"
        )
        metric.save()

    logger.info("metric policy set metric=%s status=%s", metric.key, policy_status)
    return metric


@dataclass
class RollbackPlan:
    """What a rollback of `metric` would do, for a confirmation step."""

    metric: Metric
    target: object  # the history row of the policy to return to
    bad_since: datetime.datetime
    exports: list = field(default_factory=list)

    @property
    def target_policy(self):
        return _policy_of(self.target)


def _policy_of(record):
    return (record.policy_status, list(record.allowed_use), list(record.prohibited_use))


def rollback_plan(metric):
    """Find the policy before the current one and the exports made since it changed.

    The current policy is "bad" from the first history row that carries it
    (after the last row with a different policy) until now.
    """
    current = metric.policy()
    bad_since = None
    target = None
    for record in metric.history.order_by("-history_date", "-history_id"):
        if _policy_of(record) != current:
            target = record
            break
        bad_since = record.history_date
    if target is None:
        raise Conflict(
            f"{metric.key} has had no other policy to return to.",
            code="no_previous_policy",
            metric_key=metric.key,
        )
    return RollbackPlan(metric, target, bad_since, _exports_since(metric, bad_since))


def _exports_since(metric, since):
    from reviews.models import ScorecardExport

    candidates = ScorecardExport.objects.filter(
        created_at__gte=since, invalidated_at__isnull=True
    ).select_related("scorecard")
    # metric_keys is a JSON list; filtering in Python keeps SQLite and PG alike.
    return [export for export in candidates if metric.key in export.metric_keys]


def rollback_metric(*, actor, source, reason, metric):
    """Restore the previous policy; invalidate exports made under the bad one."""
    access.check(actor, "rollback_metric")
    reason = _require_reason(reason)

    with transaction.atomic():
        metric = Metric.objects.select_for_update().get(pk=metric.pk)
        plan = rollback_plan(metric)
        status, allowed, prohibited = plan.target_policy
        metric.policy_status = status
        metric.allowed_use = allowed
        metric.prohibited_use = prohibited
        stamp(metric, actor=actor, source=source, reason=reason, action="rolled_back")
        metric.save()
        _invalidate(plan.exports, actor, source, f"Rollback of {metric.key}: {reason}")
        transaction.on_commit(
            lambda: exports_invalidated.send(
                sender=Metric, metric=metric, exports=plan.exports, reason=reason
            )
        )

    logger.info(
        "metric rolled back metric=%s to=%s invalidated_exports=%s",
        metric.key,
        status,
        len(plan.exports),
    )
    return plan


def _invalidate(exports, actor, source, reason):
    now = timezone.now()
    for export in exports:
        export.invalidated_at = now
        export.invalidation_reason = reason
        stamp(export, actor=actor, source=source, reason=reason, action="invalidated")
        export.save()


# --- Exceptions -----------------------------------------------------------


def _check_expiry(expires_at, now):
    if expires_at is None:
        raise InvalidInput("An exception needs expires_at.", code="expires_at_required")
    if expires_at <= now:
        raise InvalidInput("expires_at is in the past.", code="expires_at_in_past")
    limit = now + datetime.timedelta(days=settings.EXCEPTION_MAX_DAYS)
    if expires_at > limit:
        raise InvalidInput(
            f"An exception lasts {settings.EXCEPTION_MAX_DAYS} days at most.",
            code="expires_at_too_far",
        )


def request_exception(
    *, actor, source, metric_key, requested_use, risk_tier, audit_note, expires_at
):
    """Ask governance for a time-boxed exception to the gate for one use."""
    access.check(actor, "request_exception")
    now = timezone.now()
    _check_expiry(expires_at, now)
    if requested_use not in Use.values:
        raise InvalidInput(f"Unknown use {requested_use!r}.", code="unknown_use")
    if requested_use in settings.GATE_NON_WAIVABLE_USES:
        raise InvalidInput(
            f"No exception can lift the refusal of {requested_use}.",
            code="use_not_waivable",
        )
    if risk_tier not in RiskTier.values:
        raise InvalidInput(
            f"Unknown risk tier {risk_tier!r}.", code="invalid_risk_tier"
        )
    audit_note = (audit_note or "").strip()
    if not audit_note:
        raise InvalidInput("An audit note is required.", code="audit_note_required")
    metric = Metric.objects.filter(key=metric_key).first()
    if metric is None:
        raise NotFound(f"No metric with key {metric_key}.", code="metric_not_found")

    with transaction.atomic():
        exception = MetricException(
            metric=metric,
            requested_use=requested_use,
            risk_tier=risk_tier,
            audit_note=audit_note,
            expires_at=expires_at,
            requested_by=actor,
            created_at=now,
        )
        stamp(exception, actor=actor, source=source, reason=audit_note)
        exception.save()

    logger.info(
        "exception requested exception=%s metric=%s use=%s",
        exception.pk,
        metric.key,
        requested_use,
    )
    return exception


def _decide_exception(*, actor, source, exception, to_status, reason, allowed_from):
    access.check(actor, "decide_exception")
    with transaction.atomic():
        exception = MetricException.objects.select_for_update().get(pk=exception.pk)
        if exception.status not in allowed_from:
            raise Conflict(
                f"The exception is {exception.status}; it cannot become {to_status}.",
                code="exception_already_decided",
            )
        now = timezone.now()
        if to_status == ExceptionStatus.APPROVED:
            if exception.expires_at <= now:
                raise Conflict("The exception has already expired.", code="expired")
            exception.approved_by = actor
        exception.status = to_status
        exception.decided_at = now
        stamp(exception, actor=actor, source=source, reason=reason)
        exception.save()

    logger.info("exception %s exception=%s", to_status, exception.pk)
    return exception


def approve_exception(*, actor, source, exception, reason=""):
    return _decide_exception(
        actor=actor,
        source=source,
        exception=exception,
        to_status=ExceptionStatus.APPROVED,
        reason=reason.strip() or "approved",
        allowed_from={ExceptionStatus.REQUESTED},
    )


def reject_exception(*, actor, source, exception, reason):
    return _decide_exception(
        actor=actor,
        source=source,
        exception=exception,
        to_status=ExceptionStatus.REJECTED,
        reason=_require_reason(reason),
        allowed_from={ExceptionStatus.REQUESTED},
    )


def revoke_exception(*, actor, source, exception, reason):
    return _decide_exception(
        actor=actor,
        source=source,
        exception=exception,
        to_status=ExceptionStatus.REVOKED,
        reason=_require_reason(reason),
        allowed_from={ExceptionStatus.REQUESTED, ExceptionStatus.APPROVED},
    )


def expire_lapsed_exceptions(*, now=None):
    """Mark open or approved exceptions past their expiry as expired; count them.

    The gate already ignores them from the moment they lapse; this records it.
    """
    now = now or timezone.now()
    lapsed = MetricException.objects.filter(
        status__in=[ExceptionStatus.REQUESTED, ExceptionStatus.APPROVED],
        expires_at__lte=now,
    )
    count = 0
    with transaction.atomic():
        for exception in lapsed.select_for_update():
            exception.status = ExceptionStatus.EXPIRED
            stamp(exception, actor=None, source="worker", reason=f"expired at {now}")
            exception.save()
            count += 1

    if count:
        logger.info("exceptions expired count=%s", count)
    return count
