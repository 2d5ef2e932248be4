"""Performance scorecards: built by HR through the gate, approved by governance."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from registry import access
from reviews import services

from ..base import GateAPIView, path_param
from ..schema import error_responses
from ..serializers import (
    ExportQuerySerializer,
    PerformanceScorecardCreateSerializer,
    PerformanceScorecardDetailSerializer,
    PerformanceScorecardSerializer,
    ReasonSerializer,
    ScorecardMetricAddSerializer,
)

SCORECARD_ID = path_param("scorecard_id", "The performance scorecard's UUID.")
METRIC_KEY = path_param("key", "The metric's key.")
EXPORT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def visible_scorecards(user):
    return (
        access.visible_performance_scorecards(user)
        .select_related("created_by", "approved_by")
        .prefetch_related("entries__metric", "entries__added_by")
    )


def get_scorecard(user, scorecard_id):
    return access.get_visible(
        visible_scorecards(user), "performance scorecard", pk=scorecard_id
    )


def detail(user, scorecard_id):
    """The scorecard re-read with its exports, after a change."""
    scorecard = access.get_visible(
        visible_scorecards(user).prefetch_related("exports__created_by"),
        "performance scorecard",
        pk=scorecard_id,
    )
    return PerformanceScorecardDetailSerializer(scorecard).data


class PerformanceScorecardsView(ListModelMixin, GateAPIView):
    serializer_class = PerformanceScorecardSerializer

    def get_queryset(self):
        return visible_scorecards(self.request.user)

    @extend_schema(
        summary="Performance scorecards (HR and governance)",
        responses={200: PerformanceScorecardSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        summary="Start a draft performance scorecard (HR)",
        request=PerformanceScorecardCreateSerializer,
        responses={
            201: PerformanceScorecardDetailSerializer,
            **error_responses(400, 403, 415),
        },
    )
    def post(self, request):
        access.check(request.user, "build_performance_scorecard")
        form = PerformanceScorecardCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        scorecard = services.create_performance_scorecard(
            actor=request.user, source=self.source, **form.validated_data
        )
        return Response(detail(request.user, scorecard.pk), status.HTTP_201_CREATED)


class PerformanceScorecardDetailView(GateAPIView):
    serializer_class = PerformanceScorecardDetailSerializer

    @extend_schema(
        summary="One performance scorecard with its exports",
        parameters=[SCORECARD_ID],
        responses={
            200: PerformanceScorecardDetailSerializer,
            **error_responses(400, 404),
        },
    )
    def get(self, request, scorecard_id):
        get_scorecard(request.user, scorecard_id)
        return Response(detail(request.user, scorecard_id))


class ScorecardMetricsView(GateAPIView):
    serializer_class = PerformanceScorecardDetailSerializer

    @extend_schema(
        summary="Add a metric the gate allows for performance reviews (HR)",
        description=(
            "A metric the gate refuses for performance_review answers 403 with "
            "its code, e.g. blocked_metric_for_performance, and metric_key."
        ),
        parameters=[SCORECARD_ID],
        request=ScorecardMetricAddSerializer,
        responses={
            201: PerformanceScorecardDetailSerializer,
            **error_responses(400, 403, 404, 409, 415),
        },
    )
    def post(self, request, scorecard_id):
        scorecard = get_scorecard(request.user, scorecard_id)
        access.check(request.user, "build_performance_scorecard")
        form = ScorecardMetricAddSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        services.add_scorecard_metric(
            actor=request.user,
            source=self.source,
            scorecard=scorecard,
            metric_key=form.validated_data["metric_key"],
        )
        return Response(detail(request.user, scorecard.pk), status.HTTP_201_CREATED)


class ScorecardMetricView(GateAPIView):
    @extend_schema(
        summary="Take a metric off a draft scorecard (HR)",
        parameters=[SCORECARD_ID, METRIC_KEY],
        responses={204: None, **error_responses(400, 403, 404, 409)},
    )
    def delete(self, request, scorecard_id, key):
        scorecard = get_scorecard(request.user, scorecard_id)

        services.remove_scorecard_metric(
            actor=request.user, source=self.source, scorecard=scorecard, metric_key=key
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScorecardApproveView(GateAPIView):
    serializer_class = PerformanceScorecardDetailSerializer

    @extend_schema(
        summary="Approve a scorecard; every metric must pass the gate (governance)",
        parameters=[SCORECARD_ID],
        request=ReasonSerializer,
        responses={
            200: PerformanceScorecardDetailSerializer,
            **error_responses(400, 403, 404, 409, 415),
        },
    )
    def post(self, request, scorecard_id):
        scorecard = get_scorecard(request.user, scorecard_id)
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        services.approve_performance_scorecard(
            actor=request.user,
            source=self.source,
            scorecard=scorecard,
            reason=form.validated_data["reason"],
        )
        return Response(detail(request.user, scorecard.pk))


class ScorecardExportView(GateAPIView):
    pagination_class = None

    @extend_schema(
        summary="A frozen export of an approved scorecard",
        description=(
            "Each call records a new export (the copy a rollback may later "
            "invalidate); refused with 409 until governance approved it."
        ),
        parameters=[SCORECARD_ID, ExportQuerySerializer],
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            **error_responses(400, 403, 404, 409),
        },
    )
    def get(self, request, scorecard_id):
        scorecard = get_scorecard(request.user, scorecard_id)
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)

        fmt = query.validated_data["format"]
        export = services.export_performance_scorecard(
            actor=request.user, source=self.source, scorecard=scorecard, fmt=fmt
        )
        response = HttpResponse(export.content, content_type=EXPORT_TYPES[fmt])
        response["Content-Disposition"] = (
            f'attachment; filename="scorecard-{scorecard.pk}-{export.pk}.{fmt}"'
        )
        response["X-Export-Id"] = str(export.pk)
        return response
