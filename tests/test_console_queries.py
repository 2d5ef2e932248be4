"""Each console page runs no more queries for many rows than for a few."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.services import set_metric_policy
from reviews.services import add_scorecard_metric
from signals.models import GamingSignal, OutcomeSnapshot

from .factories import (
    GamingSignalFactory,
    MetricExceptionFactory,
    MetricFactory,
    PerformanceScorecardFactory,
    ProposalFactory,
    ScorecardExportFactory,
    WorkflowFactory,
)
from .factories_console import daily_costs, outcome_snapshot

SMALL, LARGE = 2, 25


def _grow_metrics(n, users, workflow):
    for _ in range(n):
        MetricFactory()


def _grow_proposals(n, users, workflow):
    for _ in range(n):
        ProposalFactory(workflow=workflow)


def _grow_exceptions(n, users, workflow):
    for _ in range(n):
        MetricExceptionFactory(requested_by=users["hr"])


def _grow_signals(n, users, workflow):
    # Each window is a new day, after those of earlier calls.
    start = datetime.date(2026, 1, 1) + datetime.timedelta(
        days=GamingSignal.objects.count()
    )
    for offset in range(n):
        day = start + datetime.timedelta(days=offset)
        GamingSignalFactory(
            workflow=workflow, severity="high", window_start=day, window_end=day
        )


def _grow_workflows(n, users, workflow):
    for _ in range(n):
        WorkflowFactory(owner=users["team_owner"], team="Support")


def _grow_scorecard_page(n, users, workflow):
    """Days of cost, snapshots and signals on the one workflow, all in its window."""
    done = OutcomeSnapshot.objects.filter(workflow=workflow).count()
    first = timezone.localdate() - datetime.timedelta(days=80)
    daily_costs(workflow, days=n, start=first + datetime.timedelta(done))
    for offset in range(done, done + n):
        start = first + datetime.timedelta(days=3 * offset)
        outcome_snapshot(
            workflow,
            measurement_start=start,
            measurement_end=start + datetime.timedelta(days=2),
            baseline_start=datetime.date(2024, 1, 1),
            baseline_end=datetime.date(2024, 12, 31),
        )
    _grow_signals(n, users, workflow)
    _grow_metrics(n, users, workflow)


def _grow_scorecard_entries(n, users, workflow):
    scorecard = users["scorecard"]
    for _ in range(n):
        metric = MetricFactory()
        add_scorecard_metric(
            actor=users["hr"], source="cli", scorecard=scorecard, metric_key=metric.key
        )
        ScorecardExportFactory(scorecard=scorecard)


def _grow_history(n, users, workflow):
    metric = users["metric"]
    for index in range(n):
        uses = ["workflow_scorecard"] if index % 2 else ["executive_report"]
        metric = set_metric_policy(
            actor=users["governance"],
            source="cli",
            reason=f"change {index}",
            metric=metric,
            policy_status="approved",
            allowed_use=uses,
            prohibited_use=[],
        )


def _grow_costs(n, users, workflow):
    for _ in range(n):
        daily_costs(WorkflowFactory(), days=2)


def _grow_scorecards(n, users, workflow):
    for _ in range(n):
        PerformanceScorecardFactory(created_by=users["hr"])


# (page name, role, how to add rows); url arguments come from _args().
PAGES = [
    ("registry", "governance", _grow_metrics),
    ("registry", "hr", _grow_metrics),
    ("metric_detail", "governance", _grow_history),
    ("review_queue", "governance", _grow_proposals),
    ("proposals", "team_owner", _grow_proposals),
    ("workflows", "team_owner", _grow_workflows),
    ("workflow_scorecard", "governance", _grow_scorecard_page),
    ("workflow_scorecard", "finance", _grow_scorecard_page),
    ("performance_list", "hr", _grow_scorecards),
    ("performance_detail", "hr", _grow_scorecard_entries),
    ("exceptions", "governance", _grow_exceptions),
    ("signals", "governance", _grow_signals),
    ("audit_log", "governance", _grow_metrics),
    ("cost_overview", "finance", _grow_costs),
    ("home", "governance", _grow_signals),
    ("home", "team_owner", _grow_workflows),
    ("home", "hr", _grow_scorecards),
    ("home", "finance", _grow_costs),
]


def _args(name, setting):
    return {
        "metric_detail": [setting["metric"].key],
        "workflow_scorecard": [setting["workflow"].key],
        "performance_detail": [setting["scorecard"].pk],
    }.get(name, [])


@pytest.fixture
def setting(team_owner, governance, finance, hr, workflow):
    return {
        "team_owner": team_owner,
        "governance": governance,
        "finance": finance,
        "hr": hr,
        "workflow": workflow,
        "metric": MetricFactory(key="history_metric"),
        "scorecard": PerformanceScorecardFactory(created_by=hr),
    }


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("name", "role", "grow"), PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES]
)
def test_page_queries_do_not_grow_with_rows(
    client, setting, django_assert_max_num_queries, name, role, grow
):
    client.force_login(setting[role])
    url = reverse(name, args=_args(name, setting))
    grow(SMALL, setting, setting["workflow"])
    few = _count(client, url)

    grow(LARGE - SMALL, setting, setting["workflow"])

    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200
