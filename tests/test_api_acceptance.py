"""The seed's "Production Acceptance" items, each as an API test."""

import csv
import io
import json

from registry import services
from registry.models import Metric, MetricException
from reviews.models import PerformanceScorecard
from signals.models import GamingSignal

from .factories import OutcomeSnapshotFactory, TokenCostDiagnosticFactory
from .factories_api import client_for, in_days
from .factories_signals import AS_OF, recent_snapshot, usage_history

EVIDENCE = ["evidence_url", "baseline", "owner", "formula", "quality_rubric"]
AUDIT_FIELDS = [
    "actor",
    "action",
    "previous_state",
    "next_state",
    "reason",
    "source",
    "timestamp",
]


def keys_of(value):
    """Every key of a JSON document, at any depth."""
    if isinstance(value, dict):
        return {k for key, item in value.items() for k in {key, *keys_of(item)}}
    if isinstance(value, list):
        return {k for item in value for k in keys_of(item)}
    return set()


def test_acceptance_1_blocked_metric_cannot_enter_performance_scorecard(hr):
    client = client_for(hr)
    created = client.post(
        "/metric-gate/performance-scorecards",
        {"name": "H1", "period_start": "2026-01-01", "period_end": "2026-06-30"},
        format="json",
    )

    response = client.post(
        f"/metric-gate/performance-scorecards/{created.data['id']}/metrics",
        {"metric_key": "token_consumption"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "blocked_metric_for_performance"
    assert response.json()["metric_key"] == "token_consumption"
    assert not PerformanceScorecard.objects.get(pk=created.data["id"]).entries.exists()


def test_acceptance_2_diagnostic_only_metrics_appear_only_as_cost_context(
    governance, workflow
):
    OutcomeSnapshotFactory(workflow=workflow)
    TokenCostDiagnosticFactory(workflow=workflow, day=in_days(-1)[:10])

    response = client_for(governance).get(
        "/metric-gate/scorecard", {"workflow_id": workflow.key}
    )

    body = response.json()
    outcome_keys = {entry["metric_key"] for entry in body["outcomes"]["metrics"]}
    assert response.status_code == 200
    assert not outcome_keys & {"tool_active_days", "token_cost_diagnostics"}
    assert body["diagnostics"]["context"] == "cost_diagnostic"
    assert body["diagnostics"]["totals"]["tokens_in"] == 100_000
    assert not {
        key
        for key in keys_of(body["diagnostics"])
        if any(word in key for word in ("rank", "bonus", "score"))
    }


def test_acceptance_3_approved_outcome_metric_requires_evidence(team_owner, workflow):
    response = client_for(team_owner).post(
        "/metric-gate/proposals",
        {
            "workflow": workflow.key,
            "metric_key": "task_completion_rate",
            "name": "Task completion rate",
            "proposed_uses": ["workflow_scorecard"],
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "needs_revision"
    assert response.json()["missing_fields"] == EVIDENCE


def test_acceptance_4_gaming_signal_triggers_review(governance, workflow):
    usage_history(workflow, baseline={"cost": "10"}, recent={"cost": "25"})
    recent_snapshot(workflow)

    response = client_for(governance).post(
        "/metric-gate/gaming-signals/sync", {"date": AS_OF.isoformat()}, format="json"
    )

    assert response.status_code == 200
    signal = GamingSignal.objects.get(
        workflow=workflow, signal_type="cost_spike_no_outcome"
    )
    assert signal.severity in ("medium", "high")


def test_acceptance_5_exception_is_time_boxed(hr):
    response = client_for(hr).post(
        "/metric-gate/exceptions",
        {
            "metric_key": "token_consumption",
            "requested_use": "performance_review",
            "risk_tier": "high",
            "audit_note": "Compare with last year's review",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "expires_at_required"
    assert not MetricException.objects.exists()


def test_acceptance_6_audit_export_is_complete(governance):
    services.set_metric_policy(
        actor=governance,
        source="api",
        reason="Outcome link no longer holds",
        metric=Metric.objects.get(key="validated_time_saved"),
        policy_status="diagnostic_only",
        allowed_use=["cost_diagnostic"],
        prohibited_use=["performance_review"],
    )
    client = client_for(governance)

    as_csv = client.get("/metric-gate/audit-events", {"format": "csv"})
    as_json = client.get("/metric-gate/audit-events", {"format": "json"})

    csv_rows = list(csv.DictReader(io.StringIO(b"".join(as_csv).decode())))
    json_rows = json.loads(b"".join(as_json))
    assert csv_rows == [
        {key: str(value) for key, value in row.items()} for row in json_rows
    ]
    change = json_rows[-1]
    assert change["actor"] == governance.username
    assert change["reason"] == "Outcome link no longer holds"
    assert change["source"] == "api"
    assert change["previous_state"].startswith("approved")
    assert change["next_state"].startswith("diagnostic_only")
    for row in json_rows:
        assert all(
            row[field] != "" for field in AUDIT_FIELDS if field != "previous_state"
        )
        assert set(AUDIT_FIELDS) <= set(row)
