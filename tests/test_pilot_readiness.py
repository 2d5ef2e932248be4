"""The readiness check: ready only when every allowed metric and workflow is done."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pilot.readiness import METRIC_FIELDS, check_readiness
from registry.audit import stamp
from registry.models import Metric

from .factories import MetricExceptionFactory, MetricFactory, WorkflowFactory
from .factories_pilot import EvidenceRequestFactory, complete_answers

D7_ITEMS = ["baseline", "outcome_metric", "quality_rubric", "data_source"]


def _save(metric, **changes):
    for name, value in changes.items():
        setattr(metric, name, value)
    stamp(metric, actor=None, source="cli", reason="readiness test")
    metric.save()
    return metric


@pytest.fixture
def complete_registry(governance):
    """Give every seeded metric the fields the acceptance asks for."""
    for metric in Metric.objects.all():
        _save(
            metric,
            owner=governance,
            formula=metric.formula or "numerator / denominator",
            data_source=metric.data_source or "warehouse",
            baseline=metric.baseline or "Q3 2026",
            quality_threshold=metric.quality_threshold or "90% sample agreement",
            anti_gaming_check=metric.anti_gaming_check or "weekly sample review",
        )


@pytest.fixture
def pilot(settings, governance):
    """Three pilot workflows whose owners answered every D7 item."""
    settings.PILOT_MIN_WORKFLOWS = 3
    workflows = []
    for n in range(3):
        workflow = WorkflowFactory(key=f"pilot-{n}", is_pilot=True)
        EvidenceRequestFactory(
            workflow=workflow,
            items=D7_ITEMS,
            answers=complete_answers(D7_ITEMS),
            status="answered",
            answered_at=timezone.now(),
            created_by=governance,
        )
        workflows.append(workflow)
    return workflows


def test_a_complete_pilot_is_ready(complete_registry, pilot):
    report = check_readiness()

    assert report.ready
    assert "task_completion_rate" in report.metrics_checked


@pytest.mark.parametrize("field", list(METRIC_FIELDS))
def test_an_allowed_metric_missing_a_field_fails_naming_it(
    complete_registry, pilot, governance, field
):
    metric = MetricFactory(key="resolution_rate", owner=governance)
    _save(metric, **{field: None if field == "owner" else ""})

    report = check_readiness()

    assert not report.ready
    assert [(gap.key, gap.missing) for gap in report.metric_gaps] == [
        ("resolution_rate", [field])
    ]


def test_a_metric_missing_several_fields_lists_each(complete_registry, pilot):
    MetricFactory(key="resolution_rate", formula="", baseline="")

    (gap,) = check_readiness().metric_gaps

    assert gap.missing == ["formula", "baseline", "owner"]


def test_a_blocked_metric_is_not_checked(complete_registry, pilot):
    _save(Metric.objects.get(key="prompt_count"), formula="", owner=None)

    assert check_readiness().ready


def test_a_metric_allowed_only_by_an_exception_is_checked(
    complete_registry, pilot, governance
):
    blocked = _save(Metric.objects.get(key="tool_active_days"), owner=None)
    MetricExceptionFactory(
        metric=blocked,
        requested_use="performance_review",
        status="approved",
        approved_by=governance,
        expires_at=timezone.now() + datetime.timedelta(days=10),
    )

    report = check_readiness()

    assert [gap.key for gap in report.metric_gaps] == ["tool_active_days"]


def test_a_metric_allowed_only_for_executive_reports_is_not_checked(
    complete_registry, pilot
):
    MetricFactory(key="exec_only", allowed_use=["executive_report"], formula="")

    assert check_readiness().ready


@pytest.mark.parametrize("item", D7_ITEMS)
def test_a_pilot_workflow_missing_an_item_fails_naming_it(
    complete_registry, pilot, governance, item
):
    workflow = WorkflowFactory(key="late-team", is_pilot=True)
    asked = [i for i in D7_ITEMS if i != item]
    EvidenceRequestFactory(
        workflow=workflow,
        items=asked,
        answers=complete_answers(asked),
        status="answered",
        answered_at=timezone.now(),
        created_by=governance,
    )

    report = check_readiness()

    assert [(gap.key, gap.missing) for gap in report.workflow_gaps] == [
        ("late-team", [item])
    ]


def test_a_pilot_workflow_never_asked_misses_everything(complete_registry, pilot):
    WorkflowFactory(key="new-team", is_pilot=True)

    (gap,) = check_readiness().workflow_gaps

    assert gap.missing == D7_ITEMS


def test_a_pilot_with_too_few_workflows_is_not_ready(
    complete_registry, pilot, settings
):
    settings.PILOT_MIN_WORKFLOWS = 4

    report = check_readiness()

    assert report.too_few_workflows
    assert not report.ready


def test_the_seeded_registry_lacks_metric_owners(db):
    report = check_readiness()

    assert all("owner" in gap.missing for gap in report.metric_gaps)
    assert not report.ready


def test_the_command_names_each_gap_and_fails(db):
    output = io.StringIO()

    with pytest.raises(CommandError):
        call_command("pilot_readiness", stdout=output)

    assert "metric task_completion_rate: missing" in output.getvalue()


def test_the_command_passes_a_ready_pilot(complete_registry, pilot):
    output = io.StringIO()

    call_command("pilot_readiness", stdout=output)

    assert "The pilot is ready" in output.getvalue()
