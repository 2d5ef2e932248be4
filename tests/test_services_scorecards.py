import json

import pytest

from registry import services as registry_services
from registry.errors import Conflict, GateRefusal, PermissionRefused
from registry.models import Metric
from reviews import services
from reviews.models import ScorecardMetric

from .factories import PerformanceScorecardFactory


def add(user, scorecard, key):
    return services.add_scorecard_metric(
        actor=user, source="web", scorecard=scorecard, metric_key=key
    )


def test_hr_cannot_add_blocked_metric(hr):
    scorecard = PerformanceScorecardFactory(created_by=hr)
    with pytest.raises(GateRefusal) as refused:
        add(hr, scorecard, "token_consumption")
    assert refused.value.code == "blocked_metric_for_performance"
    assert not ScorecardMetric.objects.exists()


def test_hr_adds_approved_outcome_metric(hr):
    scorecard = PerformanceScorecardFactory(created_by=hr)
    add(hr, scorecard, "task_completion_rate")
    assert list(scorecard.metrics.values_list("key", flat=True)) == [
        "task_completion_rate"
    ]


def test_finance_cannot_build_performance_scorecards(finance, hr):
    scorecard = PerformanceScorecardFactory(created_by=hr)
    with pytest.raises(PermissionRefused):
        add(finance, scorecard, "task_completion_rate")


def test_export_refused_until_governance_approves(hr):
    scorecard = PerformanceScorecardFactory(created_by=hr)
    add(hr, scorecard, "task_completion_rate")
    with pytest.raises(Conflict) as refused:
        services.export_performance_scorecard(
            actor=hr, source="api", scorecard=scorecard, fmt="json"
        )
    assert refused.value.code == "scorecard_not_approved"


def approved_scorecard(hr, governance, keys=("task_completion_rate",)):
    scorecard = PerformanceScorecardFactory(created_by=hr)
    for key in keys:
        add(hr, scorecard, key)
    return services.approve_performance_scorecard(
        actor=governance, source="web", scorecard=scorecard, reason="ok"
    )


def test_approved_scorecard_exports_frozen_json(hr, governance):
    scorecard = approved_scorecard(hr, governance)
    export = services.export_performance_scorecard(
        actor=hr, source="api", scorecard=scorecard, fmt="json"
    )
    content = json.loads(export.content)
    assert [row["metric_key"] for row in content["metrics"]] == ["task_completion_rate"]


def test_approved_scorecard_can_no_longer_change(hr, governance):
    scorecard = approved_scorecard(hr, governance)
    with pytest.raises(Conflict):
        add(hr, scorecard, "validated_time_saved")


def test_rollback_invalidates_only_exports_of_the_bad_window(hr, governance):
    good = approved_scorecard(hr, governance, keys=("quality_defect_rate",))
    before = services.export_performance_scorecard(
        actor=hr, source="api", scorecard=good, fmt="csv"
    )
    metric = Metric.objects.get(key="task_completion_rate")
    registry_services.set_metric_policy(
        actor=governance,
        source="web",
        reason="also for bonus",
        metric=metric,
        policy_status="approved",
        allowed_use=metric.allowed_use + ["bonus"],
        prohibited_use=metric.prohibited_use,
    )
    bad = approved_scorecard(hr, governance)
    during = services.export_performance_scorecard(
        actor=hr, source="api", scorecard=bad, fmt="json"
    )
    unrelated = services.export_performance_scorecard(
        actor=hr, source="api", scorecard=good, fmt="json"
    )

    plan = registry_services.rollback_metric(
        actor=governance, source="web", reason="bonus use was a mistake", metric=metric
    )

    assert [export.pk for export in plan.exports] == [during.pk]
    for export in (before, during, unrelated):
        export.refresh_from_db()
    assert (before.is_valid, during.is_valid, unrelated.is_valid) == (True, False, True)
    metric.refresh_from_db()
    assert "bonus" not in metric.allowed_use


def test_rollback_without_previous_policy_conflicts(governance):
    metric = Metric.objects.get(key="prompt_count")
    with pytest.raises(Conflict):
        registry_services.rollback_metric(
            actor=governance, source="web", reason="undo", metric=metric
        )
