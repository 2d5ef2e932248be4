"""The workflow scorecard: outcomes in one part, cost context apart."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from registry import access
from reviews.selectors import workflow_scorecard

from ..base import GateAPIView
from ..schema import error_responses
from ..serializers import ScorecardQuerySerializer, WorkflowScorecardSerializer


class ScorecardView(GateAPIView):
    serializer_class = WorkflowScorecardSerializer

    @extend_schema(
        summary="A workflow's scorecard, as your role may see it",
        description=(
            "`outcomes` holds approved outcome metrics with their latest values. "
            "`diagnostics` is cost context only (tokens, cost) and feeds no rank, "
            "score or bonus. Parts your role may not see are null."
        ),
        parameters=[ScorecardQuerySerializer],
        responses={200: WorkflowScorecardSerializer, **error_responses(400, 404)},
    )
    def get(self, request):
        query = ScorecardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        workflow = access.get_workflow(
            request.user, query.validated_data["workflow_id"], "view"
        )

        scorecard = workflow_scorecard(request.user, workflow)
        return Response(WorkflowScorecardSerializer(scorecard).data)
