"""Every error is JSON with a code and a detail; no input reaches a 500."""

from rest_framework.test import APIClient

from .factories_api import client_for


def test_anonymous_call_is_a_401_asking_for_a_token(db):
    response = client_for().get("/metric-gate/workflows")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_path_under_the_api_is_a_json_404(governance):
    response = client_for(governance).get("/metric-gate/no-such-thing/at/all")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_post_to_an_unknown_path_is_a_json_404_not_a_csrf_page(db):
    client = APIClient(enforce_csrf_checks=True)

    response = client.post("/metric-gate/nothing-here", {}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_malformed_uuid_is_a_404(governance):
    response = client_for(governance).get("/metric-gate/exceptions/not-a-uuid")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_body_that_is_not_json_is_a_415(team_owner, workflow):
    response = client_for(team_owner).generic(
        "POST", "/metric-gate/proposals", "workflow=x", content_type="text/plain"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_broken_json_is_a_400(team_owner, workflow):
    response = client_for(team_owner).generic(
        "POST",
        "/metric-gate/proposals",
        '{"workflow": ',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_json_that_is_not_an_object_is_a_400(team_owner, workflow):
    response = client_for(team_owner).post(
        "/metric-gate/proposals", [1, 2], format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_nul_byte_in_a_query_is_a_400(governance):
    response = client_for(governance).get(
        "/metric-gate/scorecard", {"workflow_id": "support\x00triage"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


def test_unknown_use_filter_is_a_400(hr):
    response = client_for(hr).get("/metric-gate/metrics", {"use": "vibes"})

    assert response.status_code == 400
    assert "use" in response.json()["fields"]


def test_scorecard_without_workflow_id_is_a_400(governance):
    response = client_for(governance).get("/metric-gate/scorecard")

    assert response.status_code == 400
    assert "workflow_id" in response.json()["fields"]


def test_wrong_type_for_a_date_is_a_400(hr):
    response = client_for(hr).post(
        "/metric-gate/performance-scorecards",
        {"name": "H1", "period_start": 20260101, "period_end": ["x"]},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"period_start", "period_end"}


def test_period_ending_before_it_starts_is_a_400(hr):
    response = client_for(hr).post(
        "/metric-gate/performance-scorecards",
        {"name": "H1", "period_start": "2026-06-30", "period_end": "2026-01-01"},
        format="json",
    )

    assert response.status_code == 400


def test_exception_further_than_90_days_ahead_is_a_400(hr):
    response = client_for(hr).post(
        "/metric-gate/exceptions",
        {
            "metric_key": "token_consumption",
            "requested_use": "performance_review",
            "risk_tier": "high",
            "audit_note": "Compare with last year",
            "expires_at": "2027-12-31T00:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "expires_at_too_far"


def test_hr_asking_for_a_blocked_metric_gets_a_404(hr):
    response = client_for(hr).get("/metric-gate/metrics/token_consumption")

    assert response.status_code == 404


def test_hr_selector_lists_only_what_the_gate_allows_for_reviews(hr):
    response = client_for(hr).get("/metric-gate/metrics", {"use": "performance_review"})

    keys = {metric["key"] for metric in response.json()["results"]}
    assert keys == {
        "task_completion_rate",
        "validated_time_saved",
        "quality_defect_rate",
    }


def test_metric_detail_carries_its_history(governance):
    response = client_for(governance).get("/metric-gate/metrics/token_consumption")

    history = response.json()["history"]
    assert history[0]["reason"] == "Initial registry from DESIGN.md"
    assert history[0]["source"] == "cli"


def test_export_of_a_draft_scorecard_is_refused(hr):
    created = client_for(hr).post(
        "/metric-gate/performance-scorecards",
        {"name": "H1", "period_start": "2026-01-01", "period_end": "2026-06-30"},
        format="json",
    )

    response = client_for(hr).get(
        f"/metric-gate/performance-scorecards/{created.json()['id']}/export",
        {"format": "json"},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "scorecard_not_approved"
