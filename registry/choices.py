"""Enumerations shared by the apps: uses, statuses and audit sources."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Use(models.TextChoices):
    COST_DIAGNOSTIC = "cost_diagnostic", _("Cost diagnostic")
    WORKFLOW_SCORECARD = "workflow_scorecard", _("Workflow scorecard")
    EXECUTIVE_REPORT = "executive_report", _("Executive report")
    PERFORMANCE_REVIEW = "performance_review", _("Performance review")
    PERFORMANCE_RANK = "performance_rank", _("Performance rank")
    BONUS = "bonus", _("Bonus")
    LAYOFF_SCREEN = "layoff_screen", _("Layoff screen")
    INDIVIDUAL_LEADERBOARD = "individual_leaderboard", _("Individual leaderboard")


PEOPLE_USES = frozenset(
    {
        Use.PERFORMANCE_REVIEW,
        Use.PERFORMANCE_RANK,
        Use.BONUS,
        Use.LAYOFF_SCREEN,
        Use.INDIVIDUAL_LEADERBOARD,
    }
)


class PolicyStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    BLOCKED = "blocked", _("Blocked")
    DIAGNOSTIC_ONLY = "diagnostic_only", _("Diagnostic only")
    APPROVED = "approved", _("Approved")


class Source(models.TextChoices):
    """Where a change came from, recorded on every history and audit row."""

    WEB = "web", _("Web")
    API = "api", _("API")
    ADMIN = "admin", _("Admin")
    WORKER = "worker", _("Worker")
    CLI = "cli", _("Command line")


class Role(models.TextChoices):
    """Roles are Django groups named by these values."""

    TEAM_OWNER = "team_owner", _("Team owner")
    GOVERNANCE = "governance_owner", _("Governance owner")
    FINANCE = "finance_owner", _("Finance owner")
    HR = "hr_admin", _("HR / performance admin")


class RiskTier(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


def choice_check(field, choices, name):
    """A check constraint keeping `field` within `choices` in the database."""
    allowed = ", ".join(choices.values)
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}),
        name=name,
        violation_error_message=f"{field} must be one of: {allowed}.",
    )
