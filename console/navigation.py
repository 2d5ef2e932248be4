"""The navigation each role sees; every entry asks registry.access, not groups."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry import access
from registry.choices import Role


def _entries(user):
    """Yield (url name, label) for the pages this user's roles may open."""
    yield "home", _("Home")
    yield "registry", _("Registry")
    yield "workflows", _("Workflows")
    if access.can(user, "review_proposal"):
        yield "review_queue", _("Review queue")
    if access.has_role(user, Role.TEAM_OWNER):
        yield "proposals", _("My proposals")
    if access.can(user, "view_performance_scorecards"):
        yield "performance_list", _("Performance scorecards")
    if access.can(user, "request_exception") or access.can(user, "decide_exception"):
        yield "exceptions", _("Exceptions")
    if access.can(user, "triage_signal") or access.has_role(user, Role.TEAM_OWNER):
        yield "signals", _("Gaming signals")
    if access.can(user, "view_cost_overview"):
        yield "cost_overview", _("Cost overview")
    if access.can(user, "view_audit"):
        yield "audit_log", _("Audit log")
    if access.can(user, "manage_pilot"):
        yield "pilot:overview", _("Pilot")
    elif access.has_role(user, Role.TEAM_OWNER):
        yield "pilot:mine", _("Evidence requests")


def nav_links(user, current_path=""):
    """Return the links for the user's navigation, marking the current page."""
    if not access.roles_of(user):
        return []
    links = []
    for name, label in _entries(user):
        url = reverse(name)
        current = current_path == url or (url != "/" and current_path.startswith(url))
        links.append({"url": url, "label": label, "current": current})
    return links
