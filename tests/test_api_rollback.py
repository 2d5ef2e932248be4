"""Rollback over the API: back to the last approved policy, bad exports voided."""

import pytest

from registry import services
from reviews.models import ScorecardExport

from .factories import MetricFactory
from .factories_api import client_for, scorecard_with

GOOD_USES = ["workflow_scorecard", "executive_report", "performance_review"]


def export(hr, scorecard):
    response = client_for(hr).get(
        f"/metric-gate/performance-scorecards/{scorecard.pk}/export", {"format": "csv"}
    )
    assert response.status_code == 200, response.content
    return ScorecardExport.objects.get(pk=response["X-Export-Id"])


def widen_to_bonus(governance, metric):
    return services.set_metric_policy(
        actor=governance,
        source="api",
        reason="Bonus use added without review",
        metric=metric,
        policy_status="approved",
        allowed_use=[*GOOD_USES, "bonus"],
        prohibited_use=["layoff_screen"],
    )


@pytest.fixture
def bad_window(governance, hr):
    """Exports before, during (with and without the metric) the bad policy."""
    metric = MetricFactory(key="resolution_rate", allowed_use=GOOD_USES)
    with_metric = scorecard_with(metric.key, created_by=hr, approved_by=governance)
    without_metric = scorecard_with(
        "task_completion_rate", created_by=hr, approved_by=governance
    )
    before = export(hr, with_metric)
    widen_to_bonus(governance, metric)
    return {
        "metric": metric,
        "before": before,
        "during": export(hr, with_metric),
        "unrelated": export(hr, without_metric),
    }


def test_rollback_invalidates_exactly_the_exports_of_the_bad_window(
    governance, bad_window
):
    response = client_for(governance).post(
        "/metric-gate/metrics/resolution_rate/rollback",
        {"reason": "Bonus use was never reviewed"},
        format="json",
    )

    invalidated = ScorecardExport.objects.filter(invalidated_at__isnull=False)
    assert response.status_code == 200
    assert [e["id"] for e in response.json()["invalidated_exports"]] == [
        str(bad_window["during"].pk)
    ]
    assert list(invalidated) == [bad_window["during"]]


def test_rollback_returns_the_metric_to_its_last_approved_policy(
    governance, bad_window
):
    response = client_for(governance).post(
        "/metric-gate/metrics/resolution_rate/rollback",
        {"reason": "Bonus use was never reviewed"},
        format="json",
    )

    bad_window["metric"].refresh_from_db()
    assert response.json()["restored_policy"]["allowed_use"] == GOOD_USES
    assert bad_window["metric"].allowed_use == GOOD_USES


def test_rollback_preview_names_the_exports_and_changes_nothing(governance, bad_window):
    response = client_for(governance).get(
        "/metric-gate/metrics/resolution_rate/rollback"
    )

    assert response.status_code == 200
    assert [e["id"] for e in response.json()["exports"]] == [
        str(bad_window["during"].pk)
    ]
    assert not ScorecardExport.objects.filter(invalidated_at__isnull=False).exists()


def test_rollback_needs_a_reason(governance, bad_window):
    response = client_for(governance).post(
        "/metric-gate/metrics/resolution_rate/rollback", {}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"].keys() == {"reason"}


def test_rollback_without_an_earlier_policy_is_a_conflict(governance):
    MetricFactory(key="never_changed")

    response = client_for(governance).post(
        "/metric-gate/metrics/never_changed/rollback",
        {"reason": "Testing"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "no_previous_policy"
