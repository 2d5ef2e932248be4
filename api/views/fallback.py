"""A JSON 404 for any path under /metric-gate/ that names no endpoint."""

from django.http import JsonResponse


def not_found(request, rest=""):
    return JsonResponse(
        {"code": "not_found", "detail": "No such endpoint."}, status=404
    )
