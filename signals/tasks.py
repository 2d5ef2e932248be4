"""Celery tasks: the nightly detector, its batches and the hourly exception expiry.

Every task here is idempotent, so each acknowledges only once it is done
(`acks_late`): a worker killed mid-batch leaves its transaction rolled back
and the message is delivered again.
"""

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from . import detector

logger = logging.getLogger(__name__)


@shared_task(name="signals.run_detector", acks_late=True)
def run_detector(as_of=None, source="worker", actor_id=None):
    """Start a detector run for `as_of` (ISO date, default yesterday)."""
    day = datetime.date.fromisoformat(as_of) if as_of else None
    actor = detector.load_actor(actor_id)
    run = detector.start_run(as_of=day, actor=actor, source=source)
    return str(run.pk)


# A worker process that dies mid-batch hands the message back at once.
@shared_task(name="signals.detect_batch", acks_late=True, reject_on_worker_lost=True)
def detect_batch(batch_id, source="worker", actor_id=None):
    """Evaluate one batch of a run; a batch already done is skipped."""
    batch = detector.complete_batch(batch_id, source=source, actor_id=actor_id)
    return {"batch": str(batch.pk), "created": batch.signals_created}


@shared_task(name="signals.expire_lapsed_exceptions", acks_late=True)
def expire_lapsed_exceptions():
    """Record as expired every exception whose time box has passed."""
    from registry.services import expire_lapsed_exceptions as expire

    return expire(now=timezone.now())
