"""A JSON 404 for any path under /metric-gate/ that names no endpoint."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


# Exempt, so a POST to a wrong path gets this 404, not an HTML CSRF page.
@csrf_exempt
def not_found(request, rest=""):
    return JsonResponse(
        {"code": "not_found", "detail": "No such endpoint."}, status=404
    )
