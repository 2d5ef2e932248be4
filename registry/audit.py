"""The audit trail: who changed a governed record, from where, and why.

Every governed model (see `GovernedModel`) refuses to save without an audit
context. The context is set on the instance with `stamp()` just before the
save, or for a block of code with `audit_context()`. A save that changes the
governed state appends one `AuditEvent` in the same transaction; the event
carries the hash of the event before it, so `verify_audit_chain` can prove
that nothing was edited or removed.
"""

import contextvars
import hashlib
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from .choices import Source

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64


class MissingAuditContext(RuntimeError):
    """A governed record was about to change without saying who, where and why."""


class GovernedWriteRefused(RuntimeError):
    """A bulk write would skip history and the audit trail, so it is refused."""


@dataclass(frozen=True)
class AuditContext:
    actor: object  # a User, or None for the system itself
    source: str
    reason: str = ""
    action: str = ""  # names the change in the audit log; "" means status_changed


_current = contextvars.ContextVar("audit_context", default=None)


@contextmanager
def audit_context(*, actor, source, reason=""):
    """Attribute every governed change inside the block to actor, source, reason."""
    token = _current.set(AuditContext(_real_user(actor), Source(source), reason))
    try:
        yield
    finally:
        _current.reset(token)


def stamp(instance, *, actor, source, reason="", action=""):
    """Set the audit context on one instance for its next save or delete."""
    context = AuditContext(_real_user(actor), Source(source), reason, action)
    instance._audit_context = context
    return instance


def _real_user(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def context_for(instance):
    """Return the context stamped on the instance, else the block's, else refuse."""
    context = getattr(instance, "_audit_context", None) or _current.get()
    if context is None:
        raise MissingAuditContext(
            f"{instance._meta.label} {instance.pk} changed without an audit context "
            "(actor, source, reason); use registry.audit.stamp() or audit_context()."
        )
    return context


def compute_hash(prev_hash, fields):
    """The chain hash of one event: sha256 over the previous hash and its fields."""
    payload = json.dumps([prev_hash, *fields], separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def event_fields(event):
    """The fields of an event that its hash covers, in a fixed order."""
    return [
        event.created_at.isoformat(),
        event.actor_id,
        event.actor_username,
        event.action,
        event.object_type,
        event.object_id,
        event.previous_state,
        event.next_state,
        event.reason,
        event.source,
    ]


def append_event(*, context, action, obj, previous_state, next_state):
    """Append one event to the chain; call inside the transaction of the change."""
    from .models import AuditChainHead, AuditEvent

    with transaction.atomic():
        # Locking the head row serialises appends, so the chain never forks.
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            created_at=timezone.now(),
            actor=context.actor,
            actor_username=context.actor.get_username() if context.actor else "",
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            previous_state=previous_state or "",
            next_state=next_state or "",
            reason=context.reason,
            source=context.source,
            prev_hash=head.last_hash,
        )
        event.hash = compute_hash(event.prev_hash, event_fields(event))
        event.save()
        head.last_hash = event.hash
        head.last_event_id = event.pk
        head.event_count += 1
        head.save()

    logger.debug(
        "audit event=%s %s %s %s->%s source=%s actor=%s",
        event.pk,
        event.object_type,
        event.object_id,
        event.previous_state or "-",
        event.next_state,
        event.source,
        event.actor_username or "system",
    )
    return event


def verify_chain():
    """Return None when the chain is intact, else (event id or None, problem)."""
    from .models import AuditChainHead, AuditEvent

    prev_hash = GENESIS_HASH
    count = 0
    last_id = None
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=5000):
        if event.prev_hash != prev_hash:
            return event.pk, "does not follow the event before it (one was removed)"
        if compute_hash(event.prev_hash, event_fields(event)) != event.hash:
            return event.pk, "was edited after it was written"
        prev_hash = event.hash
        count += 1
        last_id = event.pk

    head = AuditChainHead.objects.get(pk=1)
    if head.event_count != count or head.last_hash != prev_hash:
        return head.last_event_id, "the newest events were removed"
    logger.info("audit chain intact events=%s last=%s", count, last_id)
    return None


class GovernedQuerySet(models.QuerySet):
    """Refuses the bulk writes that would skip history and the audit trail."""

    def _refuse(self, what):
        raise GovernedWriteRefused(
            f"{what} on {self.model._meta.label} would skip history and audit; "
            "save each record through its service instead."
        )

    def update(self, **kwargs):
        self._refuse("QuerySet.update()")

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse("bulk_update()")

    def bulk_create(self, objs, *args, **kwargs):
        self._refuse("bulk_create()")

    def delete(self):
        # One delete per record, so each one is audited like any other change.
        deleted = 0
        with transaction.atomic():
            for instance in self:
                instance.delete()
                deleted += 1
        return deleted, {self.model._meta.label: deleted}


class GovernedModel(models.Model):
    """A model whose state changes are audited; subclasses name `status_field`."""

    status_field = "status"

    objects = GovernedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        context = context_for(self)
        adding = self._state.adding
        previous = None
        if not adding:
            previous = getattr(self, "_recorded_state", None) or self._stored_state()

        # simple-history reads these two attributes when it writes its row.
        self._history_user = context.actor
        self._change_reason = context.reason
        with transaction.atomic():
            super().save(*args, **kwargs)
            current = self.audit_state()
            if adding or current != previous:
                append_event(
                    context=context,
                    action="created" if adding else context.action or "status_changed",
                    obj=self,
                    previous_state=previous,
                    next_state=current,
                )

        self._recorded_state = current
        self._forget_context()

    def delete(self, *args, **kwargs):
        context = context_for(self)
        self._history_user = context.actor
        self._change_reason = context.reason
        with transaction.atomic():
            append_event(
                context=context,
                action="deleted",
                obj=self,
                previous_state=self.audit_state(),
                next_state="deleted",
            )
            result = super().delete(*args, **kwargs)
        self._forget_context()
        return result

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # With a state field deferred, reading it here would query (and recurse);
        # save() then reads the stored state instead.
        if set(cls.audit_fields()) <= set(field_names):
            instance._recorded_state = instance.audit_state()
        return instance

    @classmethod
    def audit_fields(cls):
        """The fields audit_state() reads; override together with audit_state()."""
        return (cls.status_field,)

    def _stored_state(self):
        stored = type(self)._base_manager.filter(pk=self.pk).first()
        return stored.audit_state() if stored else None

    def audit_state(self):
        """The state an audit event records; override to include more than status."""
        return getattr(self, self.status_field, "")

    def _forget_context(self):
        # A context covers one save: the next change must say who and why again.
        for name in ("_audit_context", "_history_user", "_change_reason"):
            self.__dict__.pop(name, None)


class AuditedHistory(models.Model):
    """Extra columns on every history table: where the change came from."""

    source = models.CharField(max_length=10, choices=Source.choices, blank=True)

    class Meta:
        abstract = True
