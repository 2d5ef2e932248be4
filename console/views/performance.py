"""Performance scorecards: HR builds from the gate's selector, governance approves."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.forms import (
    AddScorecardMetricForm,
    OptionalReasonForm,
    PerformanceScorecardForm,
    apply_error,
)
from console.views.common import WEB, console_view, paginate, refusal_message
from registry import access
from registry.errors import MetricGateError, PermissionRefused
from reviews import services
from reviews.models import ExportFormat, ScorecardStatus
from reviews.selectors import performance_metric_choices

CONTENT_TYPES = {ExportFormat.JSON: "application/json", ExportFormat.CSV: "text/csv"}


def _get_scorecard(user, scorecard_id):
    scorecards = access.visible_performance_scorecards(user).select_related(
        "created_by", "approved_by"
    )
    return access.get_visible(scorecards, "performance scorecard", pk=scorecard_id)


@console_view("view_performance_scorecards")
def performance_list(request):
    scorecards = (
        access.visible_performance_scorecards(request.user)
        .select_related("created_by", "approved_by")
        .order_by("-created_at")
    )
    return render(
        request,
        "console/performance_list.html",
        {
            "page": paginate(request, scorecards),
            "may_build": access.can(request.user, "build_performance_scorecard"),
        },
    )


@console_view("build_performance_scorecard")
def performance_new(request):
    form = PerformanceScorecardForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            scorecard = services.create_performance_scorecard(
                actor=request.user, source=WEB, **form.cleaned_data
            )
        except MetricGateError as error:
            apply_error(form, error)
            status = error.status
        else:
            messages.success(request, _("Scorecard created; now pick its metrics."))
            return redirect("performance_detail", scorecard_id=scorecard.pk)
    return render(
        request, "console/performance_form.html", {"form": form}, status=status
    )


def _builder_context(request, scorecard, add_form=None):
    user = request.user
    entries = scorecard.entries.select_related("metric", "added_by")
    may_build = (
        access.can(user, "build_performance_scorecard")
        and scorecard.status == ScorecardStatus.DRAFT
    )
    on_card = {entry.metric.key for entry in entries}
    choices = [m for m in performance_metric_choices(user) if m.key not in on_card]
    return {
        "scorecard": scorecard,
        "entries": list(entries),
        "may_build": may_build,
        "add_form": add_form or AddScorecardMetricForm(metrics=choices),
        "may_approve": access.can(user, "approve_performance_scorecard")
        and scorecard.status == ScorecardStatus.DRAFT,
        "approve_form": OptionalReasonForm(),
        "exports": list(scorecard.exports.select_related("created_by")),
        "formats": ExportFormat.choices,
    }


@console_view("view_performance_scorecards")
def performance_detail(request, scorecard_id):
    scorecard = _get_scorecard(request.user, scorecard_id)
    return render(
        request,
        "console/performance_detail.html",
        _builder_context(request, scorecard),
    )


@console_view("build_performance_scorecard")
@require_POST
def performance_add_metric(request, scorecard_id):
    """Add the picked metric; the gate refuses a forged pick and nothing changes."""
    scorecard = _get_scorecard(request.user, scorecard_id)
    choices = performance_metric_choices(request.user)
    form = AddScorecardMetricForm(request.POST, metrics=choices)
    if form.is_valid():
        key = form.cleaned_data["metric_key"]
        try:
            services.add_scorecard_metric(
                actor=request.user, source=WEB, scorecard=scorecard, metric_key=key
            )
        except MetricGateError as error:
            messages.error(request, refusal_message(error))
            context = _builder_context(request, scorecard)
            return render(
                request,
                "console/performance_detail.html",
                context,
                status=error.status,
            )
        messages.success(request, _("%(key)s added.") % {"key": key})
        return redirect("performance_detail", scorecard_id=scorecard.pk)

    context = _builder_context(request, scorecard, add_form=form)
    return render(request, "console/performance_detail.html", context, status=400)


@console_view("build_performance_scorecard")
@require_POST
def performance_remove_metric(request, scorecard_id, key):
    scorecard = _get_scorecard(request.user, scorecard_id)
    try:
        services.remove_scorecard_metric(
            actor=request.user, source=WEB, scorecard=scorecard, metric_key=key
        )
    except MetricGateError as error:
        messages.error(request, refusal_message(error))
    else:
        messages.success(request, _("%(key)s removed.") % {"key": key})
    return redirect("performance_detail", scorecard_id=scorecard.pk)


@console_view("approve_performance_scorecard")
@require_POST
def performance_approve(request, scorecard_id):
    scorecard = _get_scorecard(request.user, scorecard_id)
    form = OptionalReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.approve_performance_scorecard(
            actor=request.user, source=WEB, scorecard=scorecard, reason=reason
        )
    except MetricGateError as error:
        messages.error(request, refusal_message(error))
    else:
        messages.success(request, _("Scorecard approved; it may now be exported."))
    return redirect("performance_detail", scorecard_id=scorecard.pk)


@console_view("view_performance_scorecards")
@require_POST
def performance_export(request, scorecard_id, fmt):
    """Freeze the approved scorecard and download the frozen copy."""
    scorecard = _get_scorecard(request.user, scorecard_id)
    try:
        export = services.export_performance_scorecard(
            actor=request.user, source=WEB, scorecard=scorecard, fmt=fmt
        )
    except MetricGateError as error:
        messages.error(request, refusal_message(error))
        return redirect("performance_detail", scorecard_id=scorecard.pk)
    return _download(export)


@console_view("view_performance_scorecards")
def performance_export_download(request, scorecard_id, export_id):
    """Download an earlier frozen copy, unless a rollback invalidated it."""
    scorecard = _get_scorecard(request.user, scorecard_id)
    export = access.get_visible(scorecard.exports.all(), "export", pk=export_id)
    if not export.is_valid:
        raise PermissionRefused(
            _("This export was invalidated: %(reason)s")
            % {"reason": export.invalidation_reason}
        )
    return _download(export)


def _download(export):
    response = HttpResponse(export.content, content_type=CONTENT_TYPES[export.format])
    name = f"scorecard-{export.scorecard_id}-{export.pk}.{export.format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
