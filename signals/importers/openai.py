"""OpenAI organization usage (completions) and costs exports.

Field names from OpenAI's Usage API reference,
https://platform.openai.com/docs/api-reference/usage/completions and
https://platform.openai.com/docs/api-reference/usage/costs (examples in
https://cookbook.openai.com/examples/completions_usage_api): pages with
`data` buckets (`start_time`, `end_time` in Unix seconds) holding `results`.
A completions result has `input_tokens`, `output_tokens`,
`num_model_requests` and, when grouped, `project_id`, `user_id`,
`api_key_id`; a costs result has `amount` {`value`, `currency`} in dollars
and `project_id`.
"""

from ..models import UsageSource
from .base import (
    RowError,
    UsageRow,
    bucket_results,
    count,
    line_of,
    money,
    parse_records,
    unix_day,
)

SOURCE = UsageSource.OPENAI
USAGE_FIELDS = ("tokens_in", "tokens_out", "request_count", "contributor_count")
COST_FIELDS = ("cost_usd",)


def _refs(result):
    refs = []
    for name, kind in (("api_key_id", "api_key"), ("project_id", "project")):
        if result.get(name):
            refs.append((kind, result[name]))
    if result.get("user_id"):
        refs.append(("user", result["user_id"]))
    return refs


def _bucket_day(bucket):
    return unix_day(bucket.get("start_time"), "start_time")


def _usage(day, result):
    # input_tokens already includes cached input tokens, so they are not added.
    return UsageRow(
        line=line_of(result),
        day=day,
        refs=_refs(result),
        person=result.get("user_id"),
        figures={
            "tokens_in": count(result, "input_tokens"),
            "tokens_out": count(result, "output_tokens"),
            "request_count": count(result, "num_model_requests"),
        },
    )


def _cost(day, result):
    amount = result.get("amount")
    if not isinstance(amount, dict):
        raise RowError("missing amount")
    currency = str(amount.get("currency", "usd")).lower()
    if currency != "usd":
        raise RowError(f"currency {currency} is not usd")
    return UsageRow(
        line=line_of(result),
        day=day,
        refs=_refs(result),
        figures={"cost_usd": money(amount.get("value"), "amount.value")},
    )


def parse_usage(path):
    yield from parse_records(path, bucket_results(_bucket_day), _usage)


def parse_costs(path):
    yield from parse_records(path, bucket_results(_bucket_day), _cost)
