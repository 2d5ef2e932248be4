"""API of the detector and of ingestion; each view states its permission once.

Sync: governance, or a worker presenting `Authorization: Worker <token>`.
Signals: governance sees all, a team owner their workflows' (read only);
triage is governance's. Outcomes and diagnostics: the workflow's team owner
or governance, the workflow named by id or key.
"""

import hmac
import uuid

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response

from api.base import GateAPIView, path_param
from api.schema import error_responses
from registry import access
from registry.choices import RiskTier, Source
from registry.errors import InvalidInput

from . import services
from .detector import start_run
from .models import DetectorRun, SignalStatus, SignalType
from .serializers import (
    DetectorRunSerializer,
    DiagnosticsInSerializer,
    DiagnosticsResultSerializer,
    GamingSignalSerializer,
    OutcomeSnapshotInSerializer,
    OutcomeSnapshotSerializer,
    SyncSerializer,
    TriageSerializer,
)

SIGNAL_ID = path_param("signal_id", "The gaming signal's UUID.")
RUN_ID = path_param("run_id", "The detector run's UUID.")
WORKFLOW_REF = path_param("ref", "The workflow's UUID or key.")


# --- The worker token ------------------------------------------------------------


class Worker:
    """The principal behind a valid worker token: may run the detector, no more."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None

    def get_username(self):
        return "worker"


class WorkerTokenAuthentication(BaseAuthentication):
    """`Authorization: Worker <token>` against settings.DETECTOR_WORKER_TOKEN."""

    keyword = b"worker"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        expected = settings.DETECTOR_WORKER_TOKEN.encode()
        if (
            len(parts) != 2
            or not expected
            or not hmac.compare_digest(parts[1], expected)
        ):
            raise AuthenticationFailed("Invalid worker token.")
        return Worker(), None

    def authenticate_header(self, request):
        return "Worker"


class WorkerTokenScheme(OpenApiAuthenticationExtension):
    target_class = WorkerTokenAuthentication
    name = "workerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Worker <DETECTOR_WORKER_TOKEN>`",
        }


# --- Detector runs ----------------------------------------------------------------


class GamingSignalSyncView(GateAPIView):
    authentication_classes = [
        WorkerTokenAuthentication,
        *GateAPIView.authentication_classes,
    ]
    serializer_class = DetectorRunSerializer

    @extend_schema(
        summary="Run the gaming detector (governance or worker token)",
        description=(
            "The same entry point as the nightly task. 200 with the finished run "
            "when tasks run in-process; 202 with the queued run when workers do."
        ),
        request=SyncSerializer,
        responses={
            200: DetectorRunSerializer,
            202: DetectorRunSerializer,
            **error_responses(400, 403, 415),
        },
    )
    def post(self, request):
        worker = isinstance(request.user, Worker)
        if not worker:
            access.check(request.user, "run_detector")
        form = SyncSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        run = start_run(
            as_of=form.validated_data.get("date"),
            actor=None if worker else request.user,
            source=Source.WORKER if worker else self.source,
        )
        done = run.finished_at is not None
        return Response(
            DetectorRunSerializer(run).data,
            status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED,
        )


class DetectorRunView(GateAPIView):
    serializer_class = DetectorRunSerializer

    @extend_schema(
        summary="One detector run: progress, findings and when it finished",
        parameters=[RUN_ID],
        responses={200: DetectorRunSerializer, **error_responses(403, 404)},
    )
    def get(self, request, run_id):
        access.check(request.user, "run_detector")
        run = access.get_visible(DetectorRun.objects.all(), "detector run", pk=run_id)
        return Response(DetectorRunSerializer(run).data)


# --- Gaming signals -----------------------------------------------------------------

FILTERS = {
    "status": ("status", SignalStatus.values),
    "type": ("signal_type", SignalType.values),
    "severity": ("severity", RiskTier.values),
}


def _signals(user):
    return access.visible_signals(user).select_related("workflow")


def _filtered(queryset, params):
    """Apply ?status=&type=&severity=&workflow=; an unknown value is a 400."""
    for name, (column, allowed) in FILTERS.items():
        value = params.get(name)
        if value is None:
            continue
        if value not in allowed:
            raise InvalidInput(
                f"{name} must be one of {', '.join(allowed)}.", code="invalid_filter"
            )
        queryset = queryset.filter(**{column: value})
    ref = params.get("workflow")
    if ref:
        try:
            queryset = queryset.filter(workflow_id=uuid.UUID(ref))
        except ValueError:
            queryset = queryset.filter(workflow__key=ref)
    return queryset


def _filter_parameter(name, values, description):
    return OpenApiParameter(name, str, enum=values, description=description)


class GamingSignalsView(GateAPIView):
    serializer_class = GamingSignalSerializer

    @extend_schema(
        summary="Gaming signals you may see (governance all, team owner their own)",
        parameters=[
            _filter_parameter("status", SignalStatus.values, "Triage status."),
            _filter_parameter("type", SignalType.values, "Signal type."),
            _filter_parameter("severity", RiskTier.values, "Severity."),
            OpenApiParameter("workflow", str, description="Workflow UUID or key."),
        ],
        responses={
            200: GamingSignalSerializer(many=True),
            **error_responses(400),
        },
    )
    def get(self, request):
        signals = _filtered(_signals(request.user), request.query_params)
        return self.page(signals, GamingSignalSerializer)


class GamingSignalDetailView(GateAPIView):
    serializer_class = GamingSignalSerializer

    @extend_schema(
        summary="One gaming signal with the figures that raised it",
        parameters=[SIGNAL_ID],
        responses={200: GamingSignalSerializer, **error_responses(404)},
    )
    def get(self, request, signal_id):
        signal = access.get_visible(
            _signals(request.user), "gaming signal", pk=signal_id
        )
        return Response(GamingSignalSerializer(signal).data)


class GamingSignalTriageView(GateAPIView):
    serializer_class = GamingSignalSerializer

    @extend_schema(
        summary="Triage a signal (governance; only governance closes a high one)",
        parameters=[SIGNAL_ID],
        request=TriageSerializer,
        responses={
            200: GamingSignalSerializer,
            **error_responses(400, 403, 404, 415),
        },
    )
    def post(self, request, signal_id):
        signal = access.get_visible(
            _signals(request.user), "gaming signal", pk=signal_id
        )
        form = TriageSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        signal = services.triage_signal(
            actor=request.user, source=self.source, signal=signal, **form.validated_data
        )
        return Response(GamingSignalSerializer(signal).data)


# --- Ingestion ------------------------------------------------------------------------


class WorkflowOutcomesView(GateAPIView):
    serializer_class = OutcomeSnapshotSerializer

    @extend_schema(
        summary="Add an outcome snapshot (team owner of the workflow, governance)",
        description="A snapshot for the same measurement period is replaced (200).",
        parameters=[WORKFLOW_REF],
        request=OutcomeSnapshotInSerializer,
        responses={
            200: OutcomeSnapshotSerializer,
            201: OutcomeSnapshotSerializer,
            **error_responses(400, 403, 404, 415),
        },
    )
    def post(self, request, ref):
        workflow = access.get_workflow(request.user, ref, "ingest")
        form = OutcomeSnapshotInSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        snapshot, created = services.record_outcome_snapshot(
            actor=request.user,
            source=self.source,
            workflow=workflow,
            **form.validated_data,
        )
        return Response(
            OutcomeSnapshotSerializer(snapshot).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class WorkflowDiagnosticsView(GateAPIView):
    serializer_class = DiagnosticsResultSerializer

    @extend_schema(
        summary="Add token cost diagnostics (team owner of the workflow, governance)",
        description=(
            "One entry per day; a day already stored for the same source is "
            "replaced. Contributor counts only: who used the tools is never sent."
        ),
        parameters=[WORKFLOW_REF],
        request=DiagnosticsInSerializer,
        responses={
            200: DiagnosticsResultSerializer,
            **error_responses(400, 403, 404, 415),
        },
    )
    def post(self, request, ref):
        workflow = access.get_workflow(request.user, ref, "ingest")
        form = DiagnosticsInSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        usage_source = form.validated_data["source"]
        days = [
            services.DiagnosticDay(workflow=workflow, **day)
            for day in form.validated_data["days"]
        ]
        written = services.record_diagnostics(
            actor=request.user, source=self.source, usage_source=usage_source, rows=days
        )
        result = {
            "workflow": workflow.pk,
            "workflow_key": workflow.key,
            "source": usage_source,
            "days_written": written,
        }
        return Response(DiagnosticsResultSerializer(result).data)
