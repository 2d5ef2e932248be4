"""What every Metric Gate endpoint shares: auth, JSON only, input guards, paging."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer

from registry.choices import Source
from registry.errors import InvalidInput

MAX_REF_LENGTH = 200


class JsonNegotiation(DefaultContentNegotiation):
    """Always answer JSON: `?format=` names an export format here, not a renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class Paging(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


def refuse_bad_text(values):
    """Refuse NUL bytes and absurd lengths before they reach a query."""
    for name, value in values:
        if "\x00" in value:
            raise InvalidInput(
                f"{name} contains a NUL byte.", code="invalid_characters"
            )
        if len(value) > MAX_REF_LENGTH:
            raise InvalidInput(f"{name} is too long.", code="too_long")


class GateAPIView(GenericAPIView):
    """Token or session auth, JSON in and out, and the API as the audit source."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    content_negotiation_class = JsonNegotiation
    pagination_class = Paging
    # Lists are filtered through registry.access, never by generic backends.
    filter_backends = []
    source = Source.API

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        refuse_bad_text(
            [
                *((name, str(value)) for name, value in kwargs.items()),
                *((name, value) for name, value in request.query_params.items()),
            ]
        )

    def page(self, items, serializer_class):
        """Serialise one page of `items` in DRF's limit/offset envelope."""
        page = self.paginate_queryset(items)
        data = serializer_class(page, many=True, context={"request": self.request})
        return self.get_paginated_response(data.data)


def path_param(name, description):
    return OpenApiParameter(
        name, str, OpenApiParameter.PATH, description=description, required=True
    )
