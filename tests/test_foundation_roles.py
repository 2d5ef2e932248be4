"""create_role_user and the object permissions it grants."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from registry import access
from registry.choices import Role
from registry.errors import NotFound, PermissionRefused

from .factories import WorkflowFactory

pytestmark = pytest.mark.django_db


def create_role_user(*args):
    out = io.StringIO()
    call_command("create_role_user", *args, stdout=out)
    return out.getvalue()


def test_create_role_user_creates_user_in_role_group():
    create_role_user("gina", "--role", "governance_owner", "--password", "s3cret-pw")

    user = User.objects.get(username="gina")
    assert access.roles_of(user) == {Role.GOVERNANCE}
    assert user.check_password("s3cret-pw")


def test_create_role_user_without_password_leaves_it_unusable():
    create_role_user("bot", "--role", "finance_owner")
    assert not User.objects.get(username="bot").has_usable_password()


def test_create_role_user_updates_role_of_existing_user():
    create_role_user("hank", "--role", "finance_owner")
    out = create_role_user("hank", "--role", "hr_admin")

    assert "Updated hank" in out
    assert access.roles_of(User.objects.get(username="hank")) == {Role.HR}


def test_create_role_user_grants_team_owner_their_workflows():
    workflow = WorkflowFactory(key="support-triage")
    create_role_user("tess", "--role", "team_owner", "--workflow", "support-triage")

    tess = User.objects.get(username="tess")
    assert list(access.visible_workflows(tess)) == [workflow]


def test_create_role_user_accepts_several_workflows():
    WorkflowFactory(key="one")
    WorkflowFactory(key="two")
    create_role_user("tess", "--role", "team_owner", "--workflow", "one", "two")

    tess = User.objects.get(username="tess")
    assert {w.key for w in access.owned_workflows(tess)} == {"one", "two"}


def test_create_role_user_prints_api_token():
    out = create_role_user("svc", "--role", "governance_owner", "--token")

    token = Token.objects.get(user__username="svc")
    assert f"Token {token.key}" in out


def test_create_role_user_keeps_the_same_token_when_rerun():
    first = create_role_user("svc", "--role", "governance_owner", "--token")
    again = create_role_user("svc", "--role", "governance_owner", "--token")
    assert first.splitlines()[-1] == again.splitlines()[-1]


def test_create_role_user_refuses_unknown_role():
    with pytest.raises(CommandError, match="Unknown role 'boss'; choose one of"):
        create_role_user("x", "--role", "boss")
    assert not User.objects.filter(username="x").exists()


def test_create_role_user_refuses_unknown_workflow_and_creates_nobody():
    WorkflowFactory(key="real")
    with pytest.raises(CommandError, match="Unknown workflow: ghost"):
        create_role_user("x", "--role", "team_owner", "--workflow", "real", "ghost")
    assert not User.objects.filter(username="x").exists()


def test_create_role_user_refuses_workflows_for_other_roles():
    WorkflowFactory(key="real")
    with pytest.raises(CommandError, match="team_owner only"):
        create_role_user("x", "--role", "hr_admin", "--workflow", "real")


def test_team_owner_sees_only_their_own_workflow(workflow, other_workflow):
    assert list(access.visible_workflows(workflow.owner)) == [workflow]


def test_team_owner_gets_not_found_for_another_teams_workflow(workflow, other_workflow):
    with pytest.raises(NotFound):
        access.get_workflow(workflow.owner, other_workflow.key)


def test_team_owner_gets_not_found_for_another_teams_workflow_by_id(
    workflow, other_workflow
):
    with pytest.raises(NotFound):
        access.get_workflow(workflow.owner, str(other_workflow.pk))


def test_team_owner_may_not_manage_even_their_own_workflow(workflow):
    with pytest.raises(PermissionRefused):
        access.get_workflow(workflow.owner, workflow.key, "manage")


def test_governance_sees_every_workflow(governance, workflow, other_workflow):
    assert set(access.visible_workflows(governance)) == {workflow, other_workflow}


def test_user_without_role_sees_no_workflow(workflow):
    nobody = User.objects.create_user("nobody")
    assert not access.visible_workflows(nobody).exists()


def test_workflow_granted_by_command_is_reachable_by_key(workflow):
    create_role_user("tess", "--role", "team_owner", "--workflow", workflow.key)
    tess = User.objects.get(username="tess")
    assert access.get_workflow(tess, workflow.key, "propose") == workflow


def test_finance_sees_diagnostics_but_may_not_propose(finance, workflow):
    assert access.get_workflow(finance, workflow.key, "view_diagnostics") == workflow
    with pytest.raises(PermissionRefused):
        access.get_workflow(finance, workflow.key, "propose")


def test_hr_may_not_see_raw_diagnostics(hr, workflow):
    with pytest.raises(PermissionRefused):
        access.get_workflow(hr, workflow.key, "view_diagnostics")
