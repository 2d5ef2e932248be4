"""Stream the audit trail of a time range as CSV or JSON, with flat memory.

On PostgreSQL the rows come straight out of `COPY ... TO STDOUT` (psycopg 3's
`cursor.copy()`), so Python never builds a row object; on SQLite an iterator
fetches them in chunks. Both produce the same columns in the same format.
"""

import csv
import datetime
import io
import json
import logging

from django.db import connection
from django.utils import dateparse

from registry.errors import InvalidInput
from registry.models import AuditEvent

logger = logging.getLogger(__name__)

COLUMNS = [
    "id",
    "timestamp",
    "actor",
    "action",
    "object_type",
    "object_id",
    "previous_state",
    "next_state",
    "reason",
    "source",
]
CHUNK_BYTES = 64 * 1024
FETCH_ROWS = 2000
UTC = datetime.UTC


# --- The time range ----------------------------------------------------------


def parse_moment(raw, name, *, end_of_day=False):
    """Parse an ISO date or datetime (naive means UTC); None when not given."""
    if raw in (None, ""):
        return None
    try:
        day = dateparse.parse_date(raw)
        if day is not None:
            if end_of_day:
                day += datetime.timedelta(days=1)
            moment = datetime.datetime.combine(day, datetime.time())
        else:
            moment = dateparse.parse_datetime(raw)
        if moment is None:
            raise ValueError(raw)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise InvalidInput(
            f"{name} must be an ISO 8601 date or datetime, got {raw!r}.",
            code=f"invalid_{name}",
        ) from error


def parse_window(since_raw, until_raw):
    """Return (since, until): since inclusive, until exclusive, either None."""
    since = parse_moment(since_raw, "since")
    # A bare date as the end means "up to and including that day".
    until = parse_moment(until_raw, "until", end_of_day=True)
    if since and until and since >= until:
        raise InvalidInput("since must be before until.", code="invalid_range")
    return since, until


# --- Streaming -----------------------------------------------------------------


def stream_events(*, since, until, fmt):
    """Yield the export as byte chunks of about CHUNK_BYTES."""
    if connection.vendor == "postgresql":
        return _copy_stream(since, until, fmt)
    return _iterator_stream(since, until, fmt)


def _where(since, until, placeholder):
    conditions, params = [], []
    if since is not None:
        conditions.append(f"created_at >= {placeholder}")
        params.append(since)
    if until is not None:
        conditions.append(f"created_at < {placeholder}")
        params.append(until)
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), params


def select_sql(since, until):
    """The export's SELECT on PostgreSQL, with its parameters."""
    where, params = _where(since, until, "%s")
    sql = (
        "SELECT id, "
        "to_char(created_at AT TIME ZONE 'UTC', "
        '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\') AS timestamp, '
        "COALESCE(NULLIF(actor_username, ''), 'system') AS actor, "
        "action, object_type, object_id, previous_state, next_state, reason, source "
        f"FROM {AuditEvent._meta.db_table}{where} ORDER BY id"
    )
    return sql, params


def copy_sql(since, until, fmt):
    """The COPY statement that writes the export's rows, with its parameters."""
    sql, params = select_sql(since, until)
    if fmt == "csv":
        return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)", params
    # One JSON object per line: with quote and delimiter bytes that JSON text
    # never holds raw, CSV mode passes each object through untouched.
    return (
        f"COPY (SELECT row_to_json(e)::text FROM ({sql}) e) TO STDOUT "
        "WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')",
        params,
    )


def _copy_stream(since, until, fmt):
    statement, params = copy_sql(since, until, fmt)
    as_json = fmt == "json"
    blocks, size = [], 0
    separator = b"\n"
    if as_json:
        yield b"["
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        # COPY hands over one row per block: gather blocks, join them per chunk.
        for block in copy:
            blocks.append(block)
            size += len(block)
            if size >= CHUNK_BYTES:
                yield _chunk(blocks, as_json, separator)
                blocks, size, separator = [], 0, b",\n"
    if blocks:
        yield _chunk(blocks, as_json, separator)
    if as_json:
        yield b"\n]\n"


def _chunk(blocks, as_json, separator):
    """Join COPY blocks; for JSON, turn row ends into commas between objects."""
    data = b"".join(blocks)
    if not as_json:
        return data
    # Each JSON row ends in a newline and holds none inside (JSON escapes them).
    return separator + data[:-1].replace(b"\n", b",\n")


def _rows(since, until):
    events = AuditEvent.objects.order_by("id")
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    fields = [
        "id",
        "created_at",
        "actor_username",
        *COLUMNS[3:],
    ]
    for row in events.values_list(*fields).iterator(chunk_size=FETCH_ROWS):
        created_at = row[1].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        yield (row[0], created_at, row[2] or "system", *row[3:])


def _iterator_stream(since, until, fmt):
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        write = writer.writerow
    else:
        buffer.write("[")
        separator = "\n"

        def write(row):
            nonlocal separator
            buffer.write(separator)
            event = dict(zip(COLUMNS, row, strict=True))
            buffer.write(json.dumps(event, separators=(",", ":"), ensure_ascii=False))
            separator = ",\n"

    for row in _rows(since, until):
        write(row)
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if fmt == "json":
        buffer.write("\n]\n")
    yield buffer.getvalue().encode()
