"""What every usage importer shares: rows with line numbers, mapping, summing.

An importer turns a file into `UsageRow`s (or `BadRow`s), each naming the
vendor identifiers it carries (project, API key, workspace, team, user). The
mapping file turns those into a workflow key; rows are then summed per
workflow and day. People are only counted, never stored.
"""

import bisect
import csv
import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from json import scanner
from json.decoder import JSONObject
from pathlib import Path

# The identifier kinds a mapping file may name, in the order they are tried.
REF_KINDS = ("api_key", "project", "workspace", "user", "team", "workflow")
MAPPING_SECTIONS = {
    "api_keys": "api_key",
    "projects": "project",
    "workspaces": "workspace",
    "users": "user",
    "teams": "team",
}
LINE_KEY = "__line__"


class RowError(ValueError):
    """A row cannot be read; the message says why and, if known, on which line."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


@dataclass
class UsageRow:
    """One vendor row: where it came from, its day, figures and identifiers."""

    line: int
    day: datetime.date
    refs: list  # [(kind, value)], most specific first
    figures: dict
    person: str | None = None
    provisional: bool = False


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int
    reason: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class Mapping:
    """Vendor identifiers to workflow keys, with an optional catch-all."""

    entries: dict = field(default_factory=dict)  # (kind, value) -> workflow key
    default: str | None = None

    def workflow_key(self, refs):
        for kind, value in sorted(refs, key=lambda ref: REF_KINDS.index(ref[0])):
            if kind == "workflow":
                return value
            key = self.entries.get((kind, str(value)))
            if key:
                return key
        return self.default


def describe_refs(refs):
    return ", ".join(f"{kind.replace('_', ' ')} {value}" for kind, value in refs)


# --- Mapping files ---------------------------------------------------------------


def load_mapping(path):
    """Read a JSON mapping ({"projects": {...}, ..., "default": key}) or a CSV one."""
    text = Path(path).read_text(encoding="utf-8")
    if str(path).lower().endswith(".csv"):
        return _csv_mapping(text, path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise RowError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(document, dict):
        raise RowError(f"{path}: the mapping must be a JSON object.")

    mapping = Mapping(default=document.get("default"))
    for section, kind in MAPPING_SECTIONS.items():
        for value, key in (document.get(section) or {}).items():
            mapping.entries[(kind, str(value))] = key
    unknown = set(document) - set(MAPPING_SECTIONS) - {"default"}
    if unknown:
        raise RowError(f"{path}: unknown sections {', '.join(sorted(unknown))}.")
    return mapping


def _csv_mapping(text, path):
    """CSV mapping: columns kind (project, api_key, ...), value, workflow_key."""
    mapping = Mapping()
    reader = csv.DictReader(text.splitlines())
    if set(reader.fieldnames or []) < {"kind", "value", "workflow_key"}:
        raise RowError(f"{path}: needs the columns kind, value, workflow_key.")
    for row in reader:
        kind = row["kind"].strip()
        if kind == "default":
            mapping.default = row["workflow_key"].strip()
        elif kind in REF_KINDS:
            mapping.entries[(kind, row["value"].strip())] = row["workflow_key"].strip()
        else:
            raise RowError(f"{path}:{reader.line_num}: unknown kind {kind!r}.")
    return mapping


# --- JSON that remembers line numbers ----------------------------------------------


class _LineDecoder(json.JSONDecoder):
    """Adds the line each object starts on under LINE_KEY, for error reports."""

    def __init__(self, text):
        super().__init__()
        newlines = [m.start() for m in re.finditer("\n", text)]

        def parse_object(s_and_end, *args, **kwargs):
            obj, end = JSONObject(s_and_end, *args, **kwargs)
            obj[LINE_KEY] = bisect.bisect_left(newlines, s_and_end[1]) + 1
            return obj, end

        self.parse_object = parse_object
        # The C scanner ignores parse_object; the Python one calls it.
        self.scan_once = scanner.py_make_scanner(self)


def load_json(path):
    """Parse a JSON file; each object knows the line it starts on."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        return _LineDecoder(text).decode(text)
    except json.JSONDecodeError as error:
        raise RowError(f"not valid JSON ({error.msg})", line=error.lineno) from error


def pages(document):
    """Vendor exports are one page object or a list of pages; yield the pages."""
    if isinstance(document, list):
        yield from document
    elif isinstance(document, dict):
        yield document
    else:
        raise RowError("expected a page object or a list of pages")


def line_of(obj, fallback=1):
    return obj.get(LINE_KEY, fallback) if isinstance(obj, dict) else fallback


# --- Field readers that explain what is wrong -----------------------------------


def count(obj, name, *, required=True):
    """A whole number ≥ 0 at obj[name]; missing is 0 unless required."""
    value = obj.get(name) if isinstance(obj, dict) else None
    if value is None:
        if required:
            raise RowError(f"missing {name}")
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(f"{name} must be a number, got {value!r}")
    if value < 0 or value != int(value):
        raise RowError(f"{name} must be a whole number ≥ 0, got {value!r}")
    return int(value)


def money(value, name):
    """A decimal ≥ 0 from a number or a decimal string."""
    if isinstance(value, bool) or value is None:
        raise RowError(f"missing {name}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise RowError(f"{name} must be a decimal, got {value!r}") from error
    if not amount.is_finite() or amount < 0:
        raise RowError(f"{name} must be a decimal ≥ 0, got {value!r}")
    return amount


def iso_day(value, name):
    """A date from YYYY-MM-DD or an RFC 3339 timestamp (its UTC day)."""
    if not isinstance(value, str):
        raise RowError(f"{name} must be a date, got {value!r}")
    try:
        if len(value) == 10:
            return datetime.date.fromisoformat(value)
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise RowError(f"{name} is not a date: {value!r}") from error
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    return moment.date()


def unix_day(value, name):
    """The UTC day of a Unix timestamp in seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(f"{name} must be a Unix time in seconds, got {value!r}")
    return datetime.datetime.fromtimestamp(value, tz=datetime.UTC).date()


def bucket_results(day_of):
    """A reader of paged bucket reports: (bucket day or BadRow, result) pairs.

    OpenAI and Anthropic both page `data` buckets holding `results`; only how a
    bucket names its day differs, which `day_of(bucket)` reads.
    """

    def records(path):
        for page in pages(load_json(path)):
            for bucket in page.get("data") or []:
                try:
                    day = day_of(bucket)
                except RowError as error:
                    yield BadRow(str(path), line_of(bucket), str(error)), None
                    continue
                for result in bucket.get("results") or []:
                    yield day, result

    return records


def parse_records(path, records, read):
    """Yield read(day, item) for each (day, item) of records(path), or BadRows.

    A file that is not a report of the expected kind gives one BadRow; an item
    that cannot be read gives a BadRow naming its line.
    """
    try:
        items = list(records(path))
    except RowError as error:
        yield BadRow(str(path), error.line or 1, str(error))
        return
    except (AttributeError, TypeError):
        yield BadRow(str(path), 1, "not a report of this kind (unexpected structure)")
        return
    for day, item in items:
        if isinstance(day, BadRow):
            yield day
            continue
        try:
            yield read(day, item)
        except RowError as error:
            yield BadRow(str(path), line_of(item), str(error))
