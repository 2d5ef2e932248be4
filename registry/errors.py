"""Domain errors: every refusal carries a machine code and a human sentence.

The API turns them into JSON (`{"code", "detail", ...}`) and the pages into
form errors or messages, so both speak with one voice.
"""


class MetricGateError(Exception):
    """Base of all refusals; `status` is the HTTP status the API answers with."""

    status = 400
    code = "invalid"

    def __init__(self, detail, *, code=None, **extra):
        super().__init__(detail)
        self.detail = str(detail)
        if code:
            self.code = code
        self.extra = extra

    def as_dict(self):
        return {"code": self.code, "detail": self.detail, **self.extra}


class InvalidInput(MetricGateError):
    status = 400
    code = "invalid"


class NotFound(MetricGateError):
    """Raised also when the object exists but lies outside the user's rights."""

    status = 404
    code = "not_found"


class PermissionRefused(MetricGateError):
    status = 403
    code = "permission_denied"


class GateRefusal(PermissionRefused):
    """The gate said no; `metric_key` is always part of the body."""


class Conflict(MetricGateError):
    status = 409
    code = "conflict"
