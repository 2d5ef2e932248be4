"""Reads that several edges share: the workflow scorecard and the HR selector.

The scorecard keeps two parts apart on purpose: `outcomes` holds approved
outcome metrics; `diagnostics` holds token cost as cost context only. Nothing
in `diagnostics` is ever a rank, a score or a bonus input.
"""

import datetime

from django.conf import settings
from django.db.models import Max, Q, Subquery, Sum
from django.utils import timezone

from registry import access, gate
from registry.choices import Use
from registry.models import Metric, MetricKind
from signals.models import GamingSignal, OutcomeSnapshot, TokenCostDiagnostic

from .models import MetricProposal, ProposalStatus

DIAGNOSTIC_WINDOW_DAYS = 90
OUTCOME_HISTORY = 12
COST_CONTEXT_LABEL = "Cost context: not a measure of performance"


def workflow_scorecard(user, workflow, *, today=None):
    """Return the workflow's scorecard as the user may see it.

    Parts the user may not see are None. The number of queries does not
    depend on how many metrics, days or snapshots there are.
    """
    today = today or timezone.localdate()
    may_see_outcomes = access.can_on_workflow(user, "view_outcomes", workflow)
    may_see_costs = access.can_on_workflow(user, "view_diagnostics", workflow)
    may_see_signals = access.can_on_workflow(user, "view_signals", workflow)

    return {
        "workflow": workflow,
        "outcomes": _outcomes(workflow) if may_see_outcomes else None,
        "diagnostics": _diagnostics(workflow, today) if may_see_costs else None,
        "signals": _open_signals(workflow) if may_see_signals else None,
    }


def _outcomes(workflow):
    snapshots = list(
        OutcomeSnapshot.objects.filter(workflow=workflow).order_by("-measurement_end")[
            :OUTCOME_HISTORY
        ]
    )
    latest = snapshots[0] if snapshots else None
    metrics = gate.allowed_metrics(
        Use.WORKFLOW_SCORECARD, metrics=_metrics_of(workflow, snapshots)
    )
    return {
        "latest_snapshot": latest,
        "metrics": [_metric_value(metric, latest) for metric in metrics],
        "history": list(reversed(snapshots)),
    }


def _metrics_of(workflow, snapshots):
    """Outcome metrics that apply to this workflow, not the whole registry.

    Those are the metrics read from a snapshot column (every workflow has
    them), those with figures in the workflow's snapshots, and those approved
    through one of its proposals (shown even before a first figure arrives).
    """
    keys_with_figures = {
        key for snapshot in snapshots for key in snapshot.metric_values
    }
    proposed_here = MetricProposal.objects.filter(
        workflow=workflow, status=ProposalStatus.APPROVED
    ).values("metric_key")
    return Metric.objects.filter(kind=MetricKind.OUTCOME).filter(
        ~Q(snapshot_field="")
        | Q(key__in=keys_with_figures)
        | Q(key__in=Subquery(proposed_here))
    )


def metric_value(metric, snapshot):
    """The metric's value in a snapshot: its column, else metric_values[key]."""
    if snapshot is None:
        return None
    if metric.snapshot_field:
        return getattr(snapshot, metric.snapshot_field, None)
    return snapshot.metric_values.get(metric.key)


def _metric_value(metric, snapshot):
    return {"metric": metric, "value": metric_value(metric, snapshot)}


def _diagnostics(workflow, today):
    since = today - datetime.timedelta(days=DIAGNOSTIC_WINDOW_DAYS - 1)
    rows = TokenCostDiagnostic.objects.filter(
        workflow=workflow, day__gte=since, day__lte=today
    )
    daily = list(
        rows.values("day")
        .annotate(
            tokens_in=Sum("tokens_in"),
            tokens_out=Sum("tokens_out"),
            cost_usd=Sum("cost_usd"),
            requests=Sum("request_count"),
            contributors=Max("contributor_count"),
        )
        .order_by("day")
    )
    # Head counts decide whether figures may be shown; they are never shown.
    contributors = [row.pop("contributors") for row in daily]
    minimum = settings.DIAGNOSTICS_MIN_CONTRIBUTORS
    if max(contributors, default=0) < minimum:
        return _aggregate_diagnostics(workflow, since, today, minimum)

    return {
        "label": COST_CONTEXT_LABEL,
        "context": Use.COST_DIAGNOSTIC.value,
        "aggregated": False,
        "scope": workflow.key,
        "since": since,
        "until": today,
        "totals": _totals(daily),
        "daily": daily,
    }


def _aggregate_diagnostics(workflow, since, today, minimum):
    """Few contributors: show only combined figures with others, never per day.

    The team's workflows are combined when together they reach the minimum;
    otherwise every workflow is.
    """
    window = TokenCostDiagnostic.objects.filter(day__gte=since, day__lte=today)
    team_rows = window.filter(workflow__team=workflow.team)
    per_workflow = team_rows.values("workflow").annotate(most=Max("contributor_count"))
    team_people = sum(row["most"] for row in per_workflow)
    if len(per_workflow) > 1 and team_people >= minimum:
        rows, scope = team_rows, f"team {workflow.team}"
    else:
        rows, scope = window, "all workflows"

    totals = rows.aggregate(
        tokens_in=Sum("tokens_in"),
        tokens_out=Sum("tokens_out"),
        cost_usd=Sum("cost_usd"),
        requests=Sum("request_count"),
    )
    return {
        "label": COST_CONTEXT_LABEL,
        "context": Use.COST_DIAGNOSTIC.value,
        "aggregated": True,
        "scope": scope,
        "reason": (
            f"Fewer than {minimum} contributors: shown only combined with {scope}."
        ),
        "since": since,
        "until": today,
        "totals": {key: value or 0 for key, value in totals.items()},
        "daily": [],
    }


def _totals(daily):
    keys = ("tokens_in", "tokens_out", "cost_usd", "requests")
    return {key: sum(row[key] or 0 for row in daily) for key in keys}


def _open_signals(workflow):
    return list(
        GamingSignal.objects.filter(workflow=workflow)
        .exclude(
            status__in=[
                GamingSignal.Status.RESOLVED,
                GamingSignal.Status.FALSE_POSITIVE,
            ]
        )
        .order_by("-detected_at")
    )


def performance_metric_choices(user):
    """What the HR selector offers: only metrics the gate allows for reviews.

    The gate alone decides, so a blocked metric appears only while governance
    has an approved, unexpired exception for it.
    """
    if not access.can(user, "build_performance_scorecard"):
        return []
    return gate.allowed_metrics(Use.PERFORMANCE_REVIEW)
