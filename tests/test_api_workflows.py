"""Workflows over the API: lists per role, registration by governance."""

from registry.models import Workflow

from .factories_api import client_for


def register(user, **changes):
    body = {"key": "claims-intake", "name": "Claims intake", "team": "Ops"}
    return client_for(user).post(
        "/metric-gate/workflows", {**body, **changes}, format="json"
    )


def test_team_owner_lists_only_their_workflows(team_owner, workflow, other_workflow):
    response = client_for(team_owner).get("/metric-gate/workflows")

    assert [row["key"] for row in response.json()["results"]] == [workflow.key]


def test_workflow_is_found_by_id_as_well_as_key(governance, workflow):
    response = client_for(governance).get(f"/metric-gate/workflows/{workflow.pk}")

    assert response.json()["key"] == workflow.key


def test_governance_registers_a_workflow_for_a_team_owner(governance, team_owner):
    response = register(governance, owner=team_owner.username)

    assert response.status_code == 201
    assert Workflow.objects.get(key="claims-intake").owner == team_owner


def test_owner_must_be_a_team_owner(governance, hr):
    response = register(governance, owner=hr.username)

    assert response.status_code == 400
    assert response.json()["code"] == "owner_not_team_owner"


def test_unknown_owner_is_a_400(governance):
    response = register(governance, owner="nobody")

    assert response.status_code == 400
    assert "owner" in response.json()["fields"]


def test_existing_key_is_a_409(governance, team_owner, workflow):
    response = register(governance, key=workflow.key, owner=team_owner.username)

    assert response.status_code == 409
