"""The workflow scorecard over the API: parts per role, queries that do not grow."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .factories import MetricFactory, OutcomeSnapshotFactory, TokenCostDiagnosticFactory
from .factories_api import client_for


@pytest.fixture
def measured(workflow):
    """A workflow with an outcome snapshot and a week of token costs."""
    OutcomeSnapshotFactory(workflow=workflow, metric_values={"first_reply": 4.5})
    today = timezone.localdate()
    for offset in range(7):
        TokenCostDiagnosticFactory(
            workflow=workflow, day=today - datetime.timedelta(days=offset)
        )
    return workflow


def scorecard(user, workflow):
    return client_for(user).get("/metric-gate/scorecard", {"workflow_id": workflow.key})


def test_hr_sees_outcomes_but_no_diagnostics(hr, measured):
    body = scorecard(hr, measured).json()

    assert body["outcomes"]["metrics"]
    assert body["diagnostics"] is None


def test_finance_sees_the_cost_context(finance, measured):
    body = scorecard(finance, measured).json()

    assert body["diagnostics"]["totals"]["cost_usd"] == 87.5
    assert body["diagnostics"]["label"].startswith("Cost context")


def test_team_owner_sees_their_own_workflow_whole(team_owner, measured):
    body = scorecard(team_owner, measured).json()

    assert body["outcomes"] is not None
    assert body["diagnostics"] is not None


def test_outcome_values_come_from_the_latest_snapshot(governance, measured):
    MetricFactory(key="first_reply", kind="outcome", allowed_use=["workflow_scorecard"])

    body = scorecard(governance, measured).json()

    values = {row["metric_key"]: row["value"] for row in body["outcomes"]["metrics"]}
    assert values["first_reply"] == 4.5
    assert values["validated_time_saved"] == 120


def test_blocked_and_diagnostic_metrics_never_reach_the_outcomes(governance, measured):
    body = scorecard(governance, measured).json()

    keys = {row["metric_key"] for row in body["outcomes"]["metrics"]}
    assert keys == {
        "task_completion_rate",
        "validated_time_saved",
        "quality_defect_rate",
    }


def test_scorecard_queries_do_not_grow_with_metrics(governance, measured):
    client = client_for(governance)
    path = f"/metric-gate/scorecard?workflow_id={measured.key}"
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    figures = {f"outcome_{index}": index for index in range(30)}
    for key in figures:
        MetricFactory(key=key, kind="outcome")
    OutcomeSnapshotFactory(
        workflow=measured,
        measurement_start=datetime.date(2026, 3, 1),
        measurement_end=datetime.date(2026, 3, 31),
        metric_values=figures,
    )

    with CaptureQueriesContext(connection) as many:
        response = client.get(path)

    assert len(response.json()["outcomes"]["metrics"]) == 33
    assert len(many) == len(few)


def test_docs_page_loads_its_assets_from_this_server(db):
    response = client_for().get("/metric-gate/docs/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


def test_docs_page_script_is_served_locally(db):
    page = client_for().get("/metric-gate/docs/").content.decode()
    script = re.search(r'src="(/static/[^"]+swagger-ui-bundle\.js)"', page).group(1)

    response = client_for().get(script)

    assert response.status_code == 200
