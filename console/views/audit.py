"""The audit log: filter by object, actor, source and time; export via the API."""

from urllib.parse import urlencode

from django.shortcuts import render

from console import selectors
from console.forms import AuditFilterForm
from console.views.common import console_view, paginate, query_without_page

# Built by the API; the console links to it rather than duplicating the stream.
AUDIT_EXPORT_PATH = "/metric-gate/audit-events"


@console_view("view_audit")
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events(filters)
    return render(
        request,
        "console/audit_log.html",
        {
            "form": form,
            "page": paginate(request, events),
            "query": query_without_page(request),
            "exports": _export_links(filters),
        },
    )


def _export_links(filters):
    """Links to the API's streamed export for the same time range."""
    params = {}
    if filters.get("since"):
        params["since"] = filters["since"].isoformat()
    if filters.get("until"):
        params["until"] = filters["until"].isoformat()
    return [
        (label, f"{AUDIT_EXPORT_PATH}?{urlencode({**params, 'format': fmt})}")
        for label, fmt in (("CSV", "csv"), ("JSON", "json"))
    ]
