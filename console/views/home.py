"""The home page: each role's open work."""

from django.shortcuts import render

from console import selectors
from console.views.common import console_view
from registry import access
from registry.choices import Role


@console_view()
def home(request):
    user = request.user
    context = {"has_role": bool(access.roles_of(user))}
    if access.can(user, "review_proposal"):
        context["governance"] = selectors.governance_work(user)
    if access.has_role(user, Role.TEAM_OWNER):
        context["team_owner"] = selectors.team_owner_work(user)
    if access.can(user, "build_performance_scorecard"):
        context["hr_scorecards"] = selectors.hr_work(user)
    if access.has_role(user, Role.FINANCE):
        context["costs"] = selectors.cost_overview(user)
    return render(request, "console/home.html", context)
