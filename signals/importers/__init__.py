"""Usage importers: read a file, map rows to workflows, sum per day, store.

`import_usage()` is what the `import_usage` command calls. A file with bad
rows imports nothing unless `skip_bad_rows` is set; re-importing the same
file writes the same figures over the same rows, so nothing changes.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.utils import timezone

from registry.errors import InvalidInput
from registry.models import Workflow

from ..services import DiagnosticDay, record_diagnostics
from . import anthropic, copilot, csv_usage, openai
from .base import BadRow, Mapping, RowError, describe_refs, load_mapping

logger = logging.getLogger(__name__)

__all__ = ["FORMATS", "ImportRejected", "ImportReport", "import_usage", "RowError"]


@dataclass(frozen=True)
class Format:
    parse: object  # path -> iterable of UsageRow | BadRow
    source: str
    fields: tuple
    needs_mapping: bool = True


FORMATS = {
    "csv": Format(csv_usage.parse, csv_usage.SOURCE, csv_usage.FIELDS, False),
    "openai-usage": Format(openai.parse_usage, openai.SOURCE, openai.USAGE_FIELDS),
    "openai-costs": Format(openai.parse_costs, openai.SOURCE, openai.COST_FIELDS),
    "anthropic-usage": Format(
        anthropic.parse_usage, anthropic.SOURCE, anthropic.USAGE_FIELDS
    ),
    "anthropic-costs": Format(
        anthropic.parse_costs, anthropic.SOURCE, anthropic.COST_FIELDS
    ),
    "claude-code": Format(
        anthropic.parse_claude_code,
        anthropic.CLAUDE_CODE_SOURCE,
        anthropic.CLAUDE_CODE_FIELDS,
    ),
    "copilot": Format(copilot.parse, copilot.SOURCE, copilot.FIELDS),
}


class ImportRejected(InvalidInput):
    """The file has bad rows and skipping them was not asked for."""

    code = "bad_rows"

    def __init__(self, bad_rows):
        super().__init__(
            f"{len(bad_rows)} bad row(s); nothing was imported.",
            bad_rows=[str(row) for row in bad_rows],
        )
        self.bad_rows = bad_rows


@dataclass
class ImportReport:
    rows_read: int = 0
    days_written: int = 0
    workflows: int = 0
    bad_rows: list = field(default_factory=list)


def _parser(fmt, today):
    if fmt.source == copilot.SOURCE:
        days = settings.USAGE_PROVISIONAL_DAYS.get("copilot", 0)
        return partial(fmt.parse, today=today, provisional_days=days)
    return fmt.parse


def _assign(rows, mapping, path):
    """Pair each row with its workflow key, or turn it into a bad row."""
    assigned, bad = [], []
    for row in rows:
        key = mapping.workflow_key(row.refs)
        if key:
            assigned.append((key, row))
        else:
            reason = f"no mapping for {describe_refs(row.refs) or 'this row'}"
            bad.append(BadRow(str(path), row.line, reason))

    known = Workflow.objects.in_bulk({key for key, _ in assigned}, field_name="key")
    kept = []
    for key, row in assigned:
        if key in known:
            kept.append((known[key], row))
        else:
            bad.append(BadRow(str(path), row.line, f"no workflow with key {key}"))
    return kept, bad


def _sum_days(assigned):
    """Sum rows per workflow and day; people are counted, never kept."""
    totals = defaultdict(lambda: defaultdict(int))
    people = defaultdict(set)
    provisional = defaultdict(bool)
    for workflow, row in assigned:
        slot = (workflow, row.day)
        for name, value in row.figures.items():
            totals[slot][name] += value
        if row.person:
            people[slot].add(row.person)
        provisional[slot] |= row.provisional

    days = []
    for (workflow, day), figures in totals.items():
        contributors = figures.get("contributor_count", 0) + len(
            people[(workflow, day)]
        )
        days.append(
            DiagnosticDay(
                workflow=workflow,
                day=day,
                tokens_in=figures.get("tokens_in", 0),
                tokens_out=figures.get("tokens_out", 0),
                cost_usd=Decimal(figures.get("cost_usd", 0)),
                request_count=figures.get("request_count", 0),
                contributor_count=contributors,
                provisional=provisional[(workflow, day)],
            )
        )
    return days


def import_usage(
    path, *, format, mapping_path=None, skip_bad_rows=False, progress=None, today=None
):
    """Import one file; raise ImportRejected when it has bad rows and none may skip.

    `progress` wraps the row iterator (a tqdm bar on a terminal).
    """
    fmt = FORMATS[format]
    mapping = load_mapping(mapping_path) if mapping_path else Mapping()
    if fmt.needs_mapping and not mapping_path:
        raise InvalidInput(f"The {format} format needs --mapping.", code="no_mapping")

    parsed = _parser(fmt, today or timezone.localdate())(path)
    rows, bad = [], []
    for item in progress(parsed) if progress else parsed:
        (bad if isinstance(item, BadRow) else rows).append(item)
    assigned, unmapped = _assign(rows, mapping, path)
    bad = sorted(bad + unmapped, key=lambda row: row.line)
    if bad and not skip_bad_rows:
        raise ImportRejected(bad)

    days = _sum_days(assigned)
    written = record_diagnostics(
        actor=None, source="cli", usage_source=fmt.source, rows=days, fields=fmt.fields
    )
    report = ImportReport(
        rows_read=len(rows) + len(bad) - len(unmapped),
        days_written=written,
        workflows=len({day.workflow.pk for day in days}),
        bad_rows=bad,
    )
    logger.info(
        "usage imported file=%s format=%s rows=%s days=%s skipped=%s",
        path,
        format,
        report.rows_read,
        written,
        len(bad),
    )
    return report
