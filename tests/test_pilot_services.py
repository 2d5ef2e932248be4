"""Creating, answering and closing pilot evidence requests."""

import datetime

import pytest

from pilot import services
from pilot.models import EvidenceRequest, Notification
from registry.errors import Conflict, InvalidInput, NotFound, PermissionRefused
from registry.models import AuditEvent

from .factories import WorkflowFactory
from .factories_pilot import EvidenceRequestFactory

TODAY = datetime.date(2026, 12, 3)
DUE = datetime.date(2026, 12, 10)
ALL_ITEMS = ["baseline", "outcome_metric", "quality_rubric", "data_source"]


def _create(actor, workflows, **overrides):
    arguments = {
        "actor": actor,
        "source": "web",
        "workflows": workflows,
        "items": ALL_ITEMS,
        "due_date": DUE,
        "today": TODAY,
    }
    return services.create_requests(**{**arguments, **overrides})


def test_governance_creates_one_request_per_workflow(
    governance, workflow, other_workflow
):
    created = _create(governance, [workflow, other_workflow.key])

    assert {r.workflow.key for r in created} == {workflow.key, other_workflow.key}
    assert all(r.status == "open" and r.owner == r.workflow.owner for r in created)


def test_creating_requests_puts_the_workflows_in_the_pilot(governance, workflow):
    _create(governance, [workflow])

    workflow.refresh_from_db()
    assert workflow.is_pilot


def test_creating_a_request_records_history_and_an_audit_event(governance, workflow):
    (request,) = _create(governance, [workflow])

    assert request.history.count() == 1
    assert AuditEvent.objects.filter(
        object_type="pilot.evidencerequest", object_id=str(request.pk)
    ).exists()


def test_creating_a_request_notifies_its_owner(
    governance, workflow, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (request,) = _create(governance, [workflow])

    assert Notification.objects.get(request=request).kind == "request_created"
    assert [m.to for m in mailoutbox] == [[workflow.owner.email]]


def test_team_owner_cannot_create_requests(team_owner, workflow):
    with pytest.raises(PermissionRefused):
        _create(team_owner, [workflow])


def test_a_past_due_date_is_refused(governance, workflow):
    with pytest.raises(InvalidInput) as caught:
        _create(governance, [workflow], due_date=TODAY - datetime.timedelta(days=1))

    assert caught.value.code == "due_in_past"


def test_an_unknown_item_is_refused(governance, workflow):
    with pytest.raises(InvalidInput) as caught:
        _create(governance, [workflow], items=["baseline", "token_count"])

    assert caught.value.code == "unknown_item"


def test_a_second_pending_request_refuses_the_whole_batch(
    governance, workflow, other_workflow
):
    EvidenceRequestFactory(workflow=workflow)

    with pytest.raises(Conflict):
        _create(governance, [other_workflow, workflow])

    assert not EvidenceRequest.objects.filter(workflow=other_workflow).exists()


def test_owner_partial_answer_keeps_the_request_open(team_owner, workflow):
    request = EvidenceRequestFactory(workflow=workflow, items=ALL_ITEMS)

    answered = services.answer_request(
        actor=team_owner,
        source="web",
        request_id=request.pk,
        answers={"baseline": "Q3 median 42 min per ticket"},
    )

    assert answered.status == "open"
    assert answered.missing_items() == [
        "outcome_metric",
        "quality_rubric",
        "data_source",
    ]


def test_owner_answering_every_item_marks_the_request_answered(team_owner, workflow):
    request = EvidenceRequestFactory(
        workflow=workflow, items=["baseline", "data_source"]
    )

    answered = services.answer_request(
        actor=team_owner,
        source="web",
        request_id=request.pk,
        answers={"baseline": "Q3 median", "data_source": "Zendesk export"},
    )

    assert answered.status == "answered"
    assert answered.answered_by == team_owner


def test_an_answer_to_an_item_not_asked_is_refused(team_owner, workflow):
    request = EvidenceRequestFactory(workflow=workflow, items=["baseline"])

    with pytest.raises(InvalidInput) as caught:
        services.answer_request(
            actor=team_owner,
            source="web",
            request_id=request.pk,
            answers={"data_source": "warehouse"},
        )

    assert caught.value.code == "item_not_asked"


def test_an_evidence_url_must_be_http(team_owner, workflow):
    request = EvidenceRequestFactory(workflow=workflow, items=["evidence_url"])

    with pytest.raises(InvalidInput) as caught:
        services.answer_request(
            actor=team_owner,
            source="web",
            request_id=request.pk,
            answers={"evidence_url": "javascript:alert(1)"},
        )

    assert caught.value.code == "invalid_url"


def test_governance_cannot_answer_for_the_owner(governance, workflow):
    request = EvidenceRequestFactory(workflow=workflow)

    with pytest.raises(PermissionRefused):
        services.answer_request(
            actor=governance,
            source="web",
            request_id=request.pk,
            answers={"baseline": "made up"},
        )


def test_another_team_owner_does_not_see_the_request(workflow):
    request = EvidenceRequestFactory(workflow=workflow)
    stranger = WorkflowFactory().owner

    with pytest.raises(NotFound):
        services.answer_request(
            actor=stranger,
            source="web",
            request_id=request.pk,
            answers={"baseline": "x"},
        )


def test_a_closed_request_takes_no_answers(governance, team_owner, workflow):
    request = EvidenceRequestFactory(workflow=workflow)
    services.close_request(
        actor=governance, source="web", request_id=request.pk, reason="pilot cancelled"
    )

    with pytest.raises(Conflict):
        services.answer_request(
            actor=team_owner,
            source="web",
            request_id=request.pk,
            answers={"baseline": "x"},
        )


def test_closing_needs_a_reason(governance, workflow):
    request = EvidenceRequestFactory(workflow=workflow)

    with pytest.raises(InvalidInput):
        services.close_request(
            actor=governance, source="web", request_id=request.pk, reason="  "
        )
