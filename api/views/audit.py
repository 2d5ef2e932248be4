"""The streamed audit export, for governance."""

import logging

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from registry import access

from ..audit_export import parse_window, stream_events
from ..base import GateAPIView
from ..schema import error_responses
from ..serializers import AuditEventRowSerializer, AuditQuerySerializer

logger = logging.getLogger(__name__)

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class AuditEventsView(GateAPIView):
    pagination_class = None

    @extend_schema(
        summary="Export the audit trail of a time range (governance)",
        description=(
            "`since` is inclusive, `until` exclusive (a bare date as `until` "
            "includes that day). Rows are streamed in chain order."
        ),
        parameters=[AuditQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, "application/json"): AuditEventRowSerializer(many=True),
            **error_responses(400, 403),
        },
    )
    def get(self, request):
        access.check(request.user, "view_audit")
        query = AuditQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        since, until = parse_window(params.get("since"), params.get("until"))

        fmt = params["format"]
        # TODO: under ASGI Django reads a sync iterator whole before sending it;
        # serve the export through WSGI (gunicorn) until it gets an async one.
        response = StreamingHttpResponse(
            stream_events(since=since, until=until, fmt=fmt),
            content_type=CONTENT_TYPES[fmt],
        )
        response["Content-Disposition"] = f'attachment; filename="audit-events.{fmt}"'
        logger.info(
            "audit export user=%s since=%s until=%s format=%s",
            request.user.pk,
            since,
            until,
            fmt,
        )
        return response
