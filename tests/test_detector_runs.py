"""Detector runs: idempotent, overlapping, resumable, and the nightly entry point."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from registry.models import AuditEvent
from signals import detector
from signals.models import DetectorBatch, DetectorRun, GamingSignal
from signals.tasks import run_detector

from .factories import WorkflowFactory
from .factories_signals import AS_OF, recent_snapshot, usage_history


def spiking_workflows(count):
    workflows = [WorkflowFactory() for _ in range(count)]
    for workflow in workflows:
        usage_history(workflow, recent={"cost": "30"})
    return workflows


def test_acceptance_4_gaming_signal_triggers_review(workflow):
    usage_history(workflow, recent={"cost": "25"})
    recent_snapshot(workflow)

    run_detector.delay(as_of=AS_OF.isoformat())

    signal = GamingSignal.objects.get(workflow=workflow)
    assert signal.signal_type == "cost_spike_no_outcome"
    assert signal.severity in ("medium", "high")


def test_each_new_signal_writes_one_audit_event(workflow):
    usage_history(workflow, recent={"cost": "25"})

    detector.start_run(as_of=AS_OF, source="cli")

    event = AuditEvent.objects.get(object_type="signals.gamingsignal")
    assert (event.action, event.source, event.next_state) == ("created", "cli", "open")


def test_running_twice_keeps_one_signal_per_workflow_type_and_window(db):
    spiking_workflows(3)

    detector.start_run(as_of=AS_OF, source="cli")
    second = detector.start_run(as_of=AS_OF, source="cli")

    assert GamingSignal.objects.count() == 3
    assert (second.findings, second.signals_created) == (3, 0)


@override_settings(DETECTOR_BATCH_SIZE=2)
def test_run_is_split_into_batches_that_all_finish(db):
    spiking_workflows(5)

    run = detector.start_run(as_of=AS_OF, source="cli")

    assert (run.batch_count, run.batches_done, run.status) == (3, 3, "finished")
    assert run.found_by_type == {"cost_spike_no_outcome": 5}


@override_settings(DETECTOR_BATCH_SIZE=4)
def test_batch_query_count_does_not_grow_with_its_size(db):
    spiking_workflows(5)

    run = detector.start_run(as_of=AS_OF, source="cli")

    sizes = sorted(batch.workflow_count for batch in run.batches.all())
    assert sizes == [1, 4]
    assert {batch.query_count for batch in run.batches.all()} == {2}


def test_done_batch_is_not_evaluated_again(workflow):
    usage_history(workflow, recent={"cost": "25"})
    run = detector.start_run(as_of=AS_OF, source="cli")
    batch = run.batches.get()

    again = detector.complete_batch(batch.pk)

    assert (again.signals_created, GamingSignal.objects.count()) == (1, 1)


def test_failed_batch_leaves_no_partial_signals(db, monkeypatch):
    spiking_workflows(2)
    real_insert = detector._insert
    calls = []

    def insert_then_die(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_insert(*args)

    monkeypatch.setattr(detector, "_insert", insert_then_die)
    with pytest.raises(RuntimeError):
        detector.start_run(as_of=AS_OF, source="cli")

    assert not GamingSignal.objects.exists()
    assert DetectorBatch.objects.get().status == "pending"


def test_next_run_completes_a_batch_left_by_a_dead_worker(db, monkeypatch):
    spiking_workflows(2)
    monkeypatch.setattr(detector, "_dispatch", lambda jobs: None)
    stranded = detector.start_run(as_of=AS_OF, source="cli")
    DetectorRun.objects.filter(pk=stranded.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=2)
    )
    monkeypatch.undo()

    detector.start_run(as_of=AS_OF, source="cli")

    stranded.refresh_from_db()
    assert (stranded.status, stranded.signals_created) == ("finished", 2)


def _overlapping_runs(count):
    """Start `count` runs of the same day at once, each on its own connection."""
    barrier = threading.Barrier(count)
    errors = []

    def one_run():
        try:
            barrier.wait()
            detector.start_run(as_of=AS_OF, source="worker")
        except Exception as error:  # reported below; a thread cannot raise to pytest
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


# Committed data, so each thread's own connection sees it; serialized_rollback
# restores the roles and the audit chain head the migrations seeded.
OWN_TRANSACTIONS = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@OWN_TRANSACTIONS
@override_settings(DETECTOR_BATCH_SIZE=2, REDIS_URL="")
def test_overlapping_runs_on_postgres_give_one_signal_each(postgres):
    spiking_workflows(6)

    errors = _overlapping_runs(3)

    assert errors == []
    assert GamingSignal.objects.count() == 6
    assert DetectorRun.objects.filter(status="finished").count() == 3


@OWN_TRANSACTIONS
@override_settings(DETECTOR_BATCH_SIZE=2)
def test_overlapping_runs_under_the_redis_lock_give_one_signal_each(
    postgres, redis_url
):
    spiking_workflows(6)

    with override_settings(REDIS_URL=redis_url):
        errors = _overlapping_runs(3)

    assert errors == []
    assert GamingSignal.objects.count() == 6
