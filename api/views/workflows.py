"""Workflows: list and detail per role, registration by governance."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from registry import access, services

from ..base import GateAPIView, path_param
from ..schema import error_responses
from ..serializers import WorkflowCreateSerializer, WorkflowSerializer

WORKFLOW_REF = path_param("ref", "The workflow's UUID or its key.")


class WorkflowsView(ListModelMixin, GateAPIView):
    serializer_class = WorkflowSerializer

    def get_queryset(self):
        return access.visible_workflows(self.request.user).select_related("owner")

    @extend_schema(
        summary="Workflows you may see",
        responses={200: WorkflowSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        summary="Register a workflow (governance)",
        request=WorkflowCreateSerializer,
        responses={201: WorkflowSerializer, **error_responses(400, 403, 409, 415)},
    )
    def post(self, request):
        access.check(request.user, "register_workflow")
        form = WorkflowCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        workflow = services.register_workflow(
            actor=request.user, source=self.source, **form.validated_data
        )
        return Response(WorkflowSerializer(workflow).data, status.HTTP_201_CREATED)


class WorkflowDetailView(GateAPIView):
    serializer_class = WorkflowSerializer

    @extend_schema(
        summary="One workflow, by id or key",
        parameters=[WORKFLOW_REF],
        responses={200: WorkflowSerializer, **error_responses(400, 404)},
    )
    def get(self, request, ref):
        workflow = access.get_workflow(request.user, ref, "view")
        return Response(WorkflowSerializer(workflow).data)
