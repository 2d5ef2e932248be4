"""The registry: metrics filtered by status and by what the gate allows."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from registry import access, gate, services

from ..base import GateAPIView, path_param
from ..schema import error_responses
from ..serializers import (
    MetricDetailSerializer,
    MetricListQuerySerializer,
    MetricSerializer,
    RollbackPlanSerializer,
    RollbackRequestSerializer,
    RollbackResultSerializer,
    policy_dict,
)

METRIC_KEY = path_param("key", "The metric's key, e.g. task_completion_rate.")


class MetricsView(GateAPIView):
    serializer_class = MetricSerializer

    @extend_schema(
        summary="The registry, filtered",
        description=(
            "`use` keeps only the metrics the gate allows for that use now "
            "(counting approved exceptions); this is what the HR selector reads."
        ),
        parameters=[MetricListQuerySerializer],
        responses={200: MetricSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        query = MetricListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        use = query.validated_data.get("use")
        policy_status = query.validated_data.get("status")

        metrics = access.visible_metrics(request.user).select_related("owner")
        if policy_status:
            metrics = metrics.filter(policy_status=policy_status)
        if use:
            metrics = gate.allowed_metrics(use, metrics=metrics)
        return self.page(metrics, MetricSerializer)


class MetricDetailView(GateAPIView):
    serializer_class = MetricDetailSerializer

    @extend_schema(
        summary="One metric with its policy history",
        parameters=[METRIC_KEY],
        responses={200: MetricDetailSerializer, **error_responses(400, 404)},
    )
    def get(self, request, key):
        metric = access.get_metric(request.user, key)
        metric.history_rows = metric.history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )
        return Response(MetricDetailSerializer(metric).data)


class MetricRollbackView(GateAPIView):
    serializer_class = RollbackResultSerializer

    @extend_schema(
        summary="Preview a rollback: the policy it returns to, the exports it voids",
        parameters=[METRIC_KEY],
        responses={200: RollbackPlanSerializer, **error_responses(400, 403, 404, 409)},
    )
    def get(self, request, key):
        metric = access.get_metric(request.user, key)
        access.check(request.user, "rollback_metric")

        plan = services.rollback_plan(metric)
        return Response(RollbackPlanSerializer(plan).data)

    @extend_schema(
        summary="Return the metric to its last approved policy (governance)",
        description=(
            "Records the reason and invalidates every scorecard export made "
            "while the current policy was in force."
        ),
        parameters=[METRIC_KEY],
        request=RollbackRequestSerializer,
        responses={
            200: RollbackResultSerializer,
            **error_responses(400, 403, 404, 409, 415),
        },
    )
    def post(self, request, key):
        metric = access.get_metric(request.user, key)
        access.check(request.user, "rollback_metric")
        form = RollbackRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        plan = services.rollback_metric(
            actor=request.user,
            source=self.source,
            reason=form.validated_data["reason"],
            metric=metric,
        )
        result = {
            "metric": plan.metric,
            "restored_policy": policy_dict(plan.target_policy),
            "bad_since": plan.bad_since,
            "invalidated_exports": plan.exports,
        }
        return Response(RollbackResultSerializer(result).data)
