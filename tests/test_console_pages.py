"""What each console page does, through Django's test client and real services."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.models import AuditEvent, Metric, MetricException
from reviews.models import GateReview, MetricProposal, ScorecardExport
from reviews.services import add_scorecard_metric
from signals.models import GamingSignal, OutcomeSnapshot

from .factories import (
    GamingSignalFactory,
    MetricExceptionFactory,
    PerformanceScorecardFactory,
    ProposalFactory,
    ScorecardExportFactory,
)
from .factories_console import changed_policy_metric, daily_costs, outcome_snapshot


def _login(client, user):
    client.force_login(user)
    return client


def _web_events(object_id):
    return AuditEvent.objects.filter(object_id=str(object_id), source="web")


# --- Proposals and reviews ---


def _proposal_post(workflow, **overrides):
    data = {
        "workflow": workflow.key,
        "metric_key": "first_contact_resolution",
        "name": "First contact resolution",
        "formula": "resolved at first contact / all contacts",
        "data_source": "helpdesk",
        "proposed_uses": ["workflow_scorecard"],
        "baseline": "Q3 average",
        "owner": "support lead",
        "quality_rubric": "QA samples 20 a week",
        "anti_gaming_rule": "Reopened tickets do not count",
        "evidence_url": "https://example.com/fcr",
    }
    data.update(overrides)
    return data


def test_team_owner_proposal_without_evidence_shows_missing_fields(
    client, team_owner, workflow
):
    post = _proposal_post(workflow, evidence_url="", baseline="")

    response = _login(client, team_owner).post(
        reverse("proposal_new"), post, follow=True
    )

    proposal = MetricProposal.objects.get(metric_key="first_contact_resolution")
    assert proposal.status == "needs_revision"
    page = response.content.decode()
    assert "Why it needs revision" in page
    assert "evidence_url" in page and "baseline" in page


def test_proposal_is_written_with_source_web(client, team_owner, workflow):
    _login(client, team_owner).post(reverse("proposal_new"), _proposal_post(workflow))

    proposal = MetricProposal.objects.get(metric_key="first_contact_resolution")
    assert proposal.status == "pending_review"
    assert _web_events(proposal.pk).filter(actor=team_owner).exists()


def test_team_owner_cannot_propose_for_a_workflow_they_do_not_own(
    client, team_owner, other_workflow
):
    post = _proposal_post(other_workflow)

    response = _login(client, team_owner).post(reverse("proposal_new"), post)

    assert response.status_code == 200
    assert "workflow" in response.context["form"].errors
    assert not MetricProposal.objects.filter(workflow=other_workflow).exists()


def test_revising_with_the_missing_evidence_sends_proposal_to_review(
    client, team_owner, workflow
):
    proposal = ProposalFactory(
        workflow=workflow,
        evidence_url="",
        status="needs_revision",
        missing_fields=["evidence_url"],
    )
    post = _proposal_post(workflow)
    del post["workflow"], post["metric_key"]

    _login(client, team_owner).post(
        reverse("proposal_detail", args=[proposal.pk]), post
    )

    proposal.refresh_from_db()
    assert (proposal.status, proposal.revision) == ("pending_review", 2)


def _review_post(**overrides):
    data = {
        "decision": "approve",
        "reason": "Clear link to resolution time",
        "outcome_linkage_score": 80,
        "gaming_risk_score": 20,
        "data_quality_score": 75,
    }
    data.update(overrides)
    return data


def test_governance_approval_creates_the_registry_entry(client, governance, workflow):
    proposal = ProposalFactory(workflow=workflow, metric_key="fcr_rate")

    response = _login(client, governance).post(
        reverse("review_form", args=[proposal.pk]), _review_post()
    )

    assert response.status_code == 302
    assert Metric.objects.get(key="fcr_rate").policy_status == "approved"
    assert _web_events(proposal.pk).filter(action="reviewed").exists()


def test_review_without_reason_is_a_form_error(client, governance, workflow):
    proposal = ProposalFactory(workflow=workflow)

    response = _login(client, governance).post(
        reverse("review_form", args=[proposal.pk]), _review_post(reason="")
    )

    assert "reason" in response.context["form"].errors
    assert not GateReview.objects.filter(proposal=proposal).exists()


def test_approval_below_threshold_is_refused_with_the_service_message(
    client, governance, workflow
):
    proposal = ProposalFactory(workflow=workflow)

    response = _login(client, governance).post(
        reverse("review_form", args=[proposal.pk]),
        _review_post(gaming_risk_score=90),
    )

    assert "scores_below_threshold" in response.content.decode()
    assert not GateReview.objects.filter(proposal=proposal).exists()


# --- Workflow scorecard ---


def test_diagnostics_sit_only_in_the_cost_context_panel(client, finance, workflow):
    daily_costs(workflow)
    outcome_snapshot(workflow)

    page = _login(client, finance).get(
        reverse("workflow_scorecard", args=[workflow.key])
    )

    html = page.content.decode()
    outcomes = html.split('id="outcomes"')[1].split("</section>")[0]
    cost = html.split('id="cost-context"')[1].split("</section>")[0]
    assert "Token consumption" not in outcomes and "Tool active days" not in outcomes
    assert "Token cost" not in outcomes
    assert "Cost context" in cost and "<svg" in cost


def test_scorecard_has_no_rank_score_or_bonus_field(client, governance, workflow):
    daily_costs(workflow)
    outcome_snapshot(workflow)

    html = (
        _login(client, governance)
        .get(reverse("workflow_scorecard", args=[workflow.key]))
        .content.decode()
        .lower()
    )

    for word in ("rank", "bonus", "leaderboard"):
        assert f'name="{word}' not in html and f"<th>{word}" not in html


def test_hr_sees_outcomes_but_no_cost_panel(client, hr, workflow):
    daily_costs(workflow)

    html = (
        _login(client, hr)
        .get(reverse("workflow_scorecard", args=[workflow.key]))
        .content.decode()
    )

    assert 'id="outcomes"' in html
    assert 'id="cost-context"' not in html


def test_team_owner_records_an_outcome_snapshot(client, team_owner, workflow):
    post = {
        "baseline_start": "2026-09-01",
        "baseline_end": "2026-09-30",
        "measurement_start": "2026-10-01",
        "measurement_end": "2026-10-31",
        "task_completion_delta": "0.07",
        "validated_time_saved_minutes": "300",
        "quality_score_delta": "0.01",
        "evidence_url": "https://example.com/oct",
    }

    response = _login(client, team_owner).post(
        reverse("outcome_new", args=[workflow.key]), post
    )

    assert response.status_code == 302
    snapshot = OutcomeSnapshot.objects.get(workflow=workflow)
    assert snapshot.validated_time_saved_minutes == 300


def test_snapshot_with_periods_out_of_order_is_a_form_error(
    client, team_owner, workflow
):
    post = {
        "baseline_start": "2026-10-01",
        "baseline_end": "2026-10-31",
        "measurement_start": "2026-09-01",
        "measurement_end": "2026-09-30",
    }

    response = _login(client, team_owner).post(
        reverse("outcome_new", args=[workflow.key]), post
    )

    assert response.context["form"].errors
    assert not OutcomeSnapshot.objects.exists()


# --- Performance scorecards ---


def test_hr_selector_offers_only_what_the_gate_allows(client, hr):
    scorecard = PerformanceScorecardFactory(created_by=hr)

    response = _login(client, hr).get(
        reverse("performance_detail", args=[scorecard.pk])
    )

    offered = {
        key
        for key, _ in response.context["add_form"].fields["metric_key"].widget.choices
    }
    assert "task_completion_rate" in offered
    assert not offered & {"token_consumption", "prompt_count", "tool_active_days"}


def test_forged_post_of_blocked_metric_is_refused_visibly_and_changes_nothing(
    client, hr
):
    scorecard = PerformanceScorecardFactory(created_by=hr)
    events_before = AuditEvent.objects.count()

    response = _login(client, hr).post(
        reverse("performance_add_metric", args=[scorecard.pk]),
        {"metric_key": "token_consumption"},
    )

    assert response.status_code == 403
    assert "blocked_metric_for_performance" in response.content.decode()
    assert not scorecard.entries.exists()
    assert AuditEvent.objects.count() == events_before


def test_hr_adds_an_allowed_metric(client, hr):
    scorecard = PerformanceScorecardFactory(created_by=hr)

    _login(client, hr).post(
        reverse("performance_add_metric", args=[scorecard.pk]),
        {"metric_key": "task_completion_rate"},
    )

    assert scorecard.entries.filter(metric__key="task_completion_rate").exists()


def test_export_is_refused_before_approval(client, hr):
    scorecard = PerformanceScorecardFactory(created_by=hr)

    response = _login(client, hr).post(
        reverse("performance_export", args=[scorecard.pk, "csv"]), follow=True
    )

    assert "scorecard_not_approved" in response.content.decode()
    assert not ScorecardExport.objects.exists()


def test_approved_scorecard_exports_csv(client, hr, governance):
    scorecard = PerformanceScorecardFactory(created_by=hr)
    _login(client, hr).post(
        reverse("performance_add_metric", args=[scorecard.pk]),
        {"metric_key": "task_completion_rate"},
    )
    _login(client, governance).post(reverse("performance_approve", args=[scorecard.pk]))

    response = _login(client, hr).post(
        reverse("performance_export", args=[scorecard.pk, "csv"])
    )

    assert response["Content-Type"] == "text/csv"
    assert b"task_completion_rate" in response.content


def test_invalidated_export_cannot_be_downloaded(client, hr):
    export = ScorecardExportFactory(
        scorecard=PerformanceScorecardFactory(created_by=hr),
        invalidated_at=timezone.now(),
        invalidation_reason="rollback of task_completion_rate",
    )

    response = _login(client, hr).get(
        reverse("performance_export_download", args=[export.scorecard_id, export.pk])
    )

    assert response.status_code == 403


# --- Registry and rollback ---


def test_registry_use_filter_lists_what_the_gate_allows(client, governance):
    response = _login(client, governance).get(
        reverse("registry"), {"use": "performance_review"}
    )

    keys = {metric.key for metric in response.context["page"]}
    assert "task_completion_rate" in keys
    assert "token_consumption" not in keys


def test_registry_status_filter(client, governance):
    response = _login(client, governance).get(
        reverse("registry"), {"status": "blocked"}
    )

    keys = {metric.key for metric in response.context["page"]}
    assert keys == {"token_consumption", "prompt_count", "ai_usage_leaderboard"}


def test_metric_detail_shows_who_changed_what_and_why(client, governance):
    changed_policy_metric(governance)

    html = (
        _login(client, governance)
        .get(reverse("metric_detail", args=["task_completion_rate"]))
        .content.decode()
    )

    assert "test: narrow the uses" in html
    assert "allowed_use" in html and governance.username in html


def test_rollback_confirmation_lists_the_exports_it_will_invalidate(
    client, governance, hr
):
    metric = changed_policy_metric(governance)
    export = ScorecardExportFactory(
        scorecard=PerformanceScorecardFactory(name="Q4 support review", created_by=hr),
        metric_keys=[metric.key],
    )

    html = (
        _login(client, governance)
        .get(reverse("metric_rollback", args=[metric.key]))
        .content.decode()
    )

    assert "1 export will be invalidated" in html
    assert export.scorecard.name in html


def test_confirmed_rollback_restores_policy_and_invalidates_export(
    client, governance, hr
):
    metric = changed_policy_metric(governance)
    export = ScorecardExportFactory(
        scorecard=PerformanceScorecardFactory(created_by=hr), metric_keys=[metric.key]
    )

    _login(client, governance).post(
        reverse("metric_rollback", args=[metric.key]), {"reason": "uses cut by mistake"}
    )

    metric.refresh_from_db()
    export.refresh_from_db()
    assert "performance_review" in metric.allowed_use
    assert export.invalidated_at is not None


def test_rollback_without_reason_changes_nothing(client, governance):
    metric = changed_policy_metric(governance)

    response = _login(client, governance).post(
        reverse("metric_rollback", args=[metric.key]), {"reason": ""}
    )

    metric.refresh_from_db()
    assert "reason" in response.context["form"].errors
    assert metric.allowed_use == ["workflow_scorecard"]


# --- Exceptions ---


def test_exception_request_without_expiry_is_a_form_error(client, finance):
    post = {
        "metric_key": "token_cost_diagnostics",
        "requested_use": "executive_report",
        "risk_tier": "low",
        "audit_note": "Board pack",
    }

    response = _login(client, finance).post(reverse("exception_new"), post)

    assert "expires_at" in response.context["form"].errors
    assert not MetricException.objects.exists()


def test_exception_request_past_ninety_days_is_refused(client, finance):
    far = timezone.now() + datetime.timedelta(days=120)
    post = {
        "metric_key": "token_cost_diagnostics",
        "requested_use": "executive_report",
        "risk_tier": "low",
        "audit_note": "Board pack",
        "expires_at": far.strftime("%Y-%m-%dT%H:%M"),
    }

    response = _login(client, finance).post(reverse("exception_new"), post)

    assert "expires_at_too_far" in response.content.decode()
    assert not MetricException.objects.exists()


def test_governance_approves_then_revokes_an_exception(client, governance):
    exception = MetricExceptionFactory()
    _login(client, governance)

    client.post(reverse("exception_decide", args=[exception.pk, "approve"]))
    exception.refresh_from_db()
    assert exception.status == "approved"

    client.post(
        reverse("exception_decide", args=[exception.pk, "revoke"]),
        {"reason": "pilot over"},
    )
    exception.refresh_from_db()
    assert exception.status == "revoked"


def test_exception_list_shows_time_left(client, governance):
    MetricExceptionFactory(
        expires_at=timezone.now() + datetime.timedelta(days=10, hours=2)
    )

    html = _login(client, governance).get(reverse("exceptions")).content.decode()

    assert "10 days left" in html


# --- Gaming signals ---


def test_signal_detail_shows_the_triggering_figures(client, governance, workflow):
    signal = GamingSignalFactory(
        workflow=workflow, evidence_json={"ratio": 3.4, "cost": {"recent": 80}}
    )

    html = (
        _login(client, governance)
        .get(reverse("signal_detail", args=[signal.pk]))
        .content.decode()
    )

    assert "ratio" in html and "3.4" in html and "cost.recent" in html


def test_governance_triages_a_signal_with_a_note(client, governance, workflow):
    signal = GamingSignalFactory(workflow=workflow)

    _login(client, governance).post(
        reverse("signal_detail", args=[signal.pk]),
        {"status": "resolved", "note": "Batch backfill, expected"},
    )

    signal.refresh_from_db()
    assert (signal.status, signal.triage_note) == (
        "resolved",
        "Batch backfill, expected",
    )


def test_team_owner_cannot_triage_their_signal(client, team_owner, workflow):
    signal = GamingSignalFactory(workflow=workflow)

    response = _login(client, team_owner).post(
        reverse("signal_detail", args=[signal.pk]),
        {"status": "resolved", "note": "fine"},
    )

    assert response.status_code == 403
    assert GamingSignal.objects.get(pk=signal.pk).status == "open"


def test_signal_list_filters_by_severity(client, governance, workflow):
    GamingSignalFactory(workflow=workflow, severity="high")
    GamingSignalFactory(
        workflow=workflow, severity="low", window_end=datetime.date(2026, 3, 1)
    )

    response = _login(client, governance).get(reverse("signals"), {"severity": "high"})

    assert [s.severity for s in response.context["page"]] == ["high"]


# --- Audit, costs, language ---


def test_audit_log_filters_by_actor_and_source(client, governance):
    changed_policy_metric(governance)

    response = _login(client, governance).get(
        reverse("audit_log"), {"actor": governance.username, "source": "cli"}
    )

    events = list(response.context["page"])
    assert events and all(e.actor_username == governance.username for e in events)


def test_audit_log_links_the_api_export_for_the_range(client, governance):
    html = (
        _login(client, governance)
        .get(reverse("audit_log"), {"since": "2026-11-01"})
        .content.decode()
    )

    assert "/metric-gate/audit-events?since=2026-11-01&amp;format=csv" in html


def test_cost_overview_pools_workflows_with_few_contributors(
    client, finance, workflow, other_workflow
):
    daily_costs(workflow)
    for row in daily_costs(other_workflow):
        row.contributor_count = 2
        row.save()

    response = _login(client, finance).get(reverse("cost_overview"))

    costs = response.context["costs"]
    assert [row["workflow__key"] for row in costs["rows"]] == [workflow.key]
    assert costs["pooled"]["workflows"] == 1


@pytest.mark.parametrize(
    ("accept", "expected"), [("zh-TW,zh;q=0.9", "登入"), ("en-US", "Log in")]
)
def test_login_page_language_follows_the_browser(client, db, accept, expected):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept)

    assert expected in response.content.decode()


def test_dates_follow_the_chosen_language(client, governance):
    MetricExceptionFactory(expires_at=timezone.now() + datetime.timedelta(days=3))
    client.post(reverse("set_language"), {"language": "zh-hant", "next": "/"})

    html = _login(client, governance).get(reverse("exceptions")).content.decode()

    assert "年" in html and "月" in html


def test_governance_home_lists_scorecards_waiting_for_approval(client, governance, hr):
    scorecard = PerformanceScorecardFactory(name="Support analyst H1", created_by=hr)
    add_scorecard_metric(
        actor=hr, source="cli", scorecard=scorecard, metric_key="task_completion_rate"
    )

    html = _login(client, governance).get(reverse("home")).content.decode()

    assert "Support analyst H1" in html
