"""The three detector rules: true positives, a normal workflow, severity edges."""

from datetime import timedelta
from decimal import Decimal

import pytest

from signals.detector import start_run
from signals.models import GamingSignal

from .factories import WorkflowFactory
from .factories_signals import AS_OF, RECENT_START, recent_snapshot, usage_history


def run():
    return start_run(as_of=AS_OF, source="cli")


def signals_of(workflow, signal_type):
    return GamingSignal.objects.filter(workflow=workflow, signal_type=signal_type)


@pytest.fixture
def flat(db):
    """A workflow with steady usage and a modest outcome lift."""
    workflow = WorkflowFactory(key="steady")
    usage_history(workflow)
    recent_snapshot(workflow, task_completion_delta=Decimal("0.03"))
    return workflow


def test_cost_doubling_without_outcome_lift_raises_cost_spike(db):
    workflow = WorkflowFactory()
    usage_history(workflow, recent={"cost": "25"})
    recent_snapshot(workflow)

    run()

    signal = signals_of(workflow, "cost_spike_no_outcome").get()
    assert signal.severity in ("medium", "high")


def test_cost_spike_window_is_the_recent_week(db):
    workflow = WorkflowFactory()
    usage_history(workflow, recent={"cost": "25"})

    run()

    signal = signals_of(workflow, "cost_spike_no_outcome").get()
    assert (signal.window_start, signal.window_end) == (RECENT_START, AS_OF)


def test_cost_spike_evidence_carries_windows_costs_and_ratio(db):
    workflow = WorkflowFactory()
    usage_history(workflow, recent={"cost": "25"})

    run()

    evidence = signals_of(workflow, "cost_spike_no_outcome").get().evidence_json
    assert evidence["rule"]["ratio"] == 2.5
    assert evidence["windows"]["recent"] == [
        RECENT_START.isoformat(),
        AS_OF.isoformat(),
    ]
    assert evidence["costs_usd"]["recent"] == "175.0000"


def test_cost_spike_with_outcome_lift_raises_nothing(db):
    workflow = WorkflowFactory()
    usage_history(workflow, recent={"cost": "25"})
    recent_snapshot(workflow, validated_time_saved_minutes=300)

    run()

    assert not signals_of(workflow, "cost_spike_no_outcome").exists()


def test_cost_exactly_double_is_not_a_spike(db):
    workflow = WorkflowFactory()
    usage_history(workflow, recent={"cost": "20"})

    run()

    assert not signals_of(workflow, "cost_spike_no_outcome").exists()


def test_cost_exactly_four_times_is_medium(db):
    workflow = WorkflowFactory()
    usage_history(workflow, recent={"cost": "40"})

    run()

    assert signals_of(workflow, "cost_spike_no_outcome").get().severity == "medium"


def test_cost_above_four_times_is_high(db):
    workflow = WorkflowFactory()
    usage_history(workflow, recent={"cost": "40.01"})

    run()

    assert signals_of(workflow, "cost_spike_no_outcome").get().severity == "high"


def test_cost_spike_with_falling_quality_is_high(db):
    workflow = WorkflowFactory()
    usage_history(workflow, recent={"cost": "25"})
    recent_snapshot(workflow, quality_score_delta=Decimal("-0.01"))

    run()

    assert signals_of(workflow, "cost_spike_no_outcome").get().severity == "high"


def test_workflow_without_enough_baseline_raises_nothing(db):
    workflow = WorkflowFactory()
    usage_history(workflow, recent={"cost": "100"})
    workflow.diagnostics.filter(day__lt=RECENT_START - timedelta(days=10)).delete()

    run()

    assert not GamingSignal.objects.filter(workflow=workflow).exists()


def test_replayed_prompts_raise_automation_loop(db):
    workflow = WorkflowFactory()
    usage_history(
        workflow,
        baseline={"requests": 100, "tokens_in": 90_000, "tokens_out": 30_000},
        recent={"requests": 600, "tokens_in": 540_000, "tokens_out": 180_000},
    )

    run()

    assert signals_of(workflow, "automation_loop").get().severity == "medium"


def test_requests_over_ten_times_baseline_is_a_high_loop(db):
    workflow = WorkflowFactory()
    usage_history(
        workflow,
        baseline={"requests": 100},
        recent={"requests": 1100, "tokens_in": 11_000, "tokens_out": 2_200},
    )

    run()

    assert signals_of(workflow, "automation_loop").get().severity == "high"


def test_request_growth_with_varied_prompts_is_not_a_loop(db):
    workflow = WorkflowFactory()
    usage_history(workflow, baseline={"requests": 100})
    for offset, row in enumerate(workflow.diagnostics.filter(day__gte=RECENT_START)):
        row.request_count = 600
        row.tokens_in = 1000 * (offset + 1) * 6
        row.save()

    run()

    assert not signals_of(workflow, "automation_loop").exists()


def test_heavy_usage_with_falling_quality_raises_low_quality_high_usage(db):
    heavy = WorkflowFactory()
    usage_history(heavy, recent={"tokens_in": 50_000})
    recent_snapshot(heavy, quality_score_delta=Decimal("-0.04"))
    for _ in range(3):
        usage_history(WorkflowFactory())

    run()

    assert signals_of(heavy, "low_quality_high_usage").get().severity == "medium"


def test_quality_drop_of_ten_points_is_high(db):
    heavy = WorkflowFactory()
    usage_history(heavy, recent={"tokens_in": 50_000})
    recent_snapshot(heavy, quality_score_delta=Decimal("-0.10"))
    for _ in range(3):
        usage_history(WorkflowFactory())

    run()

    assert signals_of(heavy, "low_quality_high_usage").get().severity == "high"


def test_light_usage_with_falling_quality_is_not_flagged(db):
    light = WorkflowFactory()
    usage_history(light, recent={"tokens_in": 10})
    recent_snapshot(light, quality_score_delta=Decimal("-0.2"))
    for _ in range(3):
        usage_history(WorkflowFactory(), recent={"tokens_in": 50_000})

    run()

    assert not signals_of(light, "low_quality_high_usage").exists()


def test_normal_workflow_raises_no_signal(flat):
    run()

    assert not GamingSignal.objects.filter(workflow=flat).exists()


def test_provisional_days_are_left_out(db):
    workflow = WorkflowFactory()
    usage_history(workflow, recent={"cost": "50", "provisional": True})

    run()

    assert not GamingSignal.objects.filter(workflow=workflow).exists()
