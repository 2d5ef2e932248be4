"""Rules the database itself holds: each bad row is refused without full_clean()."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from registry.audit import stamp
from registry.models import AuditEvent, Metric, MetricException
from reviews.models import GateReview, MetricProposal, ScorecardMetric
from signals.models import GamingSignal, OutcomeSnapshot, TokenCostDiagnostic

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


def save_stamped(instance):
    stamp(instance, actor=None, source="cli", reason="constraint test")
    instance.save()


def refused_by_database(build):
    """True when saving what `build()` returns raises IntegrityError."""
    with pytest.raises(IntegrityError), transaction.atomic():
        build()
    return True


def test_diagnostic_must_stay_diagnostic_only():
    row = TokenCostDiagnosticFactory.build(workflow=WorkflowFactory())
    row.diagnostic_only = False
    assert refused_by_database(row.save)


def test_diagnostic_is_unique_per_workflow_day_and_source():
    first = TokenCostDiagnosticFactory(source="csv")
    again = TokenCostDiagnosticFactory.build(
        workflow=first.workflow, day=first.day, source="csv"
    )
    assert refused_by_database(again.save)


def test_diagnostic_of_another_source_the_same_day_is_kept():
    first = TokenCostDiagnosticFactory(source="csv")
    TokenCostDiagnosticFactory(workflow=first.workflow, day=first.day, source="api")
    assert TokenCostDiagnostic.objects.filter(day=first.day).count() == 2


def test_diagnostic_cost_cannot_be_negative():
    row = TokenCostDiagnosticFactory.build(workflow=WorkflowFactory(), cost_usd=-1)
    assert refused_by_database(row.save)


def test_diagnostic_source_must_be_known():
    row = TokenCostDiagnosticFactory.build(workflow=WorkflowFactory(), source="fax")
    assert refused_by_database(row.save)


def test_gaming_signal_is_unique_per_workflow_type_and_window():
    first = GamingSignalFactory()
    again = GamingSignalFactory.build(
        workflow=first.workflow,
        window_start=first.window_start,
        window_end=first.window_end,
    )
    assert refused_by_database(lambda: save_stamped(again))


def test_gaming_signal_window_must_be_ordered():
    signal = GamingSignalFactory.build(
        workflow=WorkflowFactory(),
        window_start=datetime.date(2026, 3, 1),
        window_end=datetime.date(2026, 2, 1),
    )
    assert refused_by_database(lambda: save_stamped(signal))


def test_gaming_signal_severity_must_be_known():
    signal = GamingSignalFactory.build(workflow=WorkflowFactory(), severity="dire")
    assert refused_by_database(lambda: save_stamped(signal))


def test_exception_needs_an_audit_note():
    exception = MetricExceptionFactory.build(requested_by=UserFactory(), audit_note="")
    assert refused_by_database(lambda: save_stamped(exception))


def test_exception_needs_an_expiry():
    exception = MetricExceptionFactory.build(
        requested_by=UserFactory(), expires_at=None
    )
    assert refused_by_database(lambda: save_stamped(exception))


def test_exception_cannot_expire_before_it_was_created():
    exception = MetricExceptionFactory.build(
        requested_by=UserFactory(),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert refused_by_database(lambda: save_stamped(exception))


def test_approved_exception_needs_an_approver():
    exception = MetricExceptionFactory.build(
        requested_by=UserFactory(), status="approved", approved_by=None
    )
    assert refused_by_database(lambda: save_stamped(exception))


def test_metric_policy_status_must_be_known():
    metric = MetricFactory.build(policy_status="maybe")
    assert refused_by_database(lambda: save_stamped(metric))


def test_metric_key_is_unique():
    metric = MetricFactory.build(key="token_consumption")
    assert refused_by_database(lambda: save_stamped(metric))


def test_review_scores_cannot_exceed_100():
    review = GateReviewFactory.build(
        proposal=ProposalFactory(),
        proposal_revision=1,
        reviewer=UserFactory(),
        gaming_risk_score=101,
    )
    assert refused_by_database(lambda: save_stamped(review))


def test_review_needs_a_reason():
    review = GateReviewFactory.build(
        proposal=ProposalFactory(),
        proposal_revision=1,
        reviewer=UserFactory(),
        decision_reason="",
    )
    assert refused_by_database(lambda: save_stamped(review))


def test_one_review_per_proposal_revision():
    first = GateReviewFactory()
    again = GateReviewFactory.build(
        proposal=first.proposal, proposal_revision=1, reviewer=UserFactory()
    )
    assert refused_by_database(lambda: save_stamped(again))


def test_approved_proposal_cannot_have_missing_evidence():
    proposal = ProposalFactory.build(
        workflow=WorkflowFactory(), status="approved", missing_fields=["baseline"]
    )
    proposal.proposed_by = proposal.workflow.owner
    assert refused_by_database(lambda: save_stamped(proposal))


def test_scorecard_period_must_be_ordered():
    scorecard = PerformanceScorecardFactory.build(
        created_by=UserFactory(),
        period_start=datetime.date(2026, 6, 1),
        period_end=datetime.date(2026, 1, 1),
    )
    assert refused_by_database(lambda: save_stamped(scorecard))


def test_approved_scorecard_needs_an_approver():
    scorecard = PerformanceScorecardFactory.build(
        created_by=UserFactory(), status="approved"
    )
    assert refused_by_database(lambda: save_stamped(scorecard))


def test_scorecard_holds_a_metric_once():
    scorecard = PerformanceScorecardFactory()
    metric = Metric.objects.get(key="task_completion_rate")
    ScorecardMetric.objects.create(
        scorecard=scorecard, metric=metric, added_by=scorecard.created_by
    )
    again = ScorecardMetric(
        scorecard=scorecard, metric=metric, added_by=scorecard.created_by
    )
    assert refused_by_database(again.save)


def test_export_invalidated_without_reason_is_refused():
    export = ScorecardExportFactory()
    export.invalidated_at = timezone.now()
    assert refused_by_database(lambda: save_stamped(export))


def test_export_reason_without_invalidation_is_refused():
    export = ScorecardExportFactory()
    export.invalidation_reason = "rolled back"
    assert refused_by_database(lambda: save_stamped(export))


def test_snapshot_measurement_period_must_be_ordered():
    snapshot = OutcomeSnapshotFactory.build(
        workflow=WorkflowFactory(),
        measurement_start=datetime.date(2026, 3, 1),
        measurement_end=datetime.date(2026, 2, 1),
    )
    assert refused_by_database(snapshot.save)


def test_snapshot_baseline_must_end_before_measurement():
    snapshot = OutcomeSnapshotFactory.build(
        workflow=WorkflowFactory(), baseline_end=datetime.date(2026, 2, 15)
    )
    assert refused_by_database(snapshot.save)


def test_snapshot_baseline_period_must_be_ordered():
    snapshot = OutcomeSnapshotFactory.build(
        workflow=WorkflowFactory(), baseline_start=datetime.date(2026, 2, 1)
    )
    assert refused_by_database(snapshot.save)


def test_snapshot_time_saved_cannot_be_negative():
    snapshot = OutcomeSnapshotFactory.build(
        workflow=WorkflowFactory(), validated_time_saved_minutes=-5
    )
    assert refused_by_database(snapshot.save)


def test_snapshot_is_unique_per_workflow_and_period():
    first = OutcomeSnapshotFactory()
    again = OutcomeSnapshotFactory.build(workflow=first.workflow)
    assert refused_by_database(again.save)


def test_refused_governed_save_leaves_no_audit_or_history_row():
    review = GateReviewFactory.build(
        proposal=ProposalFactory(),
        proposal_revision=1,
        reviewer=UserFactory(),
        data_quality_score=150,
    )
    events = AuditEvent.objects.count()

    refused_by_database(lambda: save_stamped(review))

    assert AuditEvent.objects.count() == events
    assert GateReview.history.count() == 0


def test_refused_status_change_leaves_status_history_and_chain_unchanged():
    proposal = ProposalFactory()
    events = AuditEvent.objects.count()
    history = proposal.history.count()

    proposal.status = "approved"
    proposal.missing_fields = ["evidence_url"]
    refused_by_database(lambda: save_stamped(proposal))

    assert MetricProposal.objects.get(pk=proposal.pk).status == "pending_review"
    assert AuditEvent.objects.count() == events
    assert proposal.history.count() == history


def test_refused_exception_leaves_nothing_behind():
    exception = MetricExceptionFactory.build(requested_by=UserFactory(), audit_note="")
    events = AuditEvent.objects.count()

    refused_by_database(lambda: save_stamped(exception))

    assert not MetricException.objects.exists()
    assert MetricException.history.count() == 0
    assert AuditEvent.objects.count() == events


def test_gaming_signal_duplicate_leaves_one_signal():
    first = GamingSignalFactory()
    again = GamingSignalFactory.build(
        workflow=first.workflow,
        window_start=first.window_start,
        window_end=first.window_end,
    )
    refused_by_database(lambda: save_stamped(again))
    assert GamingSignal.objects.filter(workflow=first.workflow).count() == 1


def test_snapshot_refusal_writes_no_history():
    snapshot = OutcomeSnapshotFactory.build(
        workflow=WorkflowFactory(), validated_time_saved_minutes=-5
    )
    refused_by_database(snapshot.save)
    assert OutcomeSnapshot.history.count() == 0


def test_workflow_with_gaming_signals_cannot_be_deleted_unaudited():
    signal = GamingSignalFactory()
    with pytest.raises(ProtectedError):
        signal.workflow.delete()
