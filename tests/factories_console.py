"""Data for the console tests: a small world with something on every page."""

import datetime
from decimal import Decimal

from registry.choices import Role
from registry.models import Metric
from registry.services import set_metric_policy
from reviews.services import add_scorecard_metric, approve_performance_scorecard

from .factories import (
    GamingSignalFactory,
    MetricExceptionFactory,
    OutcomeSnapshotFactory,
    PerformanceScorecardFactory,
    ProposalFactory,
    ScorecardExportFactory,
    TokenCostDiagnosticFactory,
    UserFactory,
)


def changed_policy_metric(governance, key="task_completion_rate"):
    """A metric whose policy changed once, so a rollback has somewhere to go."""
    metric = Metric.objects.get(key=key)
    return set_metric_policy(
        actor=governance,
        source="cli",
        reason="test: narrow the uses",
        metric=metric,
        policy_status="approved",
        allowed_use=["workflow_scorecard"],
        prohibited_use=["layoff_screen"],
    )


def daily_costs(workflow, days=14, start=datetime.date(2026, 11, 1), cost="10.00"):
    """`days` consecutive days of token cost for the workflow."""
    return [
        TokenCostDiagnosticFactory(
            workflow=workflow,
            day=start + datetime.timedelta(days=offset),
            cost_usd=Decimal(cost) + offset,
        )
        for offset in range(days)
    ]


def outcome_snapshot(workflow, **overrides):
    """A snapshot measured in the first half of November 2026 unless told otherwise."""
    periods = {
        "baseline_start": datetime.date(2026, 10, 1),
        "baseline_end": datetime.date(2026, 10, 31),
        "measurement_start": datetime.date(2026, 11, 1),
        "measurement_end": datetime.date(2026, 11, 14),
    }
    return OutcomeSnapshotFactory(workflow=workflow, **{**periods, **overrides})


def console_world(*, governance, hr, workflow, other_workflow):
    """One object of every kind the console shows, on own and other workflows."""
    hr_scorecard = PerformanceScorecardFactory(created_by=hr)
    return {
        "metric": changed_policy_metric(governance),
        "proposal_own": ProposalFactory(workflow=workflow),
        "proposal_other": ProposalFactory(workflow=other_workflow),
        "scorecard": hr_scorecard,
        "export": ScorecardExportFactory(scorecard=hr_scorecard),
        "exception": MetricExceptionFactory(
            requested_by=UserFactory(role=Role.FINANCE)
        ),
        "signal_own": GamingSignalFactory(workflow=workflow),
        "signal_other": GamingSignalFactory(workflow=other_workflow),
    }


def approved_scorecard(hr, governance, metric_key="task_completion_rate"):
    """A performance scorecard with one metric, approved by governance."""
    scorecard = PerformanceScorecardFactory(created_by=hr)
    add_scorecard_metric(
        actor=hr, source="cli", scorecard=scorecard, metric_key=metric_key
    )
    return approve_performance_scorecard(
        actor=governance, source="cli", scorecard=scorecard, reason="test approval"
    )
