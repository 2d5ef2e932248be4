"""The real thing once: a Celery worker on Redis runs the nightly task."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from signals.models import DetectorRun, GamingSignal

from .factories import WorkflowFactory
from .factories_signals import AS_OF, usage_history

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 90


def database_url():
    """The URL of the test database this process uses, for the worker."""
    db = connection.settings_dict
    port = db.get("PORT") or 5432
    host = db.get("HOST") or "127.0.0.1"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(redis_url, tmp_path):
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "REDIS_URL": redis_url,
        "DETECTOR_BATCH_SIZE": "2",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "metricgate",
            "worker",
            "--pool=solo",
            "--purge",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    process.log = tmp_path / "worker.log"
    # --purge empties the queue at start-up: send nothing before it is ready.
    if not wait_for(lambda: "ready." in process.log.read_text()):
        process.kill()
        pytest.fail(f"worker did not start:\n{process.log.read_text()[-3000:]}")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(predicate):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_on_redis_runs_the_nightly_task_and_signals_land(
    postgres, redis_url, worker
):
    workflows = [WorkflowFactory() for _ in range(3)]
    for workflow in workflows:
        usage_history(workflow, recent={"cost": "30"})
    client = Celery(broker=redis_url)

    client.send_task("signals.run_detector", kwargs={"as_of": AS_OF.isoformat()})

    finished = wait_for(lambda: DetectorRun.objects.filter(status="finished").exists())
    if not finished:
        log = worker.log.read_text()[-3000:]
        pytest.fail(f"no run finished in {TIMEOUT}s; the worker said:\n{log}")
    run = DetectorRun.objects.get()
    assert (run.source, run.batch_count, run.signals_created) == ("worker", 2, 3)
    assert GamingSignal.objects.filter(workflow__in=workflows).count() == 3
