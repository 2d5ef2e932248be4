"""Pilot pages: who may open them, what the forms do, and flat query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.utils import timezone

from pilot.models import EvidenceRequest
from registry.choices import Role

from .factories import UserFactory, WorkflowFactory
from .factories_pilot import EvidenceRequestFactory

ROLES = ["anonymous", "governance", "owner", "other_owner", "hr", "finance"]

# Expected status of a GET per page and role; "login" is a redirect to log in.
EXPECTED = {
    "pilot:overview": ["login", 200, 403, 403, 403, 403],
    "pilot:create": ["login", 200, 403, 403, 403, 403],
    "pilot:readiness": ["login", 200, 403, 403, 403, 403],
    "pilot:request": ["login", 200, 200, 404, 403, 403],
    "pilot:mine": ["login", 200, 200, 200, 200, 200],
    "pilot:preferences": ["login", 200, 200, 200, 200, 200],
    # POST only: a GET is refused before anything else for those who may close.
    "pilot:close": ["login", 405, 403, 403, 403, 403],
}


@pytest.fixture
def evidence_request(workflow, governance):
    workflow.is_pilot = True
    workflow.save()
    return EvidenceRequestFactory(workflow=workflow, created_by=governance)


@pytest.fixture
def users(governance, team_owner, hr, finance):
    return {
        "anonymous": None,
        "governance": governance,
        "owner": team_owner,
        "other_owner": WorkflowFactory(key="other-team").owner,
        "hr": hr,
        "finance": finance,
    }


def _url(name, evidence_request):
    if name in ("pilot:request", "pilot:close"):
        return reverse(name, args=[evidence_request.pk])
    return reverse(name)


def test_every_pilot_page_has_a_permission_expectation():
    names = {
        f"pilot:{name}"
        for name in get_resolver().namespace_dict["pilot"][1].reverse_dict
        if isinstance(name, str)
    }
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_page_permissions_per_role(client, users, evidence_request, name):
    url = _url(name, evidence_request)

    for role, expected in zip(ROLES, EXPECTED[name], strict=True):
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        response = client.get(url)
        if expected == "login":
            assert response.status_code == 302, role
            assert response.url.startswith(reverse("login")), role
        else:
            assert response.status_code == expected, (role, response.status_code)


def test_governance_asks_several_workflows_at_once(client, governance, workflow):
    second = WorkflowFactory(key="claims-intake")
    client.force_login(governance)
    due = timezone.localdate() + datetime.timedelta(days=7)

    response = client.post(
        reverse("pilot:create"),
        {
            "workflows": [str(workflow.pk), str(second.pk)],
            "items": ["baseline", "data_source"],
            "due_date": due.isoformat(),
        },
    )

    assert response.status_code == 302
    assert EvidenceRequest.objects.filter(due_date=due).count() == 2


def test_a_past_due_date_is_a_form_error(client, governance, workflow):
    client.force_login(governance)

    response = client.post(
        reverse("pilot:create"),
        {
            "workflows": [str(workflow.pk)],
            "items": ["baseline"],
            "due_date": "2020-01-01",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["due_date"]


def test_a_second_request_for_a_waiting_workflow_is_a_form_error(
    client, governance, evidence_request
):
    client.force_login(governance)
    due = timezone.localdate() + datetime.timedelta(days=7)

    response = client.post(
        reverse("pilot:create"),
        {
            "workflows": [str(evidence_request.workflow.pk)],
            "items": ["baseline"],
            "due_date": due.isoformat(),
        },
    )

    assert response.status_code == 200
    assert "already has an evidence request" in str(response.context["form"].errors)


def test_the_owner_answers_in_the_browser(client, team_owner, evidence_request):
    client.force_login(team_owner)

    response = client.post(
        reverse("pilot:request", args=[evidence_request.pk]),
        {"baseline": "Q3 median 42 minutes", "data_source": "Helpdesk"},
    )

    evidence_request.refresh_from_db()
    assert response.status_code == 302
    assert evidence_request.answers["data_source"] == "Helpdesk"


def test_a_bad_evidence_url_is_shown_on_its_field(client, team_owner, evidence_request):
    client.force_login(team_owner)

    response = client.post(
        reverse("pilot:request", args=[evidence_request.pk]),
        {"evidence_url": "not a link"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["evidence_url"]


def test_every_answer_field_has_a_label(client, team_owner, evidence_request):
    client.force_login(team_owner)

    page = client.get(reverse("pilot:request", args=[evidence_request.pk]))

    for item in evidence_request.items:
        assert f'<label for="id_{item}">' in page.content.decode()


def test_governance_may_not_answer_for_the_owner(client, governance, evidence_request):
    client.force_login(governance)

    response = client.post(
        reverse("pilot:request", args=[evidence_request.pk]), {"baseline": "x"}
    )

    assert response.status_code == 403


def test_governance_closes_a_request_with_a_reason(
    client, governance, evidence_request
):
    client.force_login(governance)

    client.post(
        reverse("pilot:close", args=[evidence_request.pk]),
        {"reason": "workflow left the pilot"},
    )

    evidence_request.refresh_from_db()
    assert evidence_request.status == "closed"


def test_the_overview_shows_missing_items_and_escalations(
    client, governance, evidence_request, settings
):
    from pilot import services

    settings.PILOT_ESCALATION_DAYS = [1]
    late = evidence_request.due_date + datetime.timedelta(days=3)
    services.mark_overdue_and_escalate(
        now=timezone.make_aware(datetime.datetime.combine(late, datetime.time(9)))
    )
    client.force_login(governance)

    page = client.get(reverse("pilot:overview")).content.decode()

    assert "Quality rubric" in page
    assert f"Stage 1 on {late.isoformat()}:" in page
    assert governance.username in page


def test_a_chinese_reader_sees_the_overview_in_chinese(client, governance):
    client.force_login(governance)

    page = client.get(
        reverse("pilot:overview"), headers={"accept-language": "zh-hant"}
    ).content.decode()

    assert "試行總覽" in page


def test_preferences_store_the_notification_language(client, team_owner):
    client.force_login(team_owner)

    client.post(reverse("pilot:preferences"), {"language": "zh-hant"})

    assert team_owner.notification_preference.language == "zh-hant"


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_overview_queries_do_not_grow_with_workflows(client, governance):
    client.force_login(governance)
    for _ in range(2):
        EvidenceRequestFactory(created_by=governance)
    few = _queries(client, reverse("pilot:overview"))

    for _ in range(6):
        request = EvidenceRequestFactory(created_by=governance)
        request.escalations.create(stage=1, recipients=["gov"])

    assert _queries(client, reverse("pilot:overview")) == few


def test_readiness_queries_do_not_grow_with_workflows(client, governance):
    client.force_login(governance)
    EvidenceRequestFactory(created_by=governance)
    few = _queries(client, reverse("pilot:readiness"))

    for _ in range(6):
        EvidenceRequestFactory(created_by=governance)

    assert _queries(client, reverse("pilot:readiness")) == few


def test_owner_list_queries_do_not_grow_with_requests(client, db):
    owner = UserFactory(role=Role.TEAM_OWNER)
    client.force_login(owner)
    EvidenceRequestFactory(workflow=WorkflowFactory(owner=owner))
    few = _queries(client, reverse("pilot:mine"))

    for _ in range(5):
        EvidenceRequestFactory(workflow=WorkflowFactory(owner=owner))

    assert _queries(client, reverse("pilot:mine")) == few
