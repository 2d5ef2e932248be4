"""The detector's and ingestion's endpoints, as each role sees them."""

from decimal import Decimal

import pytest
from django.test import override_settings

from signals.models import GamingSignal, OutcomeSnapshot, TokenCostDiagnostic

from .factories import GamingSignalFactory
from .factories_api import client_for
from .factories_signals import AS_OF, usage_history

SYNC = "/metric-gate/gaming-signals/sync"
SIGNALS = "/metric-gate/gaming-signals"


@pytest.fixture
def spiking(workflow):
    usage_history(workflow, recent={"cost": "30"})
    return workflow


@pytest.fixture
def own_signal(workflow):
    return GamingSignalFactory(workflow=workflow, severity="medium")


@pytest.fixture
def other_signal(other_workflow):
    return GamingSignalFactory(workflow=other_workflow, severity="high")


def snapshot_body(**extra):
    return {
        "baseline_start": "2026-09-01",
        "baseline_end": "2026-09-30",
        "measurement_start": "2026-10-01",
        "measurement_end": "2026-10-31",
        "task_completion_delta": "0.05",
        "validated_time_saved_minutes": 240,
        **extra,
    }


def diagnostics_body(**extra):
    return {
        "source": "api",
        "days": [{"day": "2026-11-01", "cost_usd": "4.50", **extra}],
    }


# --- sync ---------------------------------------------------------------------------


def test_governance_sync_runs_the_detector(governance, spiking):
    response = client_for(governance).post(
        SYNC, {"date": AS_OF.isoformat()}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["signals_created"] == 1


def test_sync_signal_is_recorded_as_from_the_api(governance, spiking):
    client_for(governance).post(SYNC, {"date": AS_OF.isoformat()}, format="json")

    history = GamingSignal.history.get()
    assert (history.source, history.history_user) == ("api", governance)


def test_team_owner_may_not_run_the_detector(team_owner):
    response = client_for(team_owner).post(SYNC, {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_sync_is_refused(db):
    assert client_for().post(SYNC, {}, format="json").status_code == 401


@override_settings(DETECTOR_WORKER_TOKEN="s3cret-worker")
def test_worker_token_runs_the_detector_as_the_worker(spiking):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION="Worker s3cret-worker")

    response = client.post(SYNC, {"date": AS_OF.isoformat()}, format="json")

    assert response.status_code == 200
    assert GamingSignal.history.get().source == "worker"


@override_settings(DETECTOR_WORKER_TOKEN="s3cret-worker")
def test_wrong_worker_token_is_refused(db):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION="Worker guess")

    assert client.post(SYNC, {}, format="json").status_code == 401


def test_sync_with_a_malformed_date_is_a_400(governance):
    response = client_for(governance).post(SYNC, {"date": "yesterday"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_run_reports_when_it_finished(governance, spiking):
    run_id = (
        client_for(governance)
        .post(SYNC, {"date": AS_OF.isoformat()}, format="json")
        .json()["id"]
    )

    run = client_for(governance).get(f"{SIGNALS}/runs/{run_id}").json()
    assert run["status"] == "finished" and run["finished_at"]


# --- list, detail, triage -----------------------------------------------------------


def test_governance_lists_every_signal(governance, own_signal, other_signal):
    response = client_for(governance).get(SIGNALS)

    assert response.json()["count"] == 2


def test_team_owner_lists_only_their_workflows_signals(
    team_owner, own_signal, other_signal
):
    results = client_for(team_owner).get(SIGNALS).json()["results"]

    assert [row["id"] for row in results] == [str(own_signal.pk)]


def test_finance_sees_no_signals(finance, own_signal):
    assert client_for(finance).get(SIGNALS).json()["count"] == 0


def test_list_filters_by_severity_and_workflow_key(
    governance, own_signal, other_signal
):
    response = client_for(governance).get(
        SIGNALS, {"severity": "high", "workflow": "sales-emails"}
    )

    assert [row["id"] for row in response.json()["results"]] == [str(other_signal.pk)]


def test_unknown_filter_value_is_a_400(governance):
    response = client_for(governance).get(SIGNALS, {"status": "closed"})

    assert response.status_code == 400


def test_team_owner_gets_404_for_another_teams_signal(team_owner, other_signal):
    response = client_for(team_owner).get(f"{SIGNALS}/{other_signal.pk}")

    assert response.status_code == 404


def test_signal_detail_shows_its_evidence(team_owner, own_signal):
    response = client_for(team_owner).get(f"{SIGNALS}/{own_signal.pk}")

    assert response.json()["evidence_json"] == {"ratio": 2.5}


def test_governance_closes_a_high_signal(governance, other_signal):
    response = client_for(governance).post(
        f"{SIGNALS}/{other_signal.pk}/triage",
        {"status": "resolved", "note": "Backfill job, expected"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "resolved"


def test_team_owner_may_not_triage_their_signal(team_owner, own_signal):
    response = client_for(team_owner).post(
        f"{SIGNALS}/{own_signal.pk}/triage",
        {"status": "false_positive", "note": "It's fine"},
        format="json",
    )

    assert response.status_code == 403


def test_triage_without_a_note_is_a_400(governance, own_signal):
    response = client_for(governance).post(
        f"{SIGNALS}/{own_signal.pk}/triage", {"status": "investigating"}, format="json"
    )

    assert response.status_code == 400


# --- ingestion ------------------------------------------------------------------------


def test_team_owner_adds_an_outcome_snapshot_by_workflow_key(team_owner, workflow):
    response = client_for(team_owner).post(
        "/metric-gate/workflows/support-triage/outcomes", snapshot_body(), format="json"
    )

    assert response.status_code == 201
    assert OutcomeSnapshot.objects.get().workflow == workflow


def test_same_period_replaces_the_snapshot(team_owner, workflow):
    client = client_for(team_owner)
    url = f"/metric-gate/workflows/{workflow.pk}/outcomes"
    client.post(url, snapshot_body(), format="json")

    response = client.post(
        url, snapshot_body(task_completion_delta="0.09"), format="json"
    )

    assert response.status_code == 200
    assert OutcomeSnapshot.objects.get().task_completion_delta == Decimal("0.09")


def test_snapshot_with_unordered_periods_is_a_400(team_owner, workflow):
    response = client_for(team_owner).post(
        f"/metric-gate/workflows/{workflow.pk}/outcomes",
        snapshot_body(measurement_start="2026-09-15"),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "periods_out_of_order"


def test_team_owner_gets_404_for_another_teams_outcomes(team_owner, other_workflow):
    response = client_for(team_owner).post(
        "/metric-gate/workflows/sales-emails/outcomes", snapshot_body(), format="json"
    )

    assert response.status_code == 404


def test_finance_may_see_but_not_ingest(finance, workflow):
    response = client_for(finance).post(
        f"/metric-gate/workflows/{workflow.pk}/diagnostics",
        diagnostics_body(),
        format="json",
    )

    assert response.status_code == 403


def test_governance_adds_diagnostics(governance, workflow):
    response = client_for(governance).post(
        f"/metric-gate/workflows/{workflow.key}/diagnostics",
        diagnostics_body(contributor_count=7),
        format="json",
    )

    assert response.json()["days_written"] == 1
    assert TokenCostDiagnostic.objects.get().contributor_count == 7


def test_posting_the_same_day_again_replaces_it(team_owner, workflow):
    client = client_for(team_owner)
    url = f"/metric-gate/workflows/{workflow.pk}/diagnostics"
    client.post(url, diagnostics_body(), format="json")

    client.post(url, diagnostics_body(cost_usd="9.00"), format="json")

    assert TokenCostDiagnostic.objects.get().cost_usd == 9


def test_negative_cost_is_a_400(team_owner, workflow):
    response = client_for(team_owner).post(
        f"/metric-gate/workflows/{workflow.pk}/diagnostics",
        diagnostics_body(cost_usd="-1"),
        format="json",
    )

    assert response.status_code == 400
    assert not TokenCostDiagnostic.objects.exists()


def test_a_day_twice_in_one_request_is_a_400(team_owner, workflow):
    body = {"days": [{"day": "2026-11-01"}, {"day": "2026-11-01"}]}

    response = client_for(team_owner).post(
        f"/metric-gate/workflows/{workflow.pk}/diagnostics", body, format="json"
    )

    assert response.json()["code"] == "duplicate_day"
