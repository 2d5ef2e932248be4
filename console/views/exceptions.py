"""Exceptions: request with an expiry, approve, reject, revoke, list with time left."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from console.forms import ExceptionRequestForm, ReasonForm, apply_error
from console.views.common import WEB, console_view, paginate, refusal_message
from registry import access, services
from registry.errors import MetricGateError, NotFound, PermissionRefused
from registry.models import ExceptionStatus

DECISIONS = {
    "approve": (services.approve_exception, gettext_lazy("Exception approved.")),
    "reject": (services.reject_exception, gettext_lazy("Exception rejected.")),
    "revoke": (services.revoke_exception, gettext_lazy("Exception revoked.")),
}


def _may_see_exceptions(user):
    if not (
        access.can(user, "request_exception") or access.can(user, "decide_exception")
    ):
        raise PermissionRefused(_("Your role has no exceptions to see."))


@console_view()
def exception_list(request):
    _may_see_exceptions(request.user)
    exceptions = (
        access.visible_exceptions(request.user)
        .select_related("metric", "requested_by", "approved_by")
        .order_by("-created_at")
    )
    status = request.GET.get("status")
    if status in ExceptionStatus.values:
        exceptions = exceptions.filter(status=status)
    return render(
        request,
        "console/exception_list.html",
        {
            "page": paginate(request, exceptions),
            "statuses": ExceptionStatus.choices,
            "status": status,
            "now": timezone.now(),
            "may_decide": access.can(request.user, "decide_exception"),
            "may_request": access.can(request.user, "request_exception"),
            "decision_form": ReasonForm(),
        },
    )


@console_view("request_exception")
def exception_new(request):
    metrics = access.visible_metrics(request.user).order_by("key")
    form = ExceptionRequestForm(request.POST or None, metrics=metrics)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.request_exception(
                actor=request.user, source=WEB, **form.cleaned_data
            )
        except MetricGateError as error:
            apply_error(form, error)
            status = error.status
        else:
            messages.success(request, _("Exception requested; governance decides."))
            return redirect("exceptions")
    return render(request, "console/exception_form.html", {"form": form}, status=status)


@console_view("decide_exception")
@require_POST
def exception_decide(request, exception_id, decision):
    if decision not in DECISIONS:
        raise NotFound(_("No such decision."))
    exception = access.get_visible(
        access.visible_exceptions(request.user), "exception", pk=exception_id
    )
    form = ReasonForm(request.POST)
    reason = request.POST.get("reason", "")
    if decision != "approve" and not form.is_valid():
        messages.error(request, _("A reason is required to reject or revoke."))
        return redirect("exceptions")
    decide, done = DECISIONS[decision]
    try:
        decide(actor=request.user, source=WEB, exception=exception, reason=reason)
    except MetricGateError as error:
        messages.error(request, refusal_message(error))
    else:
        messages.success(request, done)
    return redirect("exceptions")
