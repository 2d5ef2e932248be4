"""Pilot pages: the overview, asking for evidence, answering it, readiness.

Each view states its permission once, through `registry.access` (directly or
via a service); nothing is checked only in a template.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from console.views.common import console_view
from registry import access
from registry.errors import Conflict, InvalidInput

from . import readiness, selectors, services
from .forms import AnswerForm, CloseRequestForm, CreateRequestsForm, PreferenceForm
from .models import EvidenceItem, NotificationPreference

WEB = "web"


def _form_error(form, error):
    """Show a service refusal on the form: on its field when it names one."""
    field = error.extra.get("field") if isinstance(error, InvalidInput) else None
    form.add_error(field if field in form.fields else None, f"{error.detail}")


@console_view("manage_pilot")
def overview(request):
    today = timezone.localdate()
    rows = selectors.pilot_overview(request.user, today=today)
    return render(request, "pilot/overview.html", {"rows": rows, "today": today})


@console_view("manage_pilot")
@require_http_methods(["GET", "POST"])
def create_requests(request):
    form = CreateRequestsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.create_requests(
                actor=request.user,
                source=WEB,
                workflows=list(data["workflows"]),
                items=data["items"],
                due_date=data["due_date"],
                note=data["note"],
            )
        except (InvalidInput, Conflict) as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("Evidence requested from %(count)d workflow owners.")
                % {"count": len(created)},
            )
            return redirect("pilot:overview")
    return render(request, "pilot/create.html", {"form": form})


@console_view()
@require_http_methods(["GET", "POST"])
def request_detail(request, request_id):
    evidence_request = services.get_request(request.user, request_id, "view_evidence")
    workflow = evidence_request.workflow
    may_answer = evidence_request.is_pending and access.can_on_workflow(
        request.user, "answer_evidence", workflow
    )
    if request.method == "POST" and not may_answer:
        # Refuses (403) anyone but the owner; the owner is told it is too late.
        services.get_request(request.user, request_id, "answer_evidence")
        messages.error(request, _("This request takes no more answers."))
        return redirect("pilot:request", request_id=evidence_request.pk)

    form = None
    if may_answer:
        form = AnswerForm(request.POST or None, evidence_request=evidence_request)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_request(
                actor=request.user,
                source=WEB,
                request_id=evidence_request.pk,
                answers=form.cleaned_data,
            )
        except (InvalidInput, Conflict) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Thank you: your answers are saved."))
            return redirect("pilot:request", request_id=evidence_request.pk)

    context = {
        "evidence_request": evidence_request,
        "form": form,
        "close_form": _close_form(request.user, evidence_request),
        "escalations": list(evidence_request.escalations.all()),
        "days_to_due": evidence_request.days_to_due(),
        "answer_rows": [
            (item, EvidenceItem(item).label, evidence_request.answers.get(item, ""))
            for item in evidence_request.items
        ],
    }
    return render(request, "pilot/request.html", context)


def _close_form(user, evidence_request):
    if evidence_request.status == evidence_request.Status.CLOSED:
        return None
    return CloseRequestForm() if access.can(user, "manage_pilot") else None


@console_view("manage_pilot")
@require_POST
def close_request(request, request_id):
    form = CloseRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the request is closed."))
        return redirect("pilot:request", request_id=request_id)
    try:
        services.close_request(
            actor=request.user,
            source=WEB,
            request_id=request_id,
            reason=form.cleaned_data["reason"],
        )
    except (InvalidInput, Conflict) as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The request is closed."))
    return redirect("pilot:request", request_id=request_id)


@console_view()
def my_requests(request):
    requests = selectors.requests_of_owner(request.user)
    today = timezone.localdate()
    rows = [(r, r.days_to_due(today)) for r in requests]
    return render(request, "pilot/mine.html", {"rows": rows})


@console_view("manage_pilot")
def readiness_check(request):
    report = readiness.check_readiness()
    return render(request, "pilot/readiness.html", {"report": report})


@console_view()
@require_http_methods(["GET", "POST"])
def preferences(request):
    if not access.roles_of(request.user):
        raise PermissionDenied(_("Your account has no role."))
    current = NotificationPreference.objects.filter(user=request.user).first()
    initial = {"language": current.language if current else None}
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        NotificationPreference.objects.update_or_create(
            user=request.user, defaults={"language": form.cleaned_data["language"]}
        )
        messages.success(request, _("Your notification language is saved."))
        return redirect("pilot:preferences")
    return render(request, "pilot/preferences.html", {"form": form})
