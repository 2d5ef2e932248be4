import datetime

from registry.choices import Role
from reviews.selectors import performance_metric_choices, workflow_scorecard

from .factories import (
    MetricExceptionFactory,
    MetricFactory,
    OutcomeSnapshotFactory,
    TokenCostDiagnosticFactory,
    UserFactory,
    WorkflowFactory,
)


def test_scorecard_keeps_diagnostics_apart_from_outcomes(governance, workflow):
    OutcomeSnapshotFactory(workflow=workflow)
    TokenCostDiagnosticFactory(workflow=workflow, day=datetime.date.today())
    card = workflow_scorecard(governance, workflow)
    outcome_keys = {row["metric"].key for row in card["outcomes"]["metrics"]}
    assert "token_cost_diagnostics" not in outcome_keys
    assert "task_completion_rate" in outcome_keys
    assert card["diagnostics"]["context"] == "cost_diagnostic"


def test_hr_sees_outcomes_but_no_diagnostics(hr, workflow):
    card = workflow_scorecard(hr, workflow)
    assert card["outcomes"] is not None
    assert card["diagnostics"] is None


def test_few_contributors_show_only_aggregate(finance, workflow):
    TokenCostDiagnosticFactory(
        workflow=workflow, day=datetime.date.today(), contributor_count=2
    )
    card = workflow_scorecard(finance, workflow)
    assert card["diagnostics"]["aggregated"] is True
    assert card["diagnostics"]["daily"] == []


def test_scorecard_query_count_does_not_grow_with_rows(
    governance, django_assert_max_num_queries
):
    small = WorkflowFactory()
    large = WorkflowFactory()
    today = datetime.date.today()
    for offset in range(60):
        TokenCostDiagnosticFactory(
            workflow=large, day=today - datetime.timedelta(days=offset)
        )
    TokenCostDiagnosticFactory(workflow=small, day=today)
    with django_assert_max_num_queries(8) as small_queries:
        workflow_scorecard(governance, small)
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        workflow_scorecard(governance, large)


def test_hr_selector_offers_only_what_the_gate_allows(hr):
    keys = {metric.key for metric in performance_metric_choices(hr)}
    assert keys == {
        "task_completion_rate",
        "validated_time_saved",
        "quality_defect_rate",
    }


def test_selector_is_empty_for_roles_that_build_no_scorecards(db):
    owner = UserFactory(role=Role.TEAM_OWNER)
    assert performance_metric_choices(owner) == []


def test_selector_offers_blocked_metric_only_under_approved_exception(hr, governance):
    MetricExceptionFactory(status="approved", approved_by=governance)
    keys = {metric.key for metric in performance_metric_choices(hr)}
    assert "token_consumption" in keys
    assert "prompt_count" not in keys


def test_scorecard_lists_only_metrics_that_apply_to_the_workflow(governance, workflow):
    MetricFactory(key="elsewhere_only", snapshot_field="")
    MetricFactory(key="here_too", snapshot_field="")
    OutcomeSnapshotFactory(workflow=workflow, metric_values={"here_too": 3})
    card = workflow_scorecard(governance, workflow)
    values = {row["metric"].key: row["value"] for row in card["outcomes"]["metrics"]}
    assert values["here_too"] == 3
    assert "elsewhere_only" not in values
