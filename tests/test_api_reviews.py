"""Proposals and reviews over the API, including two reviewers racing."""

import threading

import pytest
from django.db import connection

from registry.models import Metric
from reviews.models import GateReview, MetricProposal

from .factories import ProposalFactory
from .factories_api import client_for


def decision(proposal, **changes):
    return {
        "proposal": str(proposal.pk),
        "decision": "approve",
        "reason": "Linked to resolved tickets",
        "outcome_linkage_score": 80,
        "gaming_risk_score": 20,
        "data_quality_score": 75,
        **changes,
    }


def test_approving_a_proposal_creates_its_registry_entry(governance, workflow):
    proposal = ProposalFactory(workflow=workflow, metric_key="first_reply_time")

    response = client_for(governance).post(
        "/metric-gate/reviews", decision(proposal), format="json"
    )

    assert response.status_code == 201
    assert response.json()["proposal_status"] == "approved"
    assert Metric.objects.get(key="first_reply_time").policy_status == "approved"


def test_approval_is_refused_while_evidence_is_missing(
    governance, team_owner, workflow
):
    submitted = client_for(team_owner).post(
        "/metric-gate/proposals",
        {
            "workflow": workflow.key,
            "metric_key": "first_reply_time",
            "name": "First reply time",
            "proposed_uses": ["workflow_scorecard"],
            "formula": "median minutes to first reply",
        },
        format="json",
    )
    proposal = MetricProposal.objects.get(pk=submitted.json()["id"])

    response = client_for(governance).post(
        "/metric-gate/reviews", decision(proposal), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "evidence_missing"
    assert not GateReview.objects.exists()


def test_approval_is_refused_when_gaming_risk_is_too_high(governance, workflow):
    proposal = ProposalFactory(workflow=workflow)

    response = client_for(governance).post(
        "/metric-gate/reviews", decision(proposal, gaming_risk_score=70), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "scores_below_threshold"


def test_a_score_above_100_is_refused_before_the_service(governance, workflow):
    proposal = ProposalFactory(workflow=workflow)

    response = client_for(governance).post(
        "/metric-gate/reviews",
        decision(proposal, data_quality_score=10**30),
        format="json",
    )

    assert response.status_code == 400
    assert "data_quality_score" in response.json()["fields"]


def test_a_second_decision_on_the_same_revision_is_a_conflict(governance, workflow):
    proposal = ProposalFactory(workflow=workflow)
    client = client_for(governance)
    client.post("/metric-gate/reviews", decision(proposal), format="json")

    response = client.post(
        "/metric-gate/reviews", decision(proposal, decision="reject"), format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "already_decided"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reviewers_deciding_at_once_land_one_decision_and_one_409(
    postgres, governance, workflow
):
    proposal = ProposalFactory(workflow=workflow)
    clients = [client_for(governance), client_for(governance)]
    bodies = [decision(proposal), decision(proposal, decision="reject")]
    start = threading.Barrier(2)
    statuses = []

    def review(client, body):
        # Each thread has its own database connection; close it when done.
        try:
            start.wait()
            response = client.post("/metric-gate/reviews", body, format="json")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=review, args=pair)
        for pair in zip(clients, bodies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [201, 409]
    assert GateReview.objects.filter(proposal=proposal).count() == 1


def test_revising_with_the_missing_evidence_puts_it_up_for_review(team_owner, workflow):
    client = client_for(team_owner)
    submitted = client.post(
        "/metric-gate/proposals",
        {
            "workflow": workflow.key,
            "metric_key": "first_reply_time",
            "name": "First reply time",
            "proposed_uses": ["workflow_scorecard"],
        },
        format="json",
    ).json()

    response = client.post(
        f"/metric-gate/proposals/{submitted['id']}/revise",
        {
            "evidence_url": "https://example.com/sample",
            "baseline": "Q1 median",
            "owner": "support lead",
            "formula": "median minutes to first reply",
            "quality_rubric": "QA samples 20 tickets a week",
        },
        format="json",
    )

    assert response.json()["status"] == "pending_review"
    assert response.json()["revision"] == 2
