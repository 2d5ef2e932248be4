"""full_clean() names each broken rule in words a person can act on."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from .factories import (
    GamingSignalFactory,
    GateReviewFactory,
    MetricExceptionFactory,
    MetricFactory,
    OutcomeSnapshotFactory,
    PerformanceScorecardFactory,
    ProposalFactory,
    ScorecardExportFactory,
    TokenCostDiagnosticFactory,
    UserFactory,
    WorkflowFactory,
)

pytestmark = pytest.mark.django_db


def messages_of(instance, **kwargs):
    """The message dict full_clean() raises, or {} when the instance is valid."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        return error.message_dict
    return {}


def constraint_message(instance):
    """The one model-wide message, which must read as a sentence, not a name."""
    [message] = messages_of(instance)["__all__"]
    assert "is violated" not in message, message
    return message


# --- Workflow and Metric ----------------------------------------------------------


def test_workflow_key_must_be_a_slug():
    workflow = WorkflowFactory.build(key="bad key!", owner=UserFactory())
    assert "valid “slug”" in messages_of(workflow)["key"][0]


def test_workflow_key_must_be_unique():
    WorkflowFactory(key="support-triage")
    workflow = WorkflowFactory.build(key="support-triage", owner=UserFactory())
    assert messages_of(workflow)["key"] == ["Workflow with this Key already exists."]


def test_blocked_metric_may_allow_cost_diagnostic_only():
    metric = MetricFactory.build(policy_status="blocked")
    assert messages_of(metric)["allowed_use"] == [
        "A blocked or diagnostic-only metric allows cost_diagnostic only."
    ]


def test_approved_metric_needs_a_use():
    metric = MetricFactory.build(allowed_use=[])
    assert messages_of(metric)["allowed_use"] == [
        "An approved metric needs at least one use."
    ]


def test_metric_use_cannot_be_allowed_and_prohibited():
    metric = MetricFactory.build(prohibited_use=["performance_review"])
    assert messages_of(metric)["prohibited_use"] == [
        "A use cannot be allowed and prohibited: performance_review."
    ]


def test_metric_use_must_be_from_the_vocabulary():
    metric = MetricFactory.build(allowed_use=["vibes"])
    assert messages_of(metric)["allowed_use"] == ["Unknown uses: vibes."]


def test_metric_policy_status_must_be_known():
    metric = MetricFactory.build(policy_status="maybe")
    assert messages_of(metric)["policy_status"] == [
        "Value 'maybe' is not a valid choice."
    ]


# --- Exceptions ------------------------------------------------------------------


def test_exception_expiry_past_is_refused():
    exception = MetricExceptionFactory.build(
        requested_by=UserFactory(),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert messages_of(exception)["expires_at"] == ["The expiry must be in the future."]


def test_exception_expiry_beyond_90_days_is_refused():
    exception = MetricExceptionFactory.build(
        requested_by=UserFactory(),
        expires_at=timezone.now() + datetime.timedelta(days=91),
    )
    assert messages_of(exception)["expires_at"] == [
        "An exception lasts 90 days at most."
    ]


def test_exception_needs_an_audit_note():
    exception = MetricExceptionFactory.build(requested_by=UserFactory(), audit_note="")
    assert messages_of(exception)["audit_note"] == ["This field cannot be blank."]


def test_exception_needs_an_expiry():
    exception = MetricExceptionFactory.build(
        requested_by=UserFactory(), expires_at=None
    )
    assert messages_of(exception)["expires_at"] == ["This field cannot be null."]


def test_approved_exception_needs_an_approver():
    exception = MetricExceptionFactory.build(
        requested_by=UserFactory(), status="approved"
    )
    assert "approv" in constraint_message(exception)


# --- Proposals and reviews -----------------------------------------------------------


def test_proposal_uses_must_be_from_the_vocabulary():
    proposal = ProposalFactory.build(workflow=WorkflowFactory(), proposed_uses=["x"])
    proposal.proposed_by = proposal.workflow.owner
    assert messages_of(proposal)["proposed_uses"] == ["Unknown uses: x."]


def test_proposal_evidence_url_must_be_a_url():
    proposal = ProposalFactory.build(
        workflow=WorkflowFactory(), evidence_url="see slack"
    )
    proposal.proposed_by = proposal.workflow.owner
    assert messages_of(proposal)["evidence_url"] == ["Enter a valid URL."]


def test_approved_proposal_cannot_miss_evidence():
    proposal = ProposalFactory.build(
        workflow=WorkflowFactory(), status="approved", missing_fields=["baseline"]
    )
    proposal.proposed_by = proposal.workflow.owner
    assert "evidence" in constraint_message(proposal)


def test_review_score_above_100_is_refused():
    review = GateReviewFactory.build(
        proposal=ProposalFactory(),
        proposal_revision=1,
        reviewer=UserFactory(),
        outcome_linkage_score=101,
    )
    assert messages_of(review)["outcome_linkage_score"] == [
        "Ensure this value is less than or equal to 100."
    ]


def test_review_needs_a_reason():
    review = GateReviewFactory.build(
        proposal=ProposalFactory(),
        proposal_revision=1,
        reviewer=UserFactory(),
        decision_reason="",
    )
    assert messages_of(review)["decision_reason"] == ["This field cannot be blank."]


def test_second_review_of_one_revision_is_refused():
    first = GateReviewFactory()
    again = GateReviewFactory.build(
        proposal=first.proposal, proposal_revision=1, reviewer=UserFactory()
    )
    assert "already exists" in messages_of(again)["__all__"][0]


# --- Scorecards and exports ---------------------------------------------------


def test_scorecard_period_out_of_order_is_refused():
    scorecard = PerformanceScorecardFactory.build(
        created_by=UserFactory(),
        period_start=datetime.date(2026, 6, 1),
        period_end=datetime.date(2026, 1, 1),
    )
    assert "period" in constraint_message(scorecard)


def test_approved_scorecard_needs_an_approver():
    scorecard = PerformanceScorecardFactory.build(
        created_by=UserFactory(), status="approved"
    )
    assert "approv" in constraint_message(scorecard)


def test_invalidated_export_needs_a_reason():
    export = ScorecardExportFactory(metric_keys=["task_completion_rate"])
    export.invalidated_at = timezone.now()
    assert "reason" in constraint_message(export)


# --- Outcomes, diagnostics and signals ----------------------------------------


def test_snapshot_measurement_period_out_of_order_is_refused():
    snapshot = OutcomeSnapshotFactory.build(
        workflow=WorkflowFactory(), measurement_start=datetime.date(2026, 3, 1)
    )
    assert "measurement" in constraint_message(snapshot)


def test_snapshot_baseline_overlapping_measurement_is_refused():
    snapshot = OutcomeSnapshotFactory.build(
        workflow=WorkflowFactory(), baseline_end=datetime.date(2026, 2, 15)
    )
    assert "baseline" in constraint_message(snapshot)


def test_snapshot_negative_time_saved_is_refused():
    snapshot = OutcomeSnapshotFactory.build(
        workflow=WorkflowFactory(), validated_time_saved_minutes=-1
    )
    assert "negative" in constraint_message(snapshot)


def test_diagnostic_negative_cost_is_refused():
    diagnostic = TokenCostDiagnosticFactory.build(
        workflow=WorkflowFactory(), cost_usd=-1
    )
    assert "negative" in constraint_message(diagnostic)


def test_diagnostic_source_must_be_known():
    diagnostic = TokenCostDiagnosticFactory.build(
        workflow=WorkflowFactory(), source="fax"
    )
    assert messages_of(diagnostic)["source"] == ["Value 'fax' is not a valid choice."]


def test_second_diagnostic_for_a_day_and_source_is_refused():
    first = TokenCostDiagnosticFactory()
    again = TokenCostDiagnosticFactory.build(
        workflow=first.workflow, day=first.day, source=first.source
    )
    assert "already exists" in messages_of(again)["__all__"][0]


def test_signal_window_out_of_order_is_refused():
    signal = GamingSignalFactory.build(
        workflow=WorkflowFactory(), window_start=datetime.date(2026, 3, 1)
    )
    assert "window" in constraint_message(signal)


def test_second_signal_for_a_window_is_refused():
    first = GamingSignalFactory()
    again = GamingSignalFactory.build(workflow=first.workflow)
    assert "already exists" in messages_of(again)["__all__"][0]


def test_signal_severity_must_be_known():
    signal = GamingSignalFactory.build(workflow=WorkflowFactory(), severity="dire")
    assert messages_of(signal)["severity"] == ["Value 'dire' is not a valid choice."]
