"""Every API error is JSON with a `code` and a `detail`, never an HTML page."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from registry.errors import MetricGateError

logger = logging.getLogger(__name__)


def _validation_detail(detail):
    """Flatten DRF's nested error dict into one sentence plus per-field errors."""
    if isinstance(detail, dict):
        fields = {
            key: [str(m) for m in _as_list(value)] for key, value in detail.items()
        }
        sentence = "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in fields.items())
        return sentence, fields
    messages = [str(m) for m in _as_list(detail)]
    return " ".join(messages), None


def _as_list(value):
    if isinstance(value, list | tuple):
        return [item for entry in value for item in _as_list(entry)]
    if isinstance(value, dict):
        return [f"{k}: {' '.join(_as_list(v))}" for k, v in value.items()]
    return [value]


def exception_handler(exc, context):
    """Map domain, Django and DRF errors onto `{"code", "detail", ...}` bodies."""
    if isinstance(exc, MetricGateError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, ValidationError):
        fields = getattr(exc, "message_dict", None)
        body = {"code": "invalid", "detail": " ".join(exc.messages)}
        if fields:
            body["fields"] = fields
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        logger.info("integrity error answered as conflict: %s", exc)
        return Response(
            {"code": "conflict", "detail": "The change conflicts with existing data."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError):
        # A value the database cannot store (too long, out of range) is bad input.
        logger.info("data error answered as bad input: %s", exc)
        return Response(
            {"code": "invalid", "detail": "A value does not fit its field."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(exc, exceptions.ValidationError):
        sentence, fields = _validation_detail(exc.detail)
        response.data = {"code": "invalid", "detail": sentence}
        if fields:
            response.data["fields"] = fields
    else:
        detail = (
            response.data.get("detail", "") if isinstance(response.data, dict) else ""
        )
        response.data = {
            "code": code if isinstance(code, str) else "error",
            "detail": str(detail),
        }
    return response
