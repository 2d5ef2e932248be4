"""PostgreSQL and Redis: overlapping escalation runs, and a real Celery worker."""

import datetime
import threading
import uuid

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from metricgate.celery import app as celery_app
from pilot import notify, services
from pilot.models import Escalation, Notification
from pilot.tasks import deliver_webhook_task
from registry.choices import Role

from .factories import UserFactory, WorkflowFactory
from .factories_pilot import EvidenceRequestFactory
from .pilot_webhook_receiver import serve_receivers

# The skip is decided before any database is set up, so the SQLite pass never
# flushes one; serialized_rollback restores the migrations' rows for the tests
# that follow, as the other transactional tests expect.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
        reason="runs on the PostgreSQL pass (set DATABASE_URL=postgres://...)",
    ),
]


@pytest.fixture
def start_receiver(settings):
    yield from serve_receivers(settings)


def _in_threads(target, count):
    """Run `target` in `count` threads started together; each closes its connection."""
    barrier = threading.Barrier(count)
    errors = []

    def run():
        try:
            barrier.wait()
            target()
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_overlapping_runs_raise_one_escalation_per_stage(settings):
    settings.PILOT_ESCALATION_DAYS = [1, 3]
    governance = UserFactory(role=Role.GOVERNANCE)
    for n in range(3):
        EvidenceRequestFactory(
            workflow=WorkflowFactory(key=f"late-{n}"),
            due_date=datetime.date(2026, 12, 1),
            created_by=governance,
        )
    now = timezone.make_aware(datetime.datetime(2026, 12, 9, 9))

    errors = _in_threads(lambda: services.mark_overdue_and_escalate(now=now), 4)

    assert errors == []
    assert Escalation.objects.count() == 6
    assert Notification.objects.filter(kind="escalation").count() == 6


@pytest.mark.redis
def test_a_real_worker_retries_the_webhook_until_delivered(
    redis_url, start_receiver, settings, monkeypatch
):
    from celery.contrib.testing.worker import start_worker

    # Recorded while no webhook is configured, so only the worker delivers it.
    notification = notify.notify_request_created(EvidenceRequestFactory())
    receiver = start_receiver(fail_first=2)
    with monkeypatch.context() as eager_off:
        # Reading the configuration first loads it, so undoing restores it.
        assert celery_app.conf.task_always_eager
        eager_off.setitem(celery_app.conf, "task_always_eager", False)
        eager_off.setitem(celery_app.conf, "broker_url", redis_url)
        eager_off.setitem(celery_app.conf, "result_backend", None)

        # Pools made before (for the eager default) would still aim elsewhere.
        eager_off.setattr(celery_app, "_pool", None)
        eager_off.setattr(celery_app.amqp, "_producer_pool", None)

        # A queue of its own: other tests' workers may share this Redis database.
        queue = f"pilot-test-{uuid.uuid4().hex}"
        with start_worker(
            celery_app, perform_ping_check=False, shutdown_timeout=20, queues=[queue]
        ):
            deliver_webhook_task.apply_async(args=[str(notification.pk)], queue=queue)
            deadline = timezone.now() + datetime.timedelta(seconds=30)
            while timezone.now() < deadline:
                notification.refresh_from_db()
                if notification.webhook_status == "delivered":
                    break
                threading.Event().wait(0.2)

    assert len(receiver.deliveries) == 3
    assert notification.webhook_status == "delivered"
