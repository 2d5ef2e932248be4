"""The registry: list with filters, metric detail with history, rollback."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from console import selectors
from console.forms import ReasonForm, RegistryFilterForm, apply_error
from console.views.common import (
    WEB,
    console_view,
    paginate,
    query_without_page,
)
from registry import access, gate, services
from registry.choices import PolicyStatus
from registry.errors import Conflict, MetricGateError
from registry.models import MetricException, MetricKind

LIST_FIELDS = (
    "id",
    "key",
    "name",
    "kind",
    "policy_status",
    "allowed_use",
    "prohibited_use",
)


@console_view()
def registry_list(request):
    form = RegistryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}

    # Only what the list shows and the gate reads: the registry may be large.
    metrics = access.visible_metrics(request.user).only(*LIST_FIELDS)
    if filters.get("status"):
        metrics = metrics.filter(policy_status=filters["status"])
    if filters.get("q"):
        term = filters["q"]
        metrics = metrics.filter(Q(key__icontains=term) | Q(name__icontains=term))
    if filters.get("use"):
        # The gate answers, so exceptions and prohibitions count as they do.
        metrics = gate.allowed_metrics(filters["use"], metrics=metrics)

    return render(
        request,
        "console/registry_list.html",
        {
            "form": form,
            "page": paginate(request, metrics),
            "query": query_without_page(request),
            # Labels looked up once, not per row: get_FOO_display() is slow.
            "status_labels": _labels(PolicyStatus),
            "kind_labels": _labels(MetricKind),
        },
    )


def _labels(choices):
    return {value: str(label) for value, label in choices.choices}


@console_view()
def metric_detail(request, key):
    metric = access.get_metric(request.user, key)
    exceptions = (
        access.visible_exceptions(request.user)
        .filter(metric=metric)
        .select_related("requested_by", "approved_by")
    )
    return render(
        request,
        "console/metric_detail.html",
        {
            "metric": metric,
            "history": selectors.metric_history(metric),
            "exceptions": list(exceptions),
            "can_rollback": access.can(request.user, "rollback_metric"),
            "active_statuses": [MetricException.Status.APPROVED],
        },
    )


@console_view("rollback_metric")
def metric_rollback(request, key):
    """Show what a rollback would do; on a confirmed post, do it."""
    metric = access.get_metric(request.user, key)
    try:
        plan = services.rollback_plan(metric)
    except Conflict as error:
        messages.error(request, error.detail)
        return redirect("metric_detail", key=metric.key)

    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            done = services.rollback_metric(
                actor=request.user,
                source=WEB,
                reason=form.cleaned_data["reason"],
                metric=metric,
            )
        except MetricGateError as error:
            apply_error(form, error)
            status = error.status
        else:
            messages.success(
                request,
                _("%(key)s rolled back; %(count)s exports invalidated.")
                % {"key": metric.key, "count": len(done.exports)},
            )
            return redirect("metric_detail", key=metric.key)

    return render(
        request,
        "console/metric_rollback.html",
        {"metric": metric, "plan": plan, "form": form},
        status=status,
    )
