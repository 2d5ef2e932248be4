"""Every route under /metric-gate/, called as every role, against a table.

The table is keyed by URL name and method; a route that is not in it fails
`test_every_api_route_has_an_expectation`, so no endpoint ships unchecked.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from registry.choices import Role
from signals.models import DetectorRun

from .factories import (
    GamingSignalFactory,
    MetricExceptionFactory,
    ProposalFactory,
    UserFactory,
    WorkflowFactory,
)
from .factories_api import (
    client_for,
    in_days,
    metric_with_changed_policy,
    scorecard_with,
)

ROLES = ["anonymous", "owner_own", "owner_other", "governance", "finance", "hr"]
METHODS = {"get", "post", "put", "patch", "delete"}


def _row(anonymous, own, other, governance, finance, hr):
    return dict(
        zip(ROLES, (anonymous, own, other, governance, finance, hr), strict=True)
    )


# (url name, method): expected status per role. "owner_own" is the team owner
# acting on their workflow's objects, "owner_other" on another team's.
EXPECTED = {
    ("schema", "get"): _row(200, 200, 200, 200, 200, 200),
    ("docs", "get"): _row(200, 200, 200, 200, 200, 200),
    ("me", "get"): _row(401, 200, 200, 200, 200, 200),
    ("workflows", "get"): _row(401, 200, 200, 200, 200, 200),
    ("workflows", "post"): _row(401, 403, 403, 201, 403, 403),
    ("workflow-detail", "get"): _row(401, 200, 404, 200, 200, 200),
    ("scorecard", "get"): _row(401, 200, 404, 200, 200, 200),
    ("metrics", "get"): _row(401, 200, 200, 200, 200, 200),
    ("metric-detail", "get"): _row(401, 200, 200, 200, 200, 200),
    ("metric-rollback", "get"): _row(401, 403, 403, 200, 403, 403),
    ("metric-rollback", "post"): _row(401, 403, 403, 200, 403, 403),
    ("proposals", "get"): _row(401, 200, 200, 200, 200, 200),
    ("proposals", "post"): _row(401, 201, 404, 403, 403, 403),
    ("proposal-detail", "get"): _row(401, 200, 404, 200, 404, 404),
    ("proposal-revise", "post"): _row(401, 200, 404, 403, 404, 404),
    ("reviews", "post"): _row(401, 403, 403, 201, 403, 403),
    ("exceptions", "get"): _row(401, 200, 200, 200, 200, 200),
    ("exceptions", "post"): _row(401, 201, 201, 403, 201, 201),
    ("exception-detail", "get"): _row(401, 200, 404, 200, 404, 404),
    ("exception-approve", "post"): _row(401, 403, 404, 200, 404, 404),
    ("exception-reject", "post"): _row(401, 403, 404, 200, 404, 404),
    ("exception-revoke", "post"): _row(401, 403, 404, 200, 404, 404),
    ("performance-scorecards", "get"): _row(401, 200, 200, 200, 200, 200),
    ("performance-scorecards", "post"): _row(401, 403, 403, 403, 403, 201),
    ("performance-scorecard-detail", "get"): _row(401, 404, 404, 200, 404, 200),
    ("performance-scorecard-metrics", "post"): _row(401, 404, 404, 403, 404, 201),
    ("performance-scorecard-metric", "delete"): _row(401, 404, 404, 403, 404, 204),
    ("performance-scorecard-approve", "post"): _row(401, 404, 404, 200, 404, 403),
    ("performance-scorecard-export", "get"): _row(401, 404, 404, 200, 404, 200),
    ("audit-events", "get"): _row(401, 403, 403, 200, 403, 403),
    # The detector's and ingestion's routes (signals/api.py).
    ("gaming-signals-sync", "post"): _row(401, 403, 403, 200, 403, 403),
    ("detector-run", "get"): _row(401, 403, 403, 200, 403, 403),
    ("gaming-signals", "get"): _row(401, 200, 200, 200, 200, 200),
    ("gaming-signal-detail", "get"): _row(401, 200, 404, 200, 404, 404),
    ("gaming-signal-triage", "post"): _row(401, 403, 404, 200, 404, 404),
    ("workflow-outcomes", "post"): _row(401, 201, 404, 201, 403, 403),
    ("workflow-diagnostics", "post"): _row(401, 200, 404, 200, 403, 403),
}


def _api_routes():
    """(name, methods) of every named route under /metric-gate/."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and route.startswith("metric-gate/"):
                found.append((entry.name, _methods(entry.callback)))

    walk(get_resolver().url_patterns, "")
    return found


def _methods(callback):
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:
        return set()  # the JSON 404 fallback answers every method alike
    return {name for name in METHODS if hasattr(view, name)}


def test_every_api_route_has_an_expectation():
    routes = {(name, method) for name, methods in _api_routes() for method in methods}

    assert routes - set(EXPECTED) == set()
    assert set(EXPECTED) - routes == set()


@pytest.fixture
def world(governance, finance, hr, team_owner, workflow):
    """One object of each kind, for the owner's workflow and for another team's."""
    other_owner = UserFactory(role=Role.TEAM_OWNER)
    other_workflow = WorkflowFactory(owner=other_owner)
    draft = scorecard_with("task_completion_rate", created_by=hr)
    return {
        "users": {
            "anonymous": None,
            "owner_own": team_owner,
            "owner_other": team_owner,
            "governance": governance,
            "finance": finance,
            "hr": hr,
        },
        "own": {
            "workflow": workflow,
            "proposal": ProposalFactory(workflow=workflow),
            "exception": MetricExceptionFactory(requested_by=team_owner),
            "signal": GamingSignalFactory(workflow=workflow),
        },
        "other": {
            "workflow": other_workflow,
            "proposal": ProposalFactory(workflow=other_workflow),
            "exception": MetricExceptionFactory(requested_by=other_owner),
            "signal": GamingSignalFactory(workflow=other_workflow),
        },
        "draft": draft,
        "approved": scorecard_with(
            "task_completion_rate", created_by=hr, approved_by=governance
        ),
        "rollback_metric": metric_with_changed_policy(governance),
        "team_owner": team_owner,
        "run": DetectorRun.objects.create(as_of="2026-11-30", source="cli"),
    }


def _request(name, world, side):
    """The path and body of a well-formed call, so only rights decide the status."""
    objects = world[side]
    workflow = objects["workflow"]
    proposal = objects["proposal"]
    exception = objects["exception"]
    signal = objects["signal"]
    draft = world["draft"].pk
    scorecard_path = f"/metric-gate/performance-scorecards/{draft}"
    review = {
        "proposal": str(proposal.pk),
        "decision": "approve",
        "reason": "Clear outcome link",
        "outcome_linkage_score": 80,
        "gaming_risk_score": 10,
        "data_quality_score": 80,
    }
    return {
        "schema": ("/metric-gate/schema/", None),
        "docs": ("/metric-gate/docs/", None),
        "me": ("/metric-gate/me", None),
        "workflows": (
            "/metric-gate/workflows",
            {
                "key": "new-workflow",
                "name": "New workflow",
                "team": "Ops",
                "owner": world["team_owner"].username,
            },
        ),
        "workflow-detail": (f"/metric-gate/workflows/{workflow.key}", None),
        "scorecard": (f"/metric-gate/scorecard?workflow_id={workflow.pk}", None),
        "metrics": ("/metric-gate/metrics?use=performance_review", None),
        "metric-detail": ("/metric-gate/metrics/task_completion_rate", None),
        "metric-rollback": (
            f"/metric-gate/metrics/{world['rollback_metric'].key}/rollback",
            {"reason": "Bonus use was never reviewed"},
        ),
        "proposals": (
            "/metric-gate/proposals",
            {
                "workflow": workflow.key,
                "metric_key": "new_metric",
                "name": "New",
                "proposed_uses": ["workflow_scorecard"],
            },
        ),
        "proposal-detail": (f"/metric-gate/proposals/{proposal.pk}", None),
        "proposal-revise": (
            f"/metric-gate/proposals/{proposal.pk}/revise",
            {"baseline": "Q2 average"},
        ),
        "reviews": ("/metric-gate/reviews", review),
        "exceptions": (
            "/metric-gate/exceptions",
            {
                "metric_key": "tool_active_days",
                "requested_use": "performance_review",
                "risk_tier": "low",
                "audit_note": "One-quarter comparison",
                "expires_at": in_days(30),
            },
        ),
        "exception-detail": (f"/metric-gate/exceptions/{exception.pk}", None),
        "exception-approve": (
            f"/metric-gate/exceptions/{exception.pk}/approve",
            {"reason": "Time-boxed pilot"},
        ),
        "exception-reject": (
            f"/metric-gate/exceptions/{exception.pk}/reject",
            {"reason": "No outcome link"},
        ),
        "exception-revoke": (
            f"/metric-gate/exceptions/{exception.pk}/revoke",
            {"reason": "Pilot ended"},
        ),
        "performance-scorecards": (
            "/metric-gate/performance-scorecards",
            {"name": "H2", "period_start": "2026-07-01", "period_end": "2026-12-31"},
        ),
        "performance-scorecard-detail": (scorecard_path, None),
        "performance-scorecard-metrics": (
            f"{scorecard_path}/metrics",
            {"metric_key": "validated_time_saved"},
        ),
        "performance-scorecard-metric": (
            f"{scorecard_path}/metrics/task_completion_rate",
            None,
        ),
        "performance-scorecard-approve": (
            f"{scorecard_path}/approve",
            {"reason": "Outcome metrics only"},
        ),
        "performance-scorecard-export": (
            f"/metric-gate/performance-scorecards/{world['approved'].pk}/export"
            "?format=csv",
            None,
        ),
        "audit-events": ("/metric-gate/audit-events?format=json", None),
        "gaming-signals-sync": ("/metric-gate/gaming-signals/sync", {}),
        "detector-run": (f"/metric-gate/gaming-signals/runs/{world['run'].pk}", None),
        "gaming-signals": ("/metric-gate/gaming-signals", None),
        "gaming-signal-detail": (f"/metric-gate/gaming-signals/{signal.pk}", None),
        "gaming-signal-triage": (
            f"/metric-gate/gaming-signals/{signal.pk}/triage",
            {"status": "investigating", "note": "Asked the team"},
        ),
        "workflow-outcomes": (
            f"/metric-gate/workflows/{workflow.key}/outcomes",
            {
                "baseline_start": "2026-01-01",
                "baseline_end": "2026-01-31",
                "measurement_start": "2026-02-01",
                "measurement_end": "2026-02-28",
                "task_completion_delta": "0.04",
            },
        ),
        "workflow-diagnostics": (
            f"/metric-gate/workflows/{workflow.key}/diagnostics",
            {"source": "api", "days": [{"day": "2026-11-01", "tokens_in": 10}]},
        ),
    }[name]


CASES = [
    pytest.param(name, method, role, id=f"{method}-{name}-{role}")
    for (name, method) in EXPECTED
    for role in ROLES
]


@pytest.mark.parametrize("name,method,role", CASES)
def test_route_answers_each_role_as_the_table_says(world, name, method, role):
    side = "other" if role == "owner_other" else "own"
    path, body = _request(name, world, side)
    client = client_for(world["users"][role])

    response = getattr(client, method)(path, body, format="json")

    assert response.status_code == EXPECTED[(name, method)][role], (
        response.content[:300] if not response.streaming else ""
    )
