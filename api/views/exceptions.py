"""Time-boxed exceptions to the gate: requested by roles, decided by governance."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from registry import access, services

from ..base import GateAPIView, path_param
from ..schema import error_responses
from ..serializers import (
    ExceptionCreateSerializer,
    ExceptionSerializer,
    ReasonSerializer,
)

EXCEPTION_ID = path_param("exception_id", "The exception's UUID.")


def visible_exceptions(user):
    return access.visible_exceptions(user).select_related(
        "metric", "requested_by", "approved_by"
    )


def get_exception(user, exception_id):
    return access.get_visible(visible_exceptions(user), "exception", pk=exception_id)


class ExceptionsView(ListModelMixin, GateAPIView):
    serializer_class = ExceptionSerializer

    def get_queryset(self):
        return visible_exceptions(self.request.user)

    @extend_schema(
        summary="Exceptions you requested (all of them for governance)",
        responses={200: ExceptionSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        summary="Request a time-boxed exception (team owner, HR, finance)",
        description=(
            "expires_at is required, must lie in the future and at most the "
            "configured number of days ahead; otherwise 400."
        ),
        request=ExceptionCreateSerializer,
        responses={201: ExceptionSerializer, **error_responses(400, 403, 404, 415)},
    )
    def post(self, request):
        access.check(request.user, "request_exception")
        form = ExceptionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        exception = services.request_exception(
            actor=request.user, source=self.source, **form.validated_data
        )
        return Response(ExceptionSerializer(exception).data, status.HTTP_201_CREATED)


class ExceptionDetailView(GateAPIView):
    serializer_class = ExceptionSerializer

    @extend_schema(
        summary="One exception",
        parameters=[EXCEPTION_ID],
        responses={200: ExceptionSerializer, **error_responses(400, 404)},
    )
    def get(self, request, exception_id):
        exception = get_exception(request.user, exception_id)
        return Response(ExceptionSerializer(exception).data)


class ExceptionDecisionView(GateAPIView):
    """Base of approve, reject and revoke: each names its service."""

    serializer_class = ExceptionSerializer
    decide = None

    def post(self, request, exception_id):
        exception = get_exception(request.user, exception_id)
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        exception = type(self).decide(
            actor=request.user,
            source=self.source,
            exception=exception,
            reason=form.validated_data["reason"],
        )
        return Response(ExceptionSerializer(exception).data)


def _decision_schema(summary):
    return extend_schema(
        summary=summary,
        parameters=[EXCEPTION_ID],
        request=ReasonSerializer,
        responses={
            200: ExceptionSerializer,
            **error_responses(400, 403, 404, 409, 415),
        },
    )


class ExceptionApproveView(ExceptionDecisionView):
    decide = services.approve_exception

    @_decision_schema("Approve an exception (governance)")
    def post(self, request, exception_id):
        return super().post(request, exception_id)


class ExceptionRejectView(ExceptionDecisionView):
    decide = services.reject_exception

    @_decision_schema("Reject an exception; reason required (governance)")
    def post(self, request, exception_id):
        return super().post(request, exception_id)


class ExceptionRevokeView(ExceptionDecisionView):
    decide = services.revoke_exception

    @_decision_schema("Revoke an exception; reason required (governance)")
    def post(self, request, exception_id):
        return super().post(request, exception_id)
