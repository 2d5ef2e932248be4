import pytest

from registry.errors import Conflict, InvalidInput, PermissionRefused
from registry.models import AuditEvent, Metric
from reviews import services
from reviews.models import GateReview

from .factories import ProposalFactory

COMPLETE = {
    "metric_key": "first_contact_resolution",
    "name": "First contact resolution",
    "formula": "resolved on first contact / all contacts",
    "data_source": "helpdesk",
    "proposed_uses": ["workflow_scorecard", "performance_review"],
    "baseline": "Q1 2026: 61%",
    "owner": "support lead",
    "quality_rubric": "QA samples 20 tickets a week",
    "anti_gaming_rule": "Reopened within 7 days counts as unresolved",
    "evidence_url": "https://example.com/fcr",
}
GOOD_SCORES = {
    "outcome_linkage_score": 80,
    "gaming_risk_score": 20,
    "data_quality_score": 70,
}


def propose(user, workflow, **overrides):
    fields = {**COMPLETE, **overrides}
    return services.submit_proposal(
        actor=user, source="api", workflow=workflow, **fields
    )


def decide(user, proposal, decision="approve", **scores):
    return services.decide_proposal(
        actor=user,
        source="api",
        proposal=proposal,
        decision=decision,
        reason="Clear link to outcomes",
        **{**GOOD_SCORES, **scores},
    )


def test_proposal_missing_evidence_needs_revision_naming_fields(team_owner, workflow):
    proposal = propose(team_owner, workflow, evidence_url="", baseline="", owner="")
    assert proposal.status == "needs_revision"
    assert proposal.missing_fields == ["evidence_url", "baseline", "owner"]


def test_complete_proposal_waits_for_review(team_owner, workflow):
    assert propose(team_owner, workflow).status == "pending_review"


def test_team_owner_cannot_propose_for_another_workflow(team_owner, other_workflow):
    with pytest.raises(PermissionRefused):
        propose(team_owner, other_workflow)


def test_approval_creates_the_registry_entry(team_owner, workflow, governance):
    decide(governance, propose(team_owner, workflow))
    metric = Metric.objects.get(key="first_contact_resolution")
    assert metric.policy_status == "approved"
    assert "performance_review" in metric.allowed_use


def test_approval_refused_while_evidence_is_missing(team_owner, workflow, governance):
    proposal = propose(team_owner, workflow, quality_rubric="")
    with pytest.raises(InvalidInput) as refused:
        decide(governance, proposal)
    assert refused.value.code == "evidence_missing"
    assert not GateReview.objects.exists()


@pytest.mark.parametrize(
    "scores",
    [
        {"outcome_linkage_score": 59},
        {"gaming_risk_score": 41},
        {"data_quality_score": 59},
    ],
)
def test_approval_refused_when_scores_miss_thresholds(
    team_owner, workflow, governance, scores
):
    with pytest.raises(InvalidInput) as refused:
        decide(governance, propose(team_owner, workflow), **scores)
    assert refused.value.code == "scores_below_threshold"


def test_second_decision_on_same_revision_conflicts(team_owner, workflow, governance):
    proposal = propose(team_owner, workflow)
    decide(governance, proposal, decision="reject")
    with pytest.raises(Conflict):
        decide(governance, proposal)


def test_only_governance_reviews(team_owner, workflow, hr):
    with pytest.raises(PermissionRefused):
        decide(hr, propose(team_owner, workflow))


def test_revision_after_needs_revision_can_be_approved(
    team_owner, workflow, governance
):
    proposal = propose(team_owner, workflow, evidence_url="")
    proposal = services.revise_proposal(
        actor=team_owner,
        source="web",
        proposal=proposal,
        evidence_url="https://example.com/new",
    )
    assert (proposal.status, proposal.revision) == ("pending_review", 2)
    decide(governance, proposal)
    assert (
        Metric.objects.get(key="first_contact_resolution").policy_status == "approved"
    )


def test_decision_writes_audit_event_with_reason_and_source(
    team_owner, workflow, governance
):
    proposal = propose(team_owner, workflow)
    decide(governance, proposal)
    event = AuditEvent.objects.filter(object_id=str(proposal.pk)).last()
    assert (event.previous_state, event.next_state) == ("pending_review", "approved")
    assert (event.actor, event.source, event.reason) == (
        governance,
        "api",
        "Clear link to outcomes",
    )


def test_diagnostic_only_decision_registers_cost_only_metric(team_owner, governance):
    proposal = ProposalFactory(workflow__owner=team_owner)
    decide(governance, proposal, decision="diagnostic_only", gaming_risk_score=90)
    metric = Metric.objects.get(key=proposal.metric_key)
    assert (metric.policy_status, metric.allowed_use) == (
        "diagnostic_only",
        ["cost_diagnostic"],
    )
