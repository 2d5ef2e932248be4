"""JSON API speed: the scorecard endpoint and the streamed audit export.

Builds a registry of 2,000 metrics, 1,000 workflows and 200,000 audit events
(loaded with COPY on PostgreSQL, the hash chain computed in Python), then
reports, each measured side by side in the same run:

- the scorecard endpoint's median time as a ratio to a trivial authenticated
  endpoint (`GET /metric-gate/me`);
- SQL queries per scorecard request with 10 and with 500 metrics;
- the audit export of every event against PostgreSQL's own
  `COPY ... TO STDOUT` of the same rows (and against a row-by-row ORM loop);
- the export's peak Python memory at 10,000 and at 200,000 events.

    .venv/bin/python -m bench.api                        # full sizes
    .venv/bin/python -m bench.api --events 20000 --metrics 300 --rounds 10

Run alone it creates a scratch test database next to DATABASE_URL's and drops
it afterwards; ./scripts/bench calls `measure_api()` in its own environment.
"""

import argparse
import datetime
import gc
import os
import statistics
import time
import tracemalloc

from .common import ensure_metrics, fill_workflow

BENCH_USER = "bench-api-governance"
BENCH_OWNER = "bench-api-owner"
BENCH_WORKFLOW = "bench-api-workflow-00000"
# The worst case: a workflow with figures for every metric in the registry.
BENCH_WIDE_WORKFLOW = "bench-api-workflow-00001"
TYPICAL_FIGURES = 12
UTC = datetime.UTC
# A quarter of the registry is blocked, as in a real one.
METRICS = {"prefix": "bench_api_metric", "reason": "bench: api", "blocked_every": 4}


# --- Building the data ----------------------------------------------------------


def _ensure_users():
    """A governance user with an API token, and the team owner of the workflows."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from registry.choices import Role

    user, _ = User.objects.get_or_create(username=BENCH_USER)
    user.groups.add(Group.objects.get(name=Role.GOVERNANCE))
    owner, _ = User.objects.get_or_create(username=BENCH_OWNER)
    owner.groups.add(Group.objects.get(name=Role.TEAM_OWNER))
    token, _ = Token.objects.get_or_create(user=user)
    return token.key, owner


def _ensure_workflows(count, owner):
    """`count` workflows, in bulk (not governed); the first has 90 days of data."""
    from registry.models import Workflow, WorkflowUserObjectPermission

    existing = set(Workflow.objects.values_list("key", flat=True))
    new = [
        Workflow(key=key, name=key, team=f"team-{index % 40}", owner=owner)
        for index in range(count)
        if (key := f"bench-api-workflow-{index:05d}") not in existing
    ]
    Workflow.objects.bulk_create(new, batch_size=1000)
    _grant_all(owner, new, WorkflowUserObjectPermission)

    for key in (BENCH_WORKFLOW, BENCH_WIDE_WORKFLOW):
        fill_workflow(Workflow.objects.get(key=key))
    return Workflow.objects.get(key=BENCH_WORKFLOW)


def _give_figures(workflow, limit=None):
    """Put figures for up to `limit` bench metrics into the latest snapshot.

    A metric appears on a workflow's scorecard once the workflow has figures
    for it, so this sets how many rows the scorecard shows.
    """
    from registry.models import Metric

    keys = Metric.objects.filter(key__startswith="bench_api_metric_").order_by("key")
    keys = keys.values_list("key", flat=True)[:limit]
    latest = workflow.outcome_snapshots.order_by("-measurement_end").first()
    latest.metric_values = {key: index for index, key in enumerate(keys)}
    latest.save(update_fields=["metric_values"])


def _grant_all(owner, workflows, permission_model):
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(codename="own_workflow")
    permission_model.objects.bulk_create(
        (
            permission_model(user=owner, permission=permission, content_object=wf)
            for wf in workflows
        ),
        batch_size=1000,
    )


def _event_rows(count, prev_hash, start):
    """Audit rows one 400 ms apart from `start`, chained onto `prev_hash`."""
    from registry.audit import compute_hash

    states = ["pending", "approved", "diagnostic_only", "blocked"]
    for index in range(count):
        created_at = start + datetime.timedelta(milliseconds=400 * index)
        row = [
            created_at,
            None,
            "bench-gov",
            "status_changed",
            "registry.metric",
            f"bench-{index % 2000}",
            states[index % 4],
            states[(index + 1) % 4],
            f'bench change {index}, "quoted" reason',
            "api" if index % 3 else "worker",
        ]
        fields = [created_at.isoformat(), *row[1:]]
        digest = compute_hash(prev_hash, fields)
        yield [*row[:6], f"metric {index % 2000}", *row[6:], prev_hash, digest]
        prev_hash = digest


EVENT_COLUMNS = [
    "created_at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "previous_state",
    "next_state",
    "reason",
    "source",
    "prev_hash",
    "hash",
]


def _load_audit_events(count):
    """Append `count` events to the chain in bulk; return their first and last time."""
    from django.db import connection, transaction

    from registry.models import AuditChainHead, AuditEvent

    start = datetime.datetime.now(UTC) - datetime.timedelta(
        milliseconds=400 * count + 60_000
    )
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        rows = _event_rows(count, head.last_hash, start)
        last_hash = _write_events(connection, rows, count)
        head.last_hash = last_hash
        head.event_count += count
        head.last_event_id = AuditEvent.objects.order_by("-id").values("id")[0]["id"]
        head.save()
    return start, start + datetime.timedelta(milliseconds=400 * (count - 1))


def _write_events(connection, rows, count):
    """COPY on PostgreSQL, batched inserts elsewhere; return the last hash."""
    from registry.models import AuditEvent

    table = AuditEvent._meta.db_table
    last = None
    if connection.vendor == "postgresql":
        sql = f"COPY {table} ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                last = row[-1]
        return last
    marks = ", ".join(["%s"] * len(EVENT_COLUMNS))
    sql = f"INSERT INTO {table} ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})"
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                batch.clear()
            last = row[-1]
        cursor.executemany(sql, batch)
    return last


# --- Measuring ---------------------------------------------------------------


def _get(client, url, token):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gc.collect()  # so no request pays for the previous one's garbage
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url, HTTP_AUTHORIZATION=f"Token {token}")
        if response.streaming:
            for _chunk in response.streaming_content:
                pass
        elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed, len(queries)


def _scorecard_url(workflow):
    return f"/metric-gate/scorecard?workflow_id={workflow.key}"


def measure_scorecard(client, token, workflow, wide_workflow, rounds):
    """Median times of the scorecards and of /me, requested in turn each round."""
    urls = {
        "trivial (GET /me)": "/metric-gate/me",
        f"scorecard, {TYPICAL_FIGURES} metrics": _scorecard_url(workflow),
        "scorecard, every metric": _scorecard_url(wide_workflow),
    }
    times = {name: [] for name in urls}
    queries = {}
    for round_number in range(rounds + 1):
        for name, url in urls.items():
            elapsed, count = _get(client, url, token)
            if round_number:  # the first round only warms caches up
                times[name].append(elapsed)
            queries[name] = count
    base = statistics.median(times["trivial (GET /me)"])
    return {
        name: {
            "median_ms": round(statistics.median(samples) * 1000, 2),
            "ratio": round(statistics.median(samples) / base, 2),
            "queries": queries[name],
        }
        for name, samples in times.items()
    }


def scorecard_queries(client, token, workflow, metric_count):
    ensure_metrics(metric_count, **METRICS)
    _give_figures(workflow)
    _get(client, _scorecard_url(workflow), token)  # warm up
    return _get(client, _scorecard_url(workflow), token)[1]


def _raw_copy_seconds():
    """PostgreSQL's own COPY of the same rows and columns, read and discarded."""
    from django.db import connection

    sql = (
        "COPY (SELECT id, created_at, actor_username, action, object_type, "
        "object_id, previous_state, next_state, reason, source "
        "FROM registry_auditevent ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)"
    )
    start = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for _block in copy:
            pass
    return time.perf_counter() - start


def _json_copy_seconds():
    """COPY of the very JSON rows the export streams: PostgreSQL's share of it."""
    from django.db import connection

    from api.audit_export import copy_sql

    sql, params = copy_sql(None, None, "json")
    start = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(sql, params) as copy:
        for _block in copy:
            pass
    return time.perf_counter() - start


def _orm_loop_seconds():
    """The row-by-row path (what SQLite uses), timed on the same database."""
    from api.audit_export import _iterator_stream

    start = time.perf_counter()
    for _chunk in _iterator_stream(None, None, "csv"):
        pass
    return time.perf_counter() - start


def measure_export(client, token, rounds):
    """Median seconds of the CSV and JSON exports of every event, and the floors."""
    from django.db import connection

    timings = {
        "export csv": [],
        "export json": [],
        "COPY": [],
        "COPY of json rows": [],
        "ORM loop": [],
    }
    postgres = connection.vendor == "postgresql"
    for _ in range(rounds):
        timings["export csv"].append(
            _get(client, "/metric-gate/audit-events?format=csv", token)[0]
        )
        timings["export json"].append(
            _get(client, "/metric-gate/audit-events?format=json", token)[0]
        )
        if postgres:
            timings["COPY"].append(_raw_copy_seconds())
            timings["COPY of json rows"].append(_json_copy_seconds())
            timings["ORM loop"].append(_orm_loop_seconds())
    return {
        name: statistics.median(values) for name, values in timings.items() if values
    }


def export_peak_memory(client, token, since=None, until=None, fmt="csv"):
    """Peak Python memory (bytes) while streaming one export to its end."""
    from urllib.parse import urlencode

    params = {"format": fmt}
    if since is not None:
        params["since"] = since.isoformat()
    if until is not None:
        params["until"] = until.isoformat()
    url = f"/metric-gate/audit-events?{urlencode(params)}"
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        _get(client, url, token)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure_api(
    *, metrics=2000, workflows=1000, events=200_000, small=10_000, rounds=30
):
    """Build the data set, measure side by side, and return the figures."""
    from django.db import connection
    from django.test import Client

    from registry.audit import verify_chain
    from registry.models import AuditEvent, Workflow

    client = Client()
    token, owner = _ensure_users()
    load_start = time.perf_counter()
    first, last = _load_audit_events(events)
    load_seconds = time.perf_counter() - load_start
    workflow = _ensure_workflows(workflows, owner)
    wide_workflow = Workflow.objects.get(key=BENCH_WIDE_WORKFLOW)

    queries = {
        size: scorecard_queries(client, token, wide_workflow, size)
        for size in (10, 500)
    }
    ensure_metrics(metrics, **METRICS)
    _give_figures(workflow, limit=TYPICAL_FIGURES)
    _give_figures(wide_workflow)
    scorecard = measure_scorecard(client, token, workflow, wide_workflow, rounds)
    export = measure_export(client, token, rounds=max(3, rounds // 10))
    small_since = first + datetime.timedelta(milliseconds=400 * (events - small))
    memory = {
        f"{small} events": export_peak_memory(
            client, token, since=small_since, until=last + datetime.timedelta(1)
        ),
        f"all {AuditEvent.objects.count()} events": export_peak_memory(client, token),
        "all events, json": export_peak_memory(client, token, fmt="json"),
    }
    return {
        "database": connection.vendor,
        "sizes": {"metrics": metrics, "workflows": workflows, "events": events},
        "load_seconds": round(load_seconds, 2),
        "chain_intact": verify_chain() is None,
        "scorecard": scorecard,
        "scorecard_queries": queries,
        "export_seconds": {name: round(value, 3) for name, value in export.items()},
        "export_peak_bytes": memory,
    }


def report(results, *, out=print):
    sizes = results["sizes"]
    out(
        f"JSON API on {results['database']}: {sizes['metrics']} metrics, "
        f"{sizes['workflows']} workflows, {sizes['events']} bench audit events "
        f"(loaded in {results['load_seconds']} s, chain intact: "
        f"{results['chain_intact']})"
    )
    for name, row in results["scorecard"].items():
        out(
            f"  {name:<22} {row['median_ms']:>9.2f} ms  x{row['ratio']:<6} "
            f"{row['queries']} queries"
        )
    for size, count in results["scorecard_queries"].items():
        out(f"  scorecard queries at {size:>4} metrics: {count}")
    export = results["export_seconds"]
    copy = export.get("COPY")
    for name, seconds in export.items():
        ratio = f"  x{seconds / copy:.2f} of COPY" if copy else ""
        out(f"  {name:<22} {seconds:>9.3f} s{ratio}")
    for name, peak in results["export_peak_bytes"].items():
        out(f"  export peak memory, {name:<24} {peak / 1024:>9.0f} KiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, default=2000)
    parser.add_argument("--workflows", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--small-events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metricgate.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        # A name of its own, so a pytest run on the same server keeps its database.
        connection.settings_dict["TEST"]["NAME"] = f"test_{old_name}_apibench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        results = measure_api(
            metrics=options.metrics,
            workflows=options.workflows,
            events=options.events,
            small=options.small_events,
            rounds=options.rounds,
        )
        report(results)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
