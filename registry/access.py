"""Who may do what: the one place that answers for roles and workflow rights.

Views, the API, admin actions and tasks ask here; nothing else checks roles.
Objects a user may not see are reported as missing (`NotFound`), refusals on
objects they may see as `PermissionRefused`, as DESIGN.md asks.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db.models import Q
from guardian.shortcuts import assign_perm, remove_perm

from .choices import PolicyStatus, Role
from .errors import NotFound, PermissionRefused
from .models import Metric, MetricException, Workflow

OWN_WORKFLOW = "registry.own_workflow"


def roles_of(user):
    """Return the set of role names the user holds; superusers hold them all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_metricgate_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(Role.values)
        else:
            names = user.groups.filter(name__in=Role.values).values_list(
                "name", flat=True
            )
            cached = frozenset(names)
        user._metricgate_roles = cached
    return cached


def has_role(user, *roles):
    return bool(roles_of(user) & set(roles))


def users_with_role(*roles):
    """Active users holding any of `roles`, e.g. whom to notify on an escalation."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .order_by("username")
    )


def is_governance(user):
    return has_role(user, Role.GOVERNANCE)


# --- Workflows -----------------------------------------------------------


def owned_workflows(user):
    """Workflows the user owns through guardian's direct foreign-key table."""
    return Workflow.objects.filter(
        workflowuserobjectpermission__user=user,
        workflowuserobjectpermission__permission__codename="own_workflow",
    )


def visible_workflows(user):
    """Every workflow the user may see: all for oversight roles, else their own."""
    if has_role(user, Role.GOVERNANCE, Role.FINANCE, Role.HR):
        return Workflow.objects.all()
    if has_role(user, Role.TEAM_OWNER):
        return owned_workflows(user)
    return Workflow.objects.none()


def owns_workflow(user, workflow):
    if not has_role(user, Role.TEAM_OWNER):
        return False
    return owned_workflows(user).filter(pk=workflow.pk).exists()


def grant_workflow(user, workflow):
    assign_perm(OWN_WORKFLOW, user, workflow)


def revoke_workflow(user, workflow):
    remove_perm(OWN_WORKFLOW, user, workflow)


def _workflow_lookup(ref):
    """Workflows are addressed by UUID or by key."""
    try:
        return Q(pk=uuid.UUID(str(ref)))
    except ValueError:
        return Q(key=str(ref))


# Each action on a workflow: the roles that may do it anywhere, and whether
# the workflow's own team owner may do it on their workflow.
WORKFLOW_ACTIONS = {
    "view": ({Role.GOVERNANCE, Role.FINANCE, Role.HR}, True),
    "view_outcomes": ({Role.GOVERNANCE, Role.FINANCE, Role.HR}, True),
    "view_diagnostics": ({Role.GOVERNANCE, Role.FINANCE}, True),
    "view_signals": ({Role.GOVERNANCE}, True),
    "propose": (set(), True),
    "ingest": ({Role.GOVERNANCE}, True),
    "manage": ({Role.GOVERNANCE}, False),
    # Pilot evidence requests: governance follows them, the owner answers.
    "view_evidence": ({Role.GOVERNANCE}, True),
    "answer_evidence": (set(), True),
}


def can_on_workflow(user, action, workflow):
    roles, owner_may = WORKFLOW_ACTIONS[action]
    if has_role(user, *roles):
        return True
    return owner_may and owns_workflow(user, workflow)


def get_workflow(user, ref, action="view"):
    """Return the workflow for `ref` (id or key) if the user may do `action` to it.

    A workflow the user may not see raises NotFound; one they see but may not
    act on raises PermissionRefused.
    """
    found = visible_workflows(user).filter(_workflow_lookup(ref))
    workflow = found.select_related("owner").first()
    if workflow is None:
        raise NotFound("No such workflow.", code="workflow_not_found")
    if not can_on_workflow(user, action, workflow):
        raise PermissionRefused(
            f"You may not {action.replace('_', ' ')} on workflow {workflow.key}.",
            workflow_id=str(workflow.pk),
        )
    return workflow


# --- Role-wide actions -----------------------------------------------------

ROLE_ACTIONS = {
    "register_workflow": {Role.GOVERNANCE},
    "review_proposal": {Role.GOVERNANCE},
    "set_policy": {Role.GOVERNANCE},
    "rollback_metric": {Role.GOVERNANCE},
    "request_exception": {Role.TEAM_OWNER, Role.HR, Role.FINANCE},
    "decide_exception": {Role.GOVERNANCE},
    "run_detector": {Role.GOVERNANCE},
    "triage_signal": {Role.GOVERNANCE},
    "close_high_signal": {Role.GOVERNANCE},
    "view_audit": {Role.GOVERNANCE},
    "build_performance_scorecard": {Role.HR},
    "view_performance_scorecards": {Role.HR, Role.GOVERNANCE},
    "approve_performance_scorecard": {Role.GOVERNANCE},
    "view_cost_overview": {Role.FINANCE, Role.GOVERNANCE},
    "manage_pilot": {Role.GOVERNANCE},
}


def can(user, action):
    """True when one of the user's roles may perform the role-wide `action`."""
    return has_role(user, *ROLE_ACTIONS[action])


def check(user, action):
    """Refuse with PermissionRefused unless the user may perform `action`."""
    if not can(user, action):
        raise PermissionRefused(f"Your role may not {action.replace('_', ' ')}.")


# --- Registry, exceptions, proposals, signals, scorecards -----------------

HIDDEN_FROM_HR = (PolicyStatus.BLOCKED, PolicyStatus.DIAGNOSTIC_ONLY)


def visible_metrics(user):
    """The registry as the user may see it: HR never sees blocked or diagnostic."""
    if not roles_of(user):
        return Metric.objects.none()
    if roles_of(user) == {Role.HR}:
        return Metric.objects.exclude(policy_status__in=HIDDEN_FROM_HR)
    return Metric.objects.all()


def get_metric(user, key):
    metric = visible_metrics(user).filter(key=key).first()
    if metric is None:
        raise NotFound(f"No metric with key {key}.", code="metric_not_found")
    return metric


def visible_exceptions(user):
    if is_governance(user):
        return MetricException.objects.all()
    return MetricException.objects.filter(requested_by=user)


def visible_proposals(user):
    from reviews.models import MetricProposal

    if is_governance(user):
        return MetricProposal.objects.all()
    return MetricProposal.objects.filter(workflow__in=owned_workflows(user))


def visible_signals(user):
    from signals.models import GamingSignal

    if is_governance(user):
        return GamingSignal.objects.all()
    if has_role(user, Role.TEAM_OWNER):
        return GamingSignal.objects.filter(workflow__in=owned_workflows(user))
    return GamingSignal.objects.none()


def visible_performance_scorecards(user):
    from reviews.models import PerformanceScorecard

    if can(user, "view_performance_scorecards"):
        return PerformanceScorecard.objects.all()
    return PerformanceScorecard.objects.none()


def get_visible(queryset, description, **lookup):
    """Return the one object of `queryset` matching `lookup`, else NotFound."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, ValidationError) as error:
        # A malformed id is just another object that is not there.
        raise NotFound(f"No such {description}.") from error
