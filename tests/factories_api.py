"""Helpers for API tests: clients that authenticate like scripts do."""

import datetime

from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.audit import audit_context
from registry.models import Metric
from reviews.models import ScorecardMetric

from .factories import MetricFactory, PerformanceScorecardFactory, UserFactory


def client_for(user=None):
    """An API client sending `Authorization: Token <key>`, or anonymous."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def in_days(days):
    return (timezone.now() + datetime.timedelta(days=days)).isoformat()


def scorecard_with(*metric_keys, approved_by=None, **kwargs):
    """A performance scorecard holding the metrics, approved when a user is given."""
    scorecard = PerformanceScorecardFactory(**kwargs)
    with audit_context(actor=None, source="cli", reason="test fixture"):
        for key in metric_keys:
            ScorecardMetric(
                scorecard=scorecard,
                metric=Metric.objects.get(key=key),
                added_by=scorecard.created_by,
            ).save()
        if approved_by is not None:
            scorecard.status = "approved"
            scorecard.approved_by = approved_by
            scorecard.approved_at = timezone.now()
            scorecard.save()
    return scorecard


def metric_with_changed_policy(governance, **kwargs):
    """An approved metric whose policy governance then changed (rollback-able)."""
    from registry import services

    metric = MetricFactory(**kwargs)
    return services.set_metric_policy(
        actor=governance,
        source="api",
        reason="widened to bonus by mistake",
        metric=metric,
        policy_status="approved",
        allowed_use=["workflow_scorecard", "performance_review", "bonus"],
        prohibited_use=["layoff_screen"],
    )


__all__ = ["UserFactory", "client_for", "in_days", "scorecard_with"]
