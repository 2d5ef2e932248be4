"""The error body every endpoint shares, and a helper to list it in the schema."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    400: "Bad input: a field, a query parameter or the body itself.",
    401: "No valid session or token.",
    403: "Refused by role or by the gate (then with metric_key).",
    404: "No such object, or one outside your rights.",
    405: "Method not allowed.",
    409: "The change conflicts with the current state.",
    415: "The body is not JSON.",
}


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.CharField(help_text="Machine-readable reason.")
    detail = serializers.CharField(help_text="A sentence for people.")
    metric_key = serializers.CharField(
        required=False, help_text="The metric the gate refused, on gate refusals."
    )

    def get_fields(self):
        # "fields" would shadow Serializer.fields as a class attribute.
        declared = super().get_fields()
        declared["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Per-field messages on validation errors.",
        )
        return declared


def error_responses(*statuses):
    """Schema entries for the error statuses an operation may answer with."""
    # Any query or path value may be refused (NUL bytes, absurd lengths).
    wanted = {400, 401, *statuses}
    return {
        status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in sorted(wanted)
    }
