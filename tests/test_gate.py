import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from registry import gate
from registry.errors import GateRefusal, InvalidInput
from registry.models import Metric

from .factories import MetricExceptionFactory, MetricFactory


def seeded(key):
    return Metric.objects.get(key=key)


def test_blocked_metric_is_refused_for_performance_review(db):
    decision = gate.decide(seeded("token_consumption"), "performance_review")
    assert not decision.allowed
    assert decision.code == "blocked_metric_for_performance"


def test_blocked_metric_stays_possible_for_cost_diagnostic(db):
    assert gate.decide(seeded("token_consumption"), "cost_diagnostic").allowed


def test_diagnostic_metric_is_refused_for_people_uses(db):
    decision = gate.decide(seeded("tool_active_days"), "bonus")
    assert decision.code == "diagnostic_metric_for_performance"


def test_pending_metric_is_not_approved_for_anything(db):
    metric = MetricFactory(policy_status="pending", allowed_use=[], prohibited_use=[])
    assert gate.decide(metric, "cost_diagnostic").code == "metric_not_approved"


def test_approved_metric_is_allowed_only_for_its_listed_uses(db):
    metric = seeded("task_completion_rate")
    assert gate.decide(metric, "performance_review").allowed
    assert gate.decide(metric, "bonus").code == "use_not_allowed"


def test_prohibited_use_wins_over_allowed_use(db):
    metric = MetricFactory(allowed_use=["bonus"], prohibited_use=[])
    metric.prohibited_use = ["bonus"]  # unsaved: clean() would refuse the overlap
    assert gate.decide(metric, "bonus").code == "use_not_allowed"


def test_approved_unexpired_exception_lifts_a_refusal(db, governance):
    exception = MetricExceptionFactory(status="approved", approved_by=governance)
    decision = gate.decide(seeded("token_consumption"), "performance_review")
    assert decision.allowed
    assert decision.exception_id == str(exception.pk)


def test_expired_exception_stops_counting_at_once(db, governance):
    MetricExceptionFactory(status="approved", approved_by=governance)
    later = timezone.now() + datetime.timedelta(days=31)
    decision = gate.decide(seeded("token_consumption"), "performance_review", at=later)
    assert not decision.allowed


def test_requested_exception_does_not_lift_a_refusal(db):
    MetricExceptionFactory(status="requested")
    assert not gate.decide(seeded("token_consumption"), "performance_review").allowed


def test_no_exception_lifts_a_non_waivable_use(db, governance):
    MetricExceptionFactory(
        requested_use="layoff_screen", status="approved", approved_by=governance
    )
    decision = gate.decide(seeded("token_consumption"), "layoff_screen")
    assert decision.code == "blocked_metric_for_performance"


@override_settings(GATE_NON_WAIVABLE_USES=["bonus"])
def test_non_waivable_uses_come_from_settings(db, governance):
    MetricExceptionFactory(
        requested_use="bonus", status="approved", approved_by=governance
    )
    assert not gate.decide(seeded("token_consumption"), "bonus").allowed


def test_require_raises_refusal_carrying_metric_key(db):
    with pytest.raises(GateRefusal) as refused:
        gate.require(seeded("prompt_count"), "performance_review")
    assert refused.value.as_dict()["metric_key"] == "prompt_count"
    assert refused.value.status == 403


def test_unknown_purpose_is_invalid_input(db):
    with pytest.raises(InvalidInput):
        gate.decide(seeded("prompt_count"), "karma")


def test_allowed_metrics_lists_only_what_decide_allows(
    db, django_assert_max_num_queries
):
    MetricFactory.create_batch(20)
    with django_assert_max_num_queries(2):
        allowed = gate.allowed_metrics("performance_review")
    keys = {metric.key for metric in allowed}
    assert "token_consumption" not in keys
    assert "tool_active_days" not in keys
    assert {"task_completion_rate", "validated_time_saved"} <= keys
