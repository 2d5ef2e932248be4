"""Reads only the console needs: home page work lists, cost overview, history.

Each returns in a fixed number of queries, whatever the number of rows.
"""

import datetime

from django.conf import settings
from django.db.models import Count, Max, Q, Sum

from registry import access
from registry.models import AuditEvent, MetricException
from reviews.models import PerformanceScorecard, ProposalStatus
from signals.models import GamingSignal, TokenCostDiagnostic

HOME_LIST_SIZE = 10
COST_WINDOW_DAYS = 30
OPEN_SIGNAL_STATUSES = (GamingSignal.Status.OPEN, GamingSignal.Status.INVESTIGATING)

# Fields of a metric's history that say nothing about its policy or meaning.
HISTORY_IGNORED = {"updated_at", "created_at", "id"}


def governance_work(user):
    """What waits for a governance owner: proposals, exceptions, high signals."""
    return {
        "proposals": list(
            access.visible_proposals(user)
            .filter(status=ProposalStatus.PENDING_REVIEW)
            .select_related("workflow", "proposed_by")
            .order_by("created_at")[:HOME_LIST_SIZE]
        ),
        "exceptions": list(
            access.visible_exceptions(user)
            .filter(status=MetricException.Status.REQUESTED)
            .select_related("metric", "requested_by")
            .order_by("expires_at")[:HOME_LIST_SIZE]
        ),
        "signals": list(
            access.visible_signals(user)
            .filter(severity="high", status__in=OPEN_SIGNAL_STATUSES)
            .select_related("workflow")
            .order_by("-detected_at")[:HOME_LIST_SIZE]
        ),
        "scorecards": list(
            access.visible_performance_scorecards(user)
            .filter(status=PerformanceScorecard.Status.DRAFT)
            .annotate(metric_count=Count("entries"))
            .filter(metric_count__gt=0)
            .order_by("created_at")[:HOME_LIST_SIZE]
        ),
    }


def team_owner_work(user):
    """A team owner's workflows and the proposals sent back to them."""
    return {
        "workflows": list(access.owned_workflows(user).order_by("key")),
        "revisions": list(
            access.visible_proposals(user)
            .filter(status=ProposalStatus.NEEDS_REVISION)
            .select_related("workflow")
            .order_by("-updated_at")[:HOME_LIST_SIZE]
        ),
    }


def hr_work(user):
    """The performance scorecards this HR admin built, newest first."""
    return list(
        access.visible_performance_scorecards(user)
        .filter(created_by=user)
        .annotate(metric_count=Count("entries"))
        .order_by("-created_at")[:HOME_LIST_SIZE]
    )


def cost_overview(user, *, days=COST_WINDOW_DAYS):
    """Cost per workflow over the last `days` days of data, small teams pooled.

    Workflows with fewer contributors than DIAGNOSTICS_MIN_CONTRIBUTORS are
    summed into one pooled row so no small group's usage stands alone.
    """
    rows = TokenCostDiagnostic.objects.filter(
        workflow__in=access.visible_workflows(user)
    )
    latest = rows.aggregate(latest=Max("day"))["latest"]
    if latest is None:
        return {
            "rows": [],
            "pooled": None,
            "totals": None,
            "since": None,
            "until": None,
        }
    since = latest - datetime.timedelta(days=days - 1)

    per_workflow = list(
        rows.filter(day__gte=since)
        .values("workflow__key", "workflow__name", "workflow__team")
        .annotate(
            cost=Sum("cost_usd"),
            tokens_in=Sum("tokens_in"),
            tokens_out=Sum("tokens_out"),
            requests=Sum("request_count"),
            contributors=Max("contributor_count"),
        )
        .order_by("-cost", "workflow__key")
    )
    minimum = settings.DIAGNOSTICS_MIN_CONTRIBUTORS
    shown = [row for row in per_workflow if row["contributors"] >= minimum]
    small = [row for row in per_workflow if row["contributors"] < minimum]
    return {
        "rows": shown,
        "pooled": _pool(small) if small else None,
        "totals": _pool(per_workflow),
        "since": since,
        "until": latest,
        "minimum": minimum,
    }


def _pool(rows):
    keys = ("cost", "tokens_in", "tokens_out", "requests")
    pooled = {key: sum(row[key] or 0 for row in rows) for key in keys}
    pooled["workflows"] = len(rows)
    return pooled


def metric_history(metric):
    """The metric's history newest first, each row with what it changed.

    One query: the rows are diffed against each other in memory.
    """
    records = list(
        metric.history.select_related("history_user").order_by(
            "history_date", "history_id"
        )
    )
    entries = []
    previous = None
    for record in records:
        entries.append({"record": record, "changes": _changes(previous, record)})
        previous = record
    entries.reverse()
    return entries


def _changes(previous, record):
    if previous is None:
        return []
    delta = record.diff_against(previous, excluded_fields=HISTORY_IGNORED)
    return [
        {"field": change.field, "old": change.old, "new": change.new}
        for change in delta.changes
    ]


def audit_events(filters):
    """Audit events matching the filter form's cleaned data, newest first."""
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    term = (filters.get("object") or "").strip()
    if term:
        events = events.filter(
            Q(object_type__iexact=term)
            | Q(object_id__iexact=term)
            | Q(object_repr__icontains=term)
        )
    actor = (filters.get("actor") or "").strip()
    if actor:
        events = events.filter(actor_username__iexact=actor)
    if filters.get("source"):
        events = events.filter(source=filters["source"])
    if filters.get("since"):
        events = events.filter(created_at__date__gte=filters["since"])
    if filters.get("until"):
        events = events.filter(created_at__date__lte=filters["until"])
    return events


def open_signal_statuses():
    return OPEN_SIGNAL_STATUSES
