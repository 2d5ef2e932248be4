"""Beat tasks of the pilot rollout, and the webhook delivery with retries."""

import logging

from celery import shared_task
from django.conf import settings

from . import notify, services

logger = logging.getLogger(__name__)


@shared_task(name="pilot.escalate_overdue_requests")
def escalate_overdue_requests():
    """Mark late evidence requests overdue and escalate them (idempotent)."""
    return services.mark_overdue_and_escalate()


@shared_task(name="pilot.send_due_reminders")
def send_due_reminders():
    return services.send_due_reminders()


@shared_task(name="pilot.warn_expiring_exceptions")
def warn_expiring_exceptions():
    return services.warn_expiring_exceptions()


@shared_task(
    bind=True,
    name="pilot.deliver_webhook",
    autoretry_for=(notify.WebhookFailed,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=max(settings.NOTIFY_WEBHOOK_MAX_ATTEMPTS - 1, 0),
    # Delivery is recorded on the row, so a redelivered message is harmless.
    acks_late=True,
)
def deliver_webhook_task(self, notification_id):
    """POST one notification; Celery retries with exponential backoff on failure."""
    final = self.request.retries >= self.max_retries
    notify.attempt_webhook(notification_id, final=final)
