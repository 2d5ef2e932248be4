"""Signal receivers: fill the extra history columns from the audit context."""

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

from .audit import _current


@receiver(pre_create_historical_record)
def record_history_source(sender, instance, history_instance, **kwargs):
    context = getattr(instance, "_audit_context", None) or _current.get()
    if context is not None:
        history_instance.source = context.source
        history_instance.history_user = history_instance.history_user or context.actor
        if not history_instance.history_change_reason:
            history_instance.history_change_reason = context.reason
