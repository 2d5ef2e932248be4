"""Notifications triggered by other apps: high-severity signals, invalidated exports."""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from registry.services import exports_invalidated
from signals.models import GamingSignal

from . import notify

logger = logging.getLogger(__name__)


@receiver(post_save, sender=GamingSignal, dispatch_uid="pilot_high_signal")
def announce_high_signal(sender, instance, created, **kwargs):
    """A signal saved as high (new or raised) is announced once, after commit."""
    if instance.severity != "high":
        return
    if not created and instance.is_closed:
        return
    signal_id = instance.pk
    transaction.on_commit(lambda: _announce(signal_id))


def _announce(signal_id):
    signal = (
        GamingSignal.objects.select_related("workflow__owner")
        .filter(pk=signal_id)
        .first()
    )
    if signal is None or signal.severity != "high":
        return
    try:
        notify.notify_high_signal(signal)
    except Exception:
        # The signal is stored; a failed announcement must not break the detector.
        logger.exception("high signal announcement failed signal=%s", signal_id)


@receiver(exports_invalidated, dispatch_uid="pilot_exports_invalidated")
def announce_invalidated_exports(sender, exports, metric, reason, **kwargs):
    """Tell the creators of exports a rollback invalidated to stop using them."""
    if not exports:
        return
    try:
        notify.notify_exports_invalidated(exports=exports, metric=metric, reason=reason)
    except Exception:
        logger.exception("export invalidation notice failed metric=%s", metric.key)
