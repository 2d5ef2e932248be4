"""Workflows: the list, the workflow scorecard, and outcome snapshot entry."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from console.charts import OUTCOME_SERIES, cost_outcome_chart
from console.forms import OutcomeSnapshotForm, apply_error
from console.views.common import WEB, console_view, paginate
from registry import access
from registry.choices import PolicyStatus
from registry.errors import MetricGateError
from registry.models import Metric, MetricKind
from reviews.selectors import workflow_scorecard
from signals.models import OutcomeSnapshot
from signals.services import record_outcome_snapshot


@console_view()
def workflow_list(request):
    workflows = access.visible_workflows(request.user).select_related("owner")
    return render(
        request,
        "console/workflow_list.html",
        {"page": paginate(request, workflows.order_by("key"))},
    )


# Approved outcome metrics with no figure for the workflow are named up to this
# many; past it the page gives their number, so a large registry stays readable.
LIST_WITHOUT_FIGURES = 20


def _split_by_figures(outcomes):
    """Rows with a value for this workflow, and the metrics without one."""
    if not outcomes:
        return [], []
    figures = [row for row in outcomes["metrics"] if row["value"] is not None]
    without = [row["metric"] for row in outcomes["metrics"] if row["value"] is None]
    return figures, without


@console_view()
def workflow_scorecard_page(request, ref):
    """Approved outcomes in the main part; token cost apart, as cost context."""
    workflow = access.get_workflow(request.user, ref, "view")
    scorecard = workflow_scorecard(request.user, workflow)

    chart = None
    diagnostics = scorecard["diagnostics"]
    if diagnostics and not diagnostics["aggregated"]:
        history = scorecard["outcomes"]["history"] if scorecard["outcomes"] else []
        chart = cost_outcome_chart(diagnostics["daily"], history)

    figures, without_figures = _split_by_figures(scorecard["outcomes"])
    return render(
        request,
        "console/workflow_scorecard.html",
        {
            "workflow": workflow,
            "scorecard": scorecard,
            "figures": figures,
            "without_figures": without_figures,
            "list_without_figures": len(without_figures) <= LIST_WITHOUT_FIGURES,
            "chart": chart,
            "series": OUTCOME_SERIES,
            "may_ingest": access.can_on_workflow(request.user, "ingest", workflow),
            "may_propose": access.can_on_workflow(request.user, "propose", workflow),
        },
    )


def _extra_metrics():
    """Approved outcome metrics without a snapshot column: they go in metric_values."""
    return Metric.objects.filter(
        kind=MetricKind.OUTCOME, policy_status=PolicyStatus.APPROVED, snapshot_field=""
    ).order_by("key")


@console_view()
def outcome_new(request, ref):
    """A team owner (or governance) records an outcome snapshot."""
    workflow = access.get_workflow(request.user, ref, "ingest")
    form = OutcomeSnapshotForm(request.POST or None, metrics=_extra_metrics())
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            record_outcome_snapshot(
                actor=request.user,
                source=WEB,
                workflow=workflow,
                **form.snapshot_fields(),
            )
        except MetricGateError as error:
            apply_error(form, error)
            status = error.status
        else:
            messages.success(request, _("Outcome snapshot recorded."))
            return redirect("workflow_scorecard", ref=workflow.key)

    recent = OutcomeSnapshot.objects.filter(workflow=workflow).order_by(
        "-measurement_end"
    )[:5]
    return render(
        request,
        "console/outcome_form.html",
        {"workflow": workflow, "form": form, "recent": list(recent)},
        status=status,
    )
