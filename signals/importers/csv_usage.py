"""The Metric Gate CSV format (README "Importing usage").

Columns: workflow_key, day (YYYY-MM-DD), tokens_in, tokens_out, cost_usd,
requests, and optionally contributors (how many people the day's usage came
from). One row per workflow and day; rows for the same day are summed.
"""

import csv

from ..models import UsageSource
from .base import BadRow, RowError, UsageRow, iso_day, money

REQUIRED = ("workflow_key", "day", "tokens_in", "tokens_out", "cost_usd", "requests")
SOURCE = UsageSource.CSV
FIELDS = ("tokens_in", "tokens_out", "cost_usd", "request_count", "contributor_count")


def _whole(row, name, required=True):
    raw = (row.get(name) or "").strip()
    if not raw:
        if required:
            raise RowError(f"missing {name}")
        return 0
    if not raw.isdigit():
        raise RowError(f"{name} must be a whole number ≥ 0, got {raw!r}")
    return int(raw)


def _read(row, line):
    key = (row.get("workflow_key") or "").strip()
    if not key:
        raise RowError("missing workflow_key")
    return UsageRow(
        line=line,
        day=iso_day((row.get("day") or "").strip(), "day"),
        refs=[("workflow", key)],
        figures={
            "tokens_in": _whole(row, "tokens_in"),
            "tokens_out": _whole(row, "tokens_out"),
            "cost_usd": money((row.get("cost_usd") or "").strip() or None, "cost_usd"),
            "request_count": _whole(row, "requests"),
            "contributor_count": _whole(row, "contributors", required=False),
        },
    )


def parse(path):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            yield BadRow(str(path), 1, f"header lacks {', '.join(missing)}")
            return
        for row in reader:
            try:
                yield _read(row, reader.line_num)
            except RowError as error:
                yield BadRow(str(path), reader.line_num, str(error))
