"""Exceptions over the API: time-boxed requests, decided by governance only."""

from registry.models import Metric
from reviews.models import PerformanceScorecard

from .factories import MetricExceptionFactory
from .factories_api import client_for, in_days


def request_body(**changes):
    return {
        "metric_key": "tool_active_days",
        "requested_use": "performance_review",
        "risk_tier": "medium",
        "audit_note": "One-quarter comparison with adoption data",
        "expires_at": in_days(30),
        **changes,
    }


def test_request_is_stored_as_requested(hr):
    response = client_for(hr).post(
        "/metric-gate/exceptions", request_body(), format="json"
    )

    assert response.status_code == 201
    assert response.json()["status"] == "requested"
    assert response.json()["is_active"] is False


def test_expiry_in_the_past_is_refused(hr):
    response = client_for(hr).post(
        "/metric-gate/exceptions", request_body(expires_at=in_days(-1)), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "expires_at_in_past"


def test_non_waivable_use_cannot_be_requested(hr):
    response = client_for(hr).post(
        "/metric-gate/exceptions",
        request_body(requested_use="layoff_screen"),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "use_not_waivable"


def test_approved_exception_lets_the_metric_onto_a_scorecard(governance, hr):
    exception = MetricExceptionFactory(
        metric=Metric.objects.get(key="tool_active_days"), requested_by=hr
    )
    client_for(governance).post(
        f"/metric-gate/exceptions/{exception.pk}/approve",
        {"reason": "Time-boxed pilot"},
        format="json",
    )
    created = client_for(hr).post(
        "/metric-gate/performance-scorecards",
        {"name": "Pilot", "period_start": "2026-01-01", "period_end": "2026-03-31"},
        format="json",
    )

    response = client_for(hr).post(
        f"/metric-gate/performance-scorecards/{created.json()['id']}/metrics",
        {"metric_key": "tool_active_days"},
        format="json",
    )

    assert response.status_code == 201
    assert PerformanceScorecard.objects.get().entries.count() == 1


def test_revoking_needs_a_reason(governance, hr):
    exception = MetricExceptionFactory(requested_by=hr)

    response = client_for(governance).post(
        f"/metric-gate/exceptions/{exception.pk}/revoke", {}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "reason_required"


def test_deciding_twice_is_a_conflict(governance, hr):
    exception = MetricExceptionFactory(requested_by=hr)
    client = client_for(governance)
    client.post(f"/metric-gate/exceptions/{exception.pk}/approve", {}, format="json")

    response = client.post(
        f"/metric-gate/exceptions/{exception.pk}/approve", {}, format="json"
    )

    assert response.status_code == 409


def test_requester_lists_only_their_own_exceptions(hr, finance):
    MetricExceptionFactory(requested_by=hr)
    MetricExceptionFactory(requested_by=finance)

    response = client_for(hr).get("/metric-gate/exceptions")

    assert [row["requested_by"] for row in response.json()["results"]] == ["hr"]
