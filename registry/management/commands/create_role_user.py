"""Create or update a user with one Metric Gate role, for operators and scripts."""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from registry import access
from registry.access import _workflow_lookup
from registry.choices import Role
from registry.models import Workflow

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Create or update USERNAME with exactly one role; --workflow grants a team "
        "owner those workflows, --token prints an API token."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role", required=True, help=f"One of: {', '.join(Role.values)}."
        )
        parser.add_argument("--password", help="Set this password (else unchanged).")
        parser.add_argument(
            "--token",
            action="store_true",
            help="Print the user's API token (Authorization: Token <key>).",
        )
        parser.add_argument(
            "--workflow",
            nargs="+",
            action="extend",
            default=[],
            metavar="KEY",
            help="Workflow keys (or ids) a team owner owns.",
        )

    def handle(self, *args, username, role, password, token, workflow, **options):
        role = _parse_role(role)
        if workflow and role != Role.TEAM_OWNER:
            raise CommandError("--workflow grants workflows to a team_owner only.")

        with transaction.atomic():
            workflows = _find_workflows(workflow)
            user, created = upsert_role_user(username, role, password)
            for wf in workflows:
                access.grant_workflow(user, wf)
            key = Token.objects.get_or_create(user=user)[0].key if token else None

        logger.info(
            "role user %s user=%s role=%s workflows=%s",
            "created" if created else "updated",
            user.pk,
            role,
            ",".join(wf.key for wf in workflows) or "-",
        )
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {username} as {role}.")
        for wf in workflows:
            self.stdout.write(f"Granted workflow {wf.key}.")
        if key:
            self.stdout.write(f"Token {key}")


def _parse_role(value):
    if value not in Role.values:
        raise CommandError(
            f"Unknown role {value!r}; choose one of: {', '.join(Role.values)}."
        )
    return Role(value)


def _find_workflows(refs):
    """Return the workflows named by key or id, refusing if any is unknown."""
    found, unknown = [], []
    for ref in dict.fromkeys(refs):
        wf = Workflow.objects.filter(_workflow_lookup(ref)).first()
        if wf is None:
            unknown.append(ref)
        else:
            found.append(wf)
    if unknown:
        raise CommandError(f"Unknown workflow: {', '.join(unknown)}.")
    return found


def upsert_role_user(username, role, password):
    """Create or load the user and make `role` their only Metric Gate role."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if password:
        user.set_password(password)
    elif created:
        # Without --password the account is for API tokens, not the browser.
        user.set_unusable_password()
    user.is_active = True
    user.save()

    # One role per account keeps duties apart: a reviewer is not also a proposer.
    other_roles = Group.objects.filter(name__in=Role.values).exclude(name=role)
    user.groups.remove(*other_roles)
    user.groups.add(Group.objects.get(name=role))
    return user, created
