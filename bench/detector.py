"""Benchmark of the gaming detector on PostgreSQL (issue 4, "Speed").

Loads N workflows with D days of diagnostics each (COPY) plus an outcome
snapshot per workflow into a throwaway database, then prints, side by side
in one run:

- the detector's compute time against one hand-written SQL query computing
  the same windows (the floor), as a ratio;
- a full run with 1 and with 2 Celery workers on Redis;
- how the time grows from the smallest to the largest size;
- the queries per batch, for several batch sizes.

    .venv/bin/python -m bench.detector                       # 1,000 -> 10,000
    .venv/bin/python -m bench.detector --sizes 200,1000 --workers 1  # quick

The database named by --database-url is created if missing and filled; do
not point it at one you care about.
"""

import argparse
import datetime
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mg_detector_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/2"
AS_OF = datetime.date(2026, 11, 30)

COPY_SQL = (
    "COPY signals_tokencostdiagnostic (id, workflow_id, day, source, tokens_in, "
    "tokens_out, cost_usd, request_count, contributor_count, diagnostic_only, "
    "provisional, imported_at) FROM STDIN"
)
FLOOR_SQL = """
WITH usage AS (
    SELECT workflow_id,
        SUM(cost_usd) FILTER (WHERE day >= %(recent)s) AS recent_cost,
        SUM(cost_usd) FILTER (WHERE day <= %(base_end)s) AS baseline_cost,
        SUM(request_count) FILTER (WHERE day >= %(recent)s) AS recent_requests,
        SUM(request_count) FILTER (WHERE day <= %(base_end)s) AS baseline_requests,
        SUM(tokens_in + tokens_out) FILTER (WHERE day >= %(recent)s) AS recent_tokens,
        COUNT(DISTINCT day) FILTER (WHERE day <= %(base_end)s) AS baseline_days,
        MIN(day) FILTER (WHERE day <= %(base_end)s) AS baseline_first_day,
        AVG((tokens_in + tokens_out)::float8 / request_count)
            FILTER (WHERE day >= %(recent)s AND request_count > 0) AS per_request_mean,
        STDDEV_POP((tokens_in + tokens_out)::float8 / request_count)
            FILTER (WHERE day >= %(recent)s AND request_count > 0) AS per_request_sd
    FROM signals_tokencostdiagnostic
    WHERE NOT provisional AND day BETWEEN %(base_start)s AND %(as_of)s
    GROUP BY workflow_id
), outcomes AS (
    SELECT workflow_id,
        COUNT(*) AS snapshots,
        MIN(quality_score_delta) AS worst_quality,
        MAX(task_completion_delta) FILTER (WHERE measurement_end >= %(recent)s),
        MAX(validated_time_saved_minutes) FILTER (WHERE measurement_end >= %(recent)s),
        MAX(quality_score_delta) FILTER (WHERE measurement_end >= %(recent)s),
        MAX(customer_satisfaction_delta) FILTER (WHERE measurement_end >= %(recent)s)
    FROM signals_outcomesnapshot
    WHERE measurement_end >= %(base_start)s AND measurement_start <= %(as_of)s
    GROUP BY workflow_id
)
SELECT *,
    (SELECT percentile_disc(%(quantile)s) WITHIN GROUP (ORDER BY recent_tokens)
     FROM usage) AS usage_threshold
FROM usage LEFT JOIN outcomes USING (workflow_id)
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="workflow counts")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--workers", default="1,2", help="worker counts; '' skips")
    parser.add_argument("--repeat", type=int, default=7, help="best of N timings")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="keep the data of the last run and time only its size",
    )
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    return parser.parse_args(argv)


# --- Set-up -----------------------------------------------------------------------


def setup_django(database_url, batch_size):
    """Point Django at the bench database, create it if needed, migrate it."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DETECTOR_BATCH_SIZE"] = str(batch_size)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metricgate.settings")
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        os.environ.pop(name, None)  # in-process runs here; workers get their own
    _create_database(database_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_database(database_url):
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def reset_data():
    """Empty the tables the bench fills (a throwaway database)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE signals_detectorbatch, signals_detectorrun, "
            "signals_historicalgamingsignal, signals_gamingsignal, "
            "signals_tokencostdiagnostic, signals_outcomesnapshot, "
            "registry_workflowuserobjectpermission, registry_workflow CASCADE"
        )


def _owner():
    from django.contrib.auth.models import User

    user, _ = User.objects.get_or_create(username="bench-owner")
    return user


def load(first, last, days, rng):
    """Add workflows [first, last) with `days` days of usage and one snapshot."""
    from django.db import connection

    from registry.models import Workflow
    from signals.models import OutcomeSnapshot

    owner = _owner()
    workflows = [
        Workflow(key=f"bench-{n:06d}", name=f"Bench {n}", team="Bench", owner=owner)
        for n in range(first, last)
    ]
    Workflow.objects.bulk_create(workflows, batch_size=2000)

    snapshots = []
    connection.ensure_connection()
    for start in range(0, len(workflows), 1000):
        buffer = io.StringIO()
        for workflow in workflows[start : start + 1000]:
            shape = _shape(rng)
            _usage_lines(buffer, workflow.pk, days, shape, rng)
            snapshots.append(_snapshot(workflow, shape, rng))
        with connection.connection.cursor() as cursor, cursor.copy(COPY_SQL) as copy:
            copy.write(buffer.getvalue())
    OutcomeSnapshot.objects.bulk_create(snapshots, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _shape(rng):
    """Most workflows are steady; a few spike, loop or lose quality."""
    roll = rng.random()
    if roll < 0.02:
        return "spike"
    if roll < 0.025:
        return "loop"
    if roll < 0.12:
        return "low_quality"
    return "steady"


def _usage_lines(buffer, workflow_id, days, shape, rng):
    cost = rng.uniform(5, 50)
    requests = rng.uniform(50, 500)
    per_request = rng.uniform(500, 3000)
    now = "2026-12-01 00:00:00+00"
    for offset in range(days):
        day = AS_OF - datetime.timedelta(days=days - 1 - offset)
        recent = (AS_OF - day).days < 7
        scale = 3.0 if recent and shape == "spike" else 1.0
        loop = recent and shape == "loop"
        day_requests = int(requests * (8 if loop else 1) * rng.uniform(0.85, 1.15))
        tokens = int(
            day_requests * per_request * (1 if loop else rng.uniform(0.8, 1.2))
        )
        day_cost = cost * scale * rng.uniform(0.85, 1.15)
        buffer.write(
            f"{uuid.uuid4().hex}\t{workflow_id.hex}\t{day}\tapi\t{tokens * 4 // 5}\t"
            f"{tokens // 5}\t{day_cost:.4f}\t{day_requests}\t6\tt\tf\t{now}\n"
        )


def _snapshot(workflow, shape, rng):
    from decimal import Decimal

    from signals.models import OutcomeSnapshot

    quality = (
        rng.uniform(-0.08, -0.01) if shape == "low_quality" else rng.uniform(0, 0.04)
    )
    lift = shape not in ("spike", "loop")
    return OutcomeSnapshot(
        workflow=workflow,
        baseline_start=AS_OF - datetime.timedelta(days=59),
        baseline_end=AS_OF - datetime.timedelta(days=30),
        measurement_start=AS_OF - datetime.timedelta(days=29),
        measurement_end=AS_OF,
        task_completion_delta=Decimal(
            f"{rng.uniform(0.01, 0.05):.4f}" if lift else "0"
        ),
        validated_time_saved_minutes=0,
        quality_score_delta=Decimal(f"{quality:.4f}") if lift else Decimal("0"),
    )


# --- Measurements ---------------------------------------------------------------------


def _seconds(action):
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def paired_best(repeat, first, second):
    """Best time of each action, run alternately so drift hits both alike."""
    timings = [(_seconds(first), _seconds(second)) for _ in range(repeat)]
    return min(t[0] for t in timings), min(t[1] for t in timings)


def floor_query(as_of):
    from django.db import connection

    from signals.detector import run_params

    params = run_params(as_of)
    values = {
        "recent": params["recent_start"],
        "base_start": params["baseline_start"],
        "base_end": params["baseline_end"],
        "as_of": params["as_of"],
        "quantile": params["usage_quantile"],
    }
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, values)
        return len(cursor.fetchall())


def detector_compute(as_of, batch_size):
    """Run-wide figures plus every batch's evaluation, in one process, no writes."""
    from registry.models import Workflow
    from signals.detector import evaluate, run_params

    params = run_params(as_of)
    ids = list(Workflow.objects.order_by("id").values_list("id", flat=True))
    findings = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        findings += len(evaluate(params, chunk[0], chunk[-1]))
    return findings


def queries_per_batch(as_of, batch_sizes):
    """SQL statements one batch evaluation runs, by batch size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.models import Workflow
    from signals.detector import evaluate, run_params

    params = run_params(as_of)
    ids = list(Workflow.objects.order_by("id").values_list("id", flat=True))
    counts = {}
    for size in batch_sizes:
        chunk = ids[:size]
        with CaptureQueriesContext(connection) as captured:
            evaluate(params, chunk[0], chunk[-1])
        counts[size] = len(captured.captured_queries)
    return counts


@contextmanager
def workers(count, database_url, redis_url, batch_size):
    """Start `count` Celery worker processes (one task at a time each)."""
    env = os.environ | {
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "REDIS_URL": redis_url,
        "DETECTOR_BATCH_SIZE": str(batch_size),
        "LOG_LEVEL": "WARNING",
    }
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "metricgate",
                "worker",
                "--pool=solo",
                f"--hostname=bench{n}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]
    try:
        _wait_until_ready(count, redis_url)
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _wait_until_ready(count, redis_url, timeout=120):
    """Block until `count` workers answer a ping, so start-up is not timed."""
    from celery import Celery

    control = Celery(broker=redis_url).control
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(control.ping(timeout=0.5)) >= count:
            return
    raise TimeoutError(f"{count} worker(s) did not start")


def timed_worker_run(as_of, redis_url, timeout=1800):
    """Send the nightly task; seconds until its run reports finished."""
    from celery import Celery

    from signals.models import DetectorRun

    known = set(DetectorRun.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    Celery(broker=redis_url).send_task(
        "signals.run_detector", kwargs={"as_of": as_of.isoformat()}
    )
    while time.perf_counter() - started < timeout:
        run = DetectorRun.objects.exclude(pk__in=known).first()
        if run and run.finished_at:
            return time.perf_counter() - started, run
        time.sleep(0.05)
    raise TimeoutError("the workers did not finish the run")


def forget_signals():
    """Drop every signal (throwaway database) so a timed run writes them all."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE signals_gamingsignal, signals_historicalgamingsignal CASCADE"
        )


def _purge(redis_url):
    from celery import Celery

    Celery(broker=redis_url).control.purge()


# --- The run -------------------------------------------------------------------


def run_benchmark(
    *,
    sizes=(1000, 10000),
    days=120,
    batch_size=500,
    worker_counts=(1, 2),
    repeat=7,
    database_url=DEFAULT_DB,
    redis_url=DEFAULT_REDIS,
    reuse_data=False,
    out=print,
):
    """Run every measurement and return the figures; `out` prints progress."""
    setup_django(database_url, batch_size)
    from registry.models import Workflow

    if reuse_data:
        sizes = [Workflow.objects.count()]
    else:
        reset_data()
    rng = random.Random(20261203)
    results = {"days": days, "batch_size": batch_size, "sizes": {}}
    loaded = 0

    for size in sorted(sizes):
        if not reuse_data:
            started = time.perf_counter()
            load(loaded, size, days, rng)
            loaded = size
            seconds = time.perf_counter() - started
            out(f"loaded {size} workflows × {days} days in {seconds:.1f}s")
        floor_query(AS_OF)  # warm the cache for both sides alike
        floor, compute = paired_best(
            repeat,
            lambda: floor_query(AS_OF),
            lambda: detector_compute(AS_OF, batch_size),
        )
        figures = {"floor_s": floor, "detector_s": compute, "ratio": compute / floor}
        out(
            f"{size:>6} workflows: floor {floor:.3f}s, detector {compute:.3f}s, "
            f"ratio {compute / floor:.2f}"
        )
        results["sizes"][size] = figures

    small, large = min(sizes), max(sizes)
    if small != large:
        grow, floor_grow = (
            results["sizes"][large][key] / results["sizes"][small][key]
            for key in ("detector_s", "floor_s")
        )
        results["growth"] = {
            "size_ratio": large / small,
            "time_ratio": grow,
            "floor_time_ratio": floor_grow,
        }
        out(
            f"growth {small} → {large}: size ×{large / small:.0f}, detector time "
            f"×{grow:.2f}, floor time ×{floor_grow:.2f}"
        )

    counts = queries_per_batch(AS_OF, [s for s in (50, batch_size, 2000) if s <= large])
    results["queries_per_batch"] = counts
    out(f"queries per batch evaluation by batch size: {counts}")

    results["workers"] = {}
    for offset, count in enumerate(worker_counts):
        _purge(redis_url)
        with workers(count, database_url, redis_url, batch_size):
            # An untimed run first: each worker process imports and connects once.
            timed_worker_run(AS_OF - datetime.timedelta(days=10 + offset), redis_url)
            # The same run for every worker count: first with every signal new,
            # then again, when the database refuses each one as a duplicate.
            forget_signals()
            first, run = timed_worker_run(AS_OF, redis_url)
            repeat_seconds, _ = timed_worker_run(AS_OF, redis_url)
        results["workers"][count] = {
            "first_run_s": first,
            "repeat_run_s": repeat_seconds,
            "batches": run.batch_count,
            "signals_created": run.signals_created,
        }
        out(
            f"{count} worker(s), {run.workflow_count} workflows in {run.batch_count} "
            f"batches: first run {first:.2f}s ({run.signals_created} new signals), "
            f"repeat run {repeat_seconds:.2f}s (none new)"
        )
    if len(results["workers"]) >= 2:
        one, two = (results["workers"][c] for c in sorted(worker_counts)[:2])
        speedup = {key: one[key] / two[key] for key in ("first_run_s", "repeat_run_s")}
        results["worker_speedup"] = speedup
        out(
            f"speed-up with 2 workers: first run ×{speedup['first_run_s']:.2f}, "
            f"repeat run ×{speedup['repeat_run_s']:.2f} (signal writes go one at a "
            "time through the audit chain; detection runs in parallel)"
        )
    results["median_ratio"] = statistics.median(
        figures["ratio"] for figures in results["sizes"].values()
    )
    return results


def main(argv=None):
    args = parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size]
    worker_counts = [int(count) for count in args.workers.split(",") if count]
    results = run_benchmark(
        sizes=sizes,
        days=args.days,
        batch_size=args.batch_size,
        worker_counts=worker_counts,
        repeat=args.repeat,
        database_url=args.database_url,
        redis_url=args.redis_url,
        reuse_data=args.reuse_data,
        out=(lambda line: None) if args.json else print,
    )
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
