"""Who the caller is: a cheap check that a token or session works."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from registry import access

from ..base import GateAPIView
from ..schema import error_responses
from ..serializers import MeSerializer


class MeView(GateAPIView):
    serializer_class = MeSerializer

    @extend_schema(
        summary="The authenticated user and their roles",
        responses={200: MeSerializer, **error_responses()},
    )
    def get(self, request):
        roles = sorted(access.roles_of(request.user))
        return Response({"username": request.user.get_username(), "roles": roles})
