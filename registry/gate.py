"""The gate: may metric M be used for purpose P at time T?

This is the only place that answers. Scorecards, exports, reports, the HR
selector, admin actions and tasks all ask `decide()` or `require()`.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .choices import PEOPLE_USES, PolicyStatus, Use
from .errors import GateRefusal, InvalidInput
from .models import ExceptionStatus, Metric, MetricException

logger = logging.getLogger(__name__)

BLOCKED_FOR_PERFORMANCE = "blocked_metric_for_performance"
DIAGNOSTIC_FOR_PERFORMANCE = "diagnostic_metric_for_performance"
NOT_APPROVED = "metric_not_approved"
USE_NOT_ALLOWED = "use_not_allowed"


@dataclass(frozen=True)
class GateDecision:
    metric_key: str
    purpose: str
    allowed: bool
    code: str = ""
    detail: str = ""
    exception_id: str | None = None

    def refusal(self):
        return GateRefusal(self.detail, code=self.code, metric_key=self.metric_key)


def _policy_decision(metric, purpose):
    """The decision of the registry policy alone, before exceptions."""
    status = metric.policy_status
    is_people_use = purpose in PEOPLE_USES

    if status == PolicyStatus.PENDING:
        return NOT_APPROVED, f"{metric.key} is not approved yet."
    if status in (PolicyStatus.BLOCKED, PolicyStatus.DIAGNOSTIC_ONLY):
        if purpose == Use.COST_DIAGNOSTIC:
            return None
        if is_people_use and status == PolicyStatus.BLOCKED:
            return (
                BLOCKED_FOR_PERFORMANCE,
                f"{metric.key} is blocked: it may never be used for {purpose}.",
            )
        if is_people_use:
            return (
                DIAGNOSTIC_FOR_PERFORMANCE,
                f"{metric.key} is diagnostic-only: cost context, never {purpose}.",
            )
        return USE_NOT_ALLOWED, f"{metric.key} is for cost diagnostics only."
    if purpose in metric.allowed_use and purpose not in metric.prohibited_use:
        return None
    return USE_NOT_ALLOWED, f"{metric.key} is not approved for {purpose}."


def is_waivable(purpose):
    return purpose not in settings.GATE_NON_WAIVABLE_USES


def active_exceptions(purpose, *, at=None, metrics=None):
    """Approved, unexpired exceptions for `purpose`, keyed by metric id."""
    at = at or timezone.now()
    if not is_waivable(purpose):
        return {}
    found = MetricException.objects.filter(
        requested_use=purpose, status=ExceptionStatus.APPROVED, expires_at__gt=at
    )
    if metrics is not None:
        found = found.filter(metric__in=metrics)
    return {exception.metric_id: exception for exception in found}


def decide(metric, purpose, *, at=None, exceptions=None):
    """Return the GateDecision for using `metric` for `purpose` at time `at`.

    `exceptions` is a mapping from `active_exceptions()` when deciding many
    metrics at once; left out, the one metric's exceptions are looked up.
    """
    if purpose not in Use.values:
        raise InvalidInput(f"Unknown use {purpose!r}.", code="unknown_use")
    purpose = Use(purpose)
    refusal = _policy_decision(metric, purpose)
    if refusal is None:
        return GateDecision(metric.key, purpose, allowed=True)

    code, detail = refusal
    if is_waivable(purpose):
        if exceptions is None:
            exceptions = active_exceptions(purpose, at=at, metrics=[metric])
        exception = exceptions.get(metric.pk)
        if exception is not None:
            return GateDecision(
                metric.key, purpose, allowed=True, exception_id=str(exception.pk)
            )
    return GateDecision(metric.key, purpose, allowed=False, code=code, detail=detail)


def require(metric, purpose, *, at=None):
    """Return the allowing decision, or raise GateRefusal with its code."""
    decision = decide(metric, purpose, at=at)
    if not decision.allowed:
        logger.info(
            "gate refused metric=%s purpose=%s code=%s",
            metric.key,
            purpose,
            decision.code,
        )
        raise decision.refusal()
    return decision


def _could_be_allowed(purpose, at):
    """A filter no allowed metric fails: the gate still decides each one left."""
    possible = Q(policy_status=PolicyStatus.APPROVED)
    if purpose == Use.COST_DIAGNOSTIC:
        possible |= Q(
            policy_status__in=[PolicyStatus.BLOCKED, PolicyStatus.DIAGNOSTIC_ONLY]
        )
    if is_waivable(purpose):
        excepted = MetricException.objects.filter(
            requested_use=purpose, status=ExceptionStatus.APPROVED, expires_at__gt=at
        )
        possible |= Q(pk__in=excepted.values("metric_id"))
    return possible


def allowed_metrics(purpose, *, at=None, metrics=None):
    """The metrics the gate allows for `purpose`, in two queries whatever the size.

    Metrics that cannot be allowed are dropped in SQL first; exceptions are
    looked up only when the policy refuses one of those left.
    """
    if purpose not in Use.values:
        raise InvalidInput(f"Unknown use {purpose!r}.", code="unknown_use")
    at = at or timezone.now()
    metrics = Metric.objects.all() if metrics is None else metrics
    metrics = list(metrics.filter(_could_be_allowed(purpose, at)))
    refused = [metric for metric in metrics if _policy_decision(metric, purpose)]
    exceptions = active_exceptions(purpose, at=at, metrics=refused) if refused else {}
    return [
        metric
        for metric in metrics
        if decide(metric, purpose, at=at, exceptions=exceptions).allowed
    ]
