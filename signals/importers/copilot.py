"""GitHub Copilot usage metrics: the per-user, per-day NDJSON report.

Field names from https://docs.github.com/en/copilot/reference/copilot-usage-metrics
and its example schema
https://docs.github.com/en/copilot/reference/copilot-usage-metrics/example-schema:
one JSON object a line with `day`, `user_id`, `user_login`,
`user_initiated_interaction_count` and, for Copilot CLI users,
`totals_by_cli` {`request_count`, `token_usage` {`prompt_tokens_sum`,
`output_tokens_sum`}}. The reports carry no cost. The legacy metrics API
(retired in 2026) is not read: its exports have no per-day token figures.
"""

import datetime
import json

from ..models import UsageSource
from .base import BadRow, RowError, UsageRow, count, iso_day

SOURCE = UsageSource.COPILOT
FIELDS = ("tokens_in", "tokens_out", "request_count", "contributor_count")


def _read(record, line, settled_before):
    if not isinstance(record, dict):
        raise RowError("each line must be a JSON object")
    day = iso_day(record.get("day"), "day")
    login = record.get("user_login")
    if not login:
        raise RowError("missing user_login")
    cli = record.get("totals_by_cli") or {}
    tokens = cli.get("token_usage") or {}
    refs = [("user", login)]
    if record.get("user_id") is not None:
        refs.append(("user", str(record["user_id"])))
    return UsageRow(
        line=line,
        day=day,
        refs=refs,
        person=login,
        provisional=day >= settled_before,
        figures={
            "tokens_in": count(tokens, "prompt_tokens_sum", required=False),
            "tokens_out": count(tokens, "output_tokens_sum", required=False),
            "request_count": count(
                record, "user_initiated_interaction_count", required=False
            )
            + count(cli, "request_count", required=False),
        },
    )


def parse(path, *, today, provisional_days):
    """Rows of the report; days within `provisional_days` of today are provisional."""
    settled_before = today - datetime.timedelta(days=provisional_days)
    with open(path, encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                yield _read(json.loads(text), line, settled_before)
            except json.JSONDecodeError as error:
                yield BadRow(str(path), line, f"not valid JSON ({error.msg})")
            except RowError as error:
                yield BadRow(str(path), line, str(error))
