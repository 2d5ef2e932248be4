"""Gaming signals: list with filters, evidence, triage with a note."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from console.forms import SignalFilterForm, TriageForm, apply_error
from console.views.common import (
    WEB,
    console_view,
    paginate,
    query_without_page,
)
from registry import access
from registry.choices import Role
from registry.errors import MetricGateError, PermissionRefused
from signals.services import triage_signal


def _may_see_signals(user):
    if not (
        access.can(user, "triage_signal") or access.has_role(user, Role.TEAM_OWNER)
    ):
        raise PermissionRefused(_("Your role does not see gaming signals."))


@console_view()
def signal_list(request):
    _may_see_signals(request.user)
    form = SignalFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}

    signals = access.visible_signals(request.user).select_related("workflow")
    for name in ("status", "severity", "signal_type"):
        if filters.get(name):
            signals = signals.filter(**{name: filters[name]})
    if filters.get("workflow"):
        signals = signals.filter(workflow__key=filters["workflow"])

    return render(
        request,
        "console/signal_list.html",
        {
            "form": form,
            "page": paginate(request, signals.order_by("-detected_at")),
            "query": query_without_page(request),
        },
    )


@console_view()
def signal_detail(request, signal_id):
    """The figures that raised the signal, and triage for governance."""
    _may_see_signals(request.user)
    signals = access.visible_signals(request.user).select_related("workflow")
    signal = access.get_visible(signals, "gaming signal", pk=signal_id)
    may_triage = access.can(request.user, "triage_signal")
    form = TriageForm(
        request.POST or None, initial={"status": signal.status, "note": ""}
    )
    status = 200
    if request.method == "POST":
        if not may_triage:
            raise PermissionRefused(_("Only governance triages gaming signals."))
        if form.is_valid():
            try:
                triage_signal(
                    actor=request.user,
                    source=WEB,
                    signal=signal,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )
            except MetricGateError as error:
                apply_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Signal triaged."))
                return redirect("signal_detail", signal_id=signal.pk)

    return render(
        request,
        "console/signal_detail.html",
        {
            "signal": signal,
            "evidence": _evidence_rows(signal.evidence_json),
            "form": form if may_triage else None,
        },
        status=status,
    )


def _evidence_rows(evidence, prefix=""):
    """Flatten the evidence JSON into (name, value) rows for a table."""
    if not isinstance(evidence, dict):
        return [(prefix or _("value"), evidence)]
    rows = []
    for name, value in evidence.items():
        label = f"{prefix}{name}"
        if isinstance(value, dict):
            rows.extend(_evidence_rows(value, prefix=f"{label}."))
        else:
            rows.append((label, value))
    return rows
