"""Proposals by team owners and the reviews governance decides them with."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from registry import access
from reviews import services

from ..base import GateAPIView, path_param
from ..schema import error_responses
from ..serializers import (
    ProposalCreateSerializer,
    ProposalReviseSerializer,
    ProposalSerializer,
    ReviewCreateSerializer,
    ReviewSerializer,
)

PROPOSAL_ID = path_param("proposal_id", "The proposal's UUID.")


def visible_proposals(user):
    return access.visible_proposals(user).select_related("workflow", "proposed_by")


class ProposalsView(ListModelMixin, GateAPIView):
    serializer_class = ProposalSerializer

    def get_queryset(self):
        return visible_proposals(self.request.user)

    @extend_schema(
        summary="Proposals you may see",
        responses={200: ProposalSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        summary="Submit a candidate metric (team owner of the workflow)",
        description=(
            "Stored whatever evidence it carries; with any of evidence_url, "
            "baseline, owner, formula or quality_rubric empty its status is "
            "needs_revision and missing_fields names them."
        ),
        request=ProposalCreateSerializer,
        responses={201: ProposalSerializer, **error_responses(400, 403, 404, 415)},
    )
    def post(self, request):
        form = ProposalCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        workflow = access.get_workflow(request.user, fields.pop("workflow"), "propose")

        proposal = services.submit_proposal(
            actor=request.user, source=self.source, workflow=workflow, **fields
        )
        return Response(ProposalSerializer(proposal).data, status.HTTP_201_CREATED)


class ProposalDetailView(GateAPIView):
    serializer_class = ProposalSerializer

    @extend_schema(
        summary="One proposal",
        parameters=[PROPOSAL_ID],
        responses={200: ProposalSerializer, **error_responses(400, 404)},
    )
    def get(self, request, proposal_id):
        proposal = access.get_visible(
            visible_proposals(request.user), "proposal", pk=proposal_id
        )
        return Response(ProposalSerializer(proposal).data)


class ProposalReviseView(GateAPIView):
    serializer_class = ProposalSerializer

    @extend_schema(
        summary="Resubmit an open proposal with new values (team owner)",
        parameters=[PROPOSAL_ID],
        request=ProposalReviseSerializer,
        responses={200: ProposalSerializer, **error_responses(400, 403, 404, 409, 415)},
    )
    def post(self, request, proposal_id):
        proposal = access.get_visible(
            visible_proposals(request.user), "proposal", pk=proposal_id
        )
        form = ProposalReviseSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        proposal = services.revise_proposal(
            actor=request.user,
            source=self.source,
            proposal=proposal,
            **form.validated_data,
        )
        return Response(ProposalSerializer(proposal).data)


class ReviewsView(GateAPIView):
    serializer_class = ReviewSerializer

    @extend_schema(
        summary="Decide a proposal (governance)",
        description=(
            "Approval is refused while evidence is missing or a score misses "
            "its threshold. Two reviewers deciding one proposal at once: one "
            "decision lands, the other gets 409 already_decided."
        ),
        request=ReviewCreateSerializer,
        responses={201: ReviewSerializer, **error_responses(400, 403, 404, 409, 415)},
    )
    def post(self, request):
        access.check(request.user, "review_proposal")
        form = ReviewCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        proposal = access.get_visible(
            visible_proposals(request.user), "proposal", pk=fields.pop("proposal")
        )

        review = services.decide_proposal(
            actor=request.user, source=self.source, proposal=proposal, **fields
        )
        return Response(ReviewSerializer(review).data, status.HTTP_201_CREATED)
