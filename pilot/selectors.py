"""Reads for the pilot pages, in a fixed number of queries whatever the rows."""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from registry import access
from registry.models import Workflow

from .models import Escalation, EvidenceRequest


@dataclass
class PilotRow:
    """One pilot workflow as the overview shows it."""

    workflow: Workflow
    request: EvidenceRequest | None
    days_to_due: int | None = None
    missing: list = field(default_factory=list)
    escalations: list = field(default_factory=list)

    @property
    def days_late(self):
        if self.days_to_due is None or self.days_to_due >= 0:
            return 0
        return -self.days_to_due

    @property
    def missing_labels(self):
        return [EvidenceRequest.Item(item).label for item in self.missing]


def _current(requests):
    """The request that matters now: the newest still pending, else the newest."""
    pending = [r for r in requests if r.is_pending]
    return (pending or requests or [None])[0]


def pilot_overview(user, *, today=None):
    """Every pilot workflow with its current request; governance only (3 queries)."""
    access.check(user, "manage_pilot")
    today = today or timezone.localdate()
    requests = (
        EvidenceRequest.objects.select_related("owner")
        .prefetch_related(
            Prefetch("escalations", queryset=Escalation.objects.order_by("stage"))
        )
        .order_by("-created_at")
    )
    workflows = (
        Workflow.objects.filter(is_pilot=True)
        .select_related("owner")
        .prefetch_related(Prefetch("evidence_requests", queryset=requests))
        .order_by("key")
    )

    rows = []
    for workflow in workflows:
        request = _current(list(workflow.evidence_requests.all()))
        row = PilotRow(workflow=workflow, request=request)
        if request is not None:
            row.missing = request.missing_items()
            row.escalations = list(request.escalations.all())
            if request.is_pending:
                row.days_to_due = request.days_to_due(today)
        rows.append(row)
    return rows


def requests_of_owner(user):
    """Requests on the workflows the user owns, pending first, then by due date."""
    requests = EvidenceRequest.objects.filter(
        workflow__in=access.owned_workflows(user)
    ).select_related("workflow", "created_by")
    return sorted(requests, key=lambda r: (not r.is_pending, r.due_date))
