"""Proposals for team owners; the review queue and review form for governance."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from console.forms import ProposalForm, ReviewForm, apply_error
from console.views.common import WEB, console_view, paginate
from registry import access
from registry.choices import Role
from registry.errors import MetricGateError, PermissionRefused
from reviews import services
from reviews.models import EVIDENCE_FIELDS, ProposalStatus
from reviews.services import PROPOSAL_FIELDS

REVISABLE = (ProposalStatus.NEEDS_REVISION, ProposalStatus.PENDING_REVIEW)


def _require_team_owner(user):
    if not access.has_role(user, Role.TEAM_OWNER):
        raise PermissionRefused(_("Only team owners propose metrics."))


def _get_proposal(user, proposal_id):
    proposals = access.visible_proposals(user).select_related("workflow", "proposed_by")
    return access.get_visible(proposals, "proposal", pk=proposal_id)


@console_view()
def proposal_list(request):
    """A team owner's proposals, with what is missing from each."""
    _require_team_owner(request.user)
    proposals = access.visible_proposals(request.user).select_related("workflow")
    return render(
        request,
        "console/proposal_list.html",
        {"page": paginate(request, proposals.order_by("-created_at"))},
    )


@console_view()
def proposal_new(request):
    _require_team_owner(request.user)
    workflows = list(access.owned_workflows(request.user).order_by("key"))
    form = ProposalForm(request.POST or None, workflows=workflows)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            workflow = access.get_workflow(
                request.user, data.pop("workflow"), "propose"
            )
            proposal = services.submit_proposal(
                actor=request.user, source=WEB, workflow=workflow, **data
            )
        except MetricGateError as error:
            apply_error(form, error)
            status = error.status
        else:
            _announce(request, proposal)
            return redirect("proposal_detail", proposal_id=proposal.pk)
    return render(request, "console/proposal_form.html", {"form": form}, status=status)


def _announce(request, proposal):
    if proposal.status == ProposalStatus.NEEDS_REVISION:
        messages.warning(
            request,
            _("Stored as needs revision: evidence is missing (%(fields)s).")
            % {"fields": ", ".join(proposal.missing_fields)},
        )
    else:
        messages.success(request, _("Proposal sent for review."))


@console_view()
def proposal_detail(request, proposal_id):
    """One proposal; its team owner may revise it while it is open."""
    proposal = _get_proposal(request.user, proposal_id)
    may_revise = proposal.status in REVISABLE and access.can_on_workflow(
        request.user, "propose", proposal.workflow
    )
    initial = {name: getattr(proposal, name) for name in PROPOSAL_FIELDS}
    form = ProposalForm(request.POST or None, initial=initial, revising=True)
    status = 200
    if request.method == "POST":
        if not may_revise:
            raise PermissionRefused(_("This proposal cannot be revised."))
        if form.is_valid():
            try:
                proposal = services.revise_proposal(
                    actor=request.user,
                    source=WEB,
                    proposal=proposal,
                    **form.cleaned_data,
                )
            except MetricGateError as error:
                apply_error(form, error)
                status = error.status
            else:
                _announce(request, proposal)
                return redirect("proposal_detail", proposal_id=proposal.pk)

    reviews = proposal.reviews.select_related("reviewer").order_by("-created_at")
    return render(
        request,
        "console/proposal_detail.html",
        {
            "proposal": proposal,
            "reviews": list(reviews),
            "form": form if may_revise else None,
            "evidence_fields": EVIDENCE_FIELDS,
            "may_review": access.can(request.user, "review_proposal")
            and proposal.status in REVISABLE,
        },
        status=status,
    )


@console_view("review_proposal")
def review_queue(request):
    """Proposals waiting for a decision, oldest first; then those sent back."""
    proposals = (
        access.visible_proposals(request.user)
        .filter(status__in=REVISABLE)
        .select_related("workflow", "proposed_by")
        .order_by("status", "created_at")
    )
    return render(
        request, "console/review_queue.html", {"page": paginate(request, proposals)}
    )


@console_view("review_proposal")
def review_form(request, proposal_id):
    proposal = _get_proposal(request.user, proposal_id)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.decide_proposal(
                actor=request.user,
                source=WEB,
                proposal=proposal,
                decision=data["decision"],
                reason=data["reason"],
                outcome_linkage_score=data["outcome_linkage_score"],
                gaming_risk_score=data["gaming_risk_score"],
                data_quality_score=data["data_quality_score"],
            )
        except MetricGateError as error:
            apply_error(form, error)
            status = error.status
        else:
            messages.success(
                request,
                _("Decision recorded for %(key)s.") % {"key": proposal.metric_key},
            )
            return redirect("review_queue")
    return render(
        request,
        "console/review_form.html",
        {"proposal": proposal, "form": form, "evidence_fields": EVIDENCE_FIELDS},
        status=status,
    )
