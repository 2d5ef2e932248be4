"""Anthropic Admin API: messages usage report, cost report, Claude Code report.

Field names from https://platform.claude.com/docs/en/api/admin/usage_report
(GET /v1/organizations/usage_report/messages and .../claude_code) and
https://platform.claude.com/docs/en/api/admin/cost_report
(GET /v1/organizations/cost_report).

Messages usage: `data` buckets (`starting_at`, `ending_at`) with `results`
holding `uncached_input_tokens`, `cache_read_input_tokens`, `cache_creation`
{`ephemeral_5m_input_tokens`, `ephemeral_1h_input_tokens`} (older exports and
some tools flatten it), `output_tokens`, and when grouped `api_key_id`,
`workspace_id`. The report has no request count.
Cost report: the same buckets; `amount` is a decimal string in the lowest
currency unit ("123.45" USD is $1.23), `currency`, `workspace_id` (null for
the default workspace).
Claude Code: `data` records, one per actor and `date`: `actor` is
{`type`: "user_actor", `email_address`} or {`type`: "api_actor",
`api_key_name`}; `core_metrics.num_sessions`; `model_breakdown[]` with
`tokens` {`input`, `output`, `cache_read`, `cache_creation`} and
`estimated_cost` {`amount` in cents, `currency`}.
"""

from decimal import Decimal

from ..models import UsageSource
from .base import (
    BadRow,
    RowError,
    UsageRow,
    bucket_results,
    count,
    iso_day,
    line_of,
    load_json,
    money,
    pages,
    parse_records,
)

SOURCE = UsageSource.ANTHROPIC
CLAUDE_CODE_SOURCE = UsageSource.CLAUDE_CODE
USAGE_FIELDS = ("tokens_in", "tokens_out")
COST_FIELDS = ("cost_usd",)
CLAUDE_CODE_FIELDS = (
    "tokens_in",
    "tokens_out",
    "cost_usd",
    "request_count",
    "contributor_count",
)
CACHE_WINDOWS = ("ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens")
DEFAULT_WORKSPACE = "default"


def _refs(result):
    refs = []
    if result.get("api_key_id"):
        refs.append(("api_key", result["api_key_id"]))
    # A null workspace_id is the organization's default workspace.
    refs.append(("workspace", result.get("workspace_id") or DEFAULT_WORKSPACE))
    return refs


def _cache_creation(result):
    """Cache-write tokens, whether nested, flattened or given as one total."""
    nested = result.get("cache_creation")
    if isinstance(nested, dict):
        return sum(count(nested, name, required=False) for name in CACHE_WINDOWS)
    if "cache_creation_input_tokens" in result:
        return count(result, "cache_creation_input_tokens")
    flat = {
        name: result.get(name, result.get(f"cache_creation.{name}"))
        for name in CACHE_WINDOWS
    }
    return sum(count(flat, name, required=False) for name in CACHE_WINDOWS)


def _bucket_day(bucket):
    return iso_day(bucket.get("starting_at"), "starting_at")


def _usage(day, result):
    tokens_in = (
        count(result, "uncached_input_tokens")
        + count(result, "cache_read_input_tokens", required=False)
        + _cache_creation(result)
    )
    return UsageRow(
        line=line_of(result),
        day=day,
        refs=_refs(result),
        figures={"tokens_in": tokens_in, "tokens_out": count(result, "output_tokens")},
    )


def _cost(day, result):
    if str(result.get("currency", "USD")).upper() != "USD":
        raise RowError(f"currency {result.get('currency')} is not USD")
    if not isinstance(result.get("amount"), str):
        raise RowError("amount must be a decimal string in cents")
    cents = money(result["amount"], "amount")
    return UsageRow(
        line=line_of(result),
        day=day,
        refs=_refs(result),
        figures={"cost_usd": cents / Decimal(100)},
    )


def parse_usage(path):
    yield from parse_records(path, bucket_results(_bucket_day), _usage)


def parse_costs(path):
    yield from parse_records(path, bucket_results(_bucket_day), _cost)


# --- Claude Code -------------------------------------------------------------------


def _claude_code_records(path):
    for page in pages(load_json(path)):
        for record in page.get("data") or []:
            try:
                yield iso_day(record.get("date"), "date"), record
            except RowError as error:
                yield BadRow(str(path), line_of(record), str(error)), None


def _actor(record):
    """(refs, person): a user counts as a contributor, an API key does not."""
    actor = record.get("actor")
    if not isinstance(actor, dict):
        raise RowError("missing actor")
    if actor.get("type") == "user_actor" and actor.get("email_address"):
        return [("user", actor["email_address"])], actor["email_address"]
    if actor.get("type") == "api_actor" and actor.get("api_key_name"):
        return [("api_key", actor["api_key_name"])], None
    raise RowError(f"unknown actor {actor.get('type')!r}")


def _claude_code(day, record):
    refs, person = _actor(record)
    tokens_in = tokens_out = 0
    cents = Decimal(0)
    for model in record.get("model_breakdown") or []:
        tokens = model.get("tokens") or {}
        tokens_in += count(tokens, "input") + count(
            tokens, "cache_read", required=False
        )
        tokens_in += count(tokens, "cache_creation", required=False)
        tokens_out += count(tokens, "output")
        cost = model.get("estimated_cost") or {}
        if str(cost.get("currency", "USD")).upper() != "USD":
            raise RowError(f"currency {cost.get('currency')} is not USD")
        cents += money(cost.get("amount", 0), "estimated_cost.amount")
    # Sessions are the report's only volume figure; they stand in for requests.
    sessions = count(record.get("core_metrics") or {}, "num_sessions", required=False)
    return UsageRow(
        line=line_of(record),
        day=day,
        refs=refs,
        person=person,
        figures={
            "tokens_in": tokens_in,
            "tokens_out": tokens_out,
            "cost_usd": cents / Decimal(100),
            "request_count": sessions,
        },
    )


def parse_claude_code(path):
    yield from parse_records(path, _claude_code_records, _claude_code)
