"""Notifications: one e-mail per recipient in their language, and a signed webhook.

Each event is recorded once as a `Notification` under a key naming the event
(for example `escalation:<request>:<stage>`); recording it a second time finds
the first and sends nothing. Mail and webhook go out after the commit, so a
rolled-back change never announces itself. Every message names the owner, the
ask, the due date and the absolute link to act on.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from registry import access
from registry.choices import Role

from .models import (
    EvidenceItem,
    Notification,
    NotificationKind,
    NotificationPreference,
    WebhookStatus,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-MetricGate-Signature"
EVENT_HEADER = "X-MetricGate-Event"
DELIVERY_HEADER = "X-MetricGate-Delivery"

# The one-line ask of each kind; templates show it, the webhook carries it in English.
ASKS = {
    NotificationKind.REQUEST_CREATED: _("Provide the missing pilot evidence"),
    NotificationKind.REMINDER: _("Provide the missing pilot evidence"),
    NotificationKind.ESCALATION: _(
        "Chase the owner, or pick another workflow for the pilot"
    ),
    NotificationKind.HIGH_SIGNAL: _("Triage the high-severity gaming signal"),
    NotificationKind.EXCEPTION_EXPIRING: _("Renew the exception or let it lapse"),
    NotificationKind.EXPORTS_INVALIDATED: _(
        "Stop using these exports and export the scorecard again"
    ),
}


class WebhookFailed(Exception):
    """The receiver did not answer 2xx; the delivery may be tried again."""


@dataclass
class Event:
    """What one notification says, before it is rendered per recipient."""

    kind: str
    key: str
    owner: object
    due_date: object
    link: str
    recipients: list
    context: dict = field(default_factory=dict)
    request: object = None
    data: dict = field(default_factory=dict)


# --- Links and people --------------------------------------------------------


def absolute_url(path):
    return settings.SITE_URL.rstrip("/") + path


def link_to(name, *args, fallback):
    """The absolute URL of a named page, or of `fallback` when that page is absent."""
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        path = fallback
    return absolute_url(path)


def governance_owners():
    return list(access.users_with_role(Role.GOVERNANCE))


def display_name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def languages_of(users):
    """Each user's notification language, defaulting to the site language."""
    chosen = dict(
        NotificationPreference.objects.filter(
            user__in=[u.pk for u in users]
        ).values_list("user_id", "language")
    )
    return {u.pk: chosen.get(u.pk, settings.LANGUAGE_CODE) for u in users}


def _unique(users):
    seen = {}
    for user in users:
        if user is not None and user.is_active:
            seen.setdefault(user.pk, user)
    return list(seen.values())


# --- Rendering ------------------------------------------------------------


def item_labels(items):
    return [str(EvidenceItem(item).label) for item in items]


def render(event, language, recipient=None):
    """Return (subject, body) in `language`; the first line rendered is the subject."""
    with translation.override(language):
        context = {
            **event.context,
            "owner_name": display_name(event.owner),
            "recipient_name": display_name(recipient),
            "ask": str(ASKS[event.kind]),
            "due_date": event.due_date.isoformat() if event.due_date else "",
            "link": event.link,
        }
        for name in ("items", "missing"):
            if name in event.context:
                context[f"{name}_labels"] = item_labels(event.context[name])
        text = render_to_string(
            f"pilot/email/{_template_language(language)}/{event.kind}.txt", context
        )
    subject, _blank, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def _template_language(language):
    return "zh-hant" if language.lower().startswith("zh") else "en"


def build_emails(event):
    """One EmailMessage per recipient with an address, each in their language."""
    languages = languages_of(event.recipients)
    emails = []
    for user in event.recipients:
        if not user.email:
            logger.warning("notification %s: user=%s has no e-mail", event.key, user.pk)
            continue
        subject, body = render(event, languages[user.pk], recipient=user)
        emails.append(EmailMessage(subject, body, to=[user.email]))
    return emails


def webhook_payload(event):
    subject, _body = render(event, "en")
    return {
        "event": event.kind,
        "key": event.key,
        "subject": subject,
        "owner": event.owner.get_username() if event.owner else None,
        "ask": str(ASKS[event.kind]),
        "due_date": event.due_date.isoformat() if event.due_date else None,
        "link": event.link,
        "recipients": [user.get_username() for user in event.recipients],
        "data": event.data,
    }


# --- Sending ----------------------------------------------------------------


def dispatch(event):
    """Record `event` once and send it after the commit; None when already sent."""
    webhook_on = bool(settings.NOTIFY_WEBHOOK_URL)
    with translation.override("en"):
        payload = webhook_payload(event)
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            key=event.key,
            defaults={
                "kind": event.kind,
                "request": event.request,
                "recipients": payload["recipients"],
                "payload": payload,
                "webhook_status": (
                    WebhookStatus.PENDING if webhook_on else WebhookStatus.SKIPPED
                ),
            },
        )
        if not created:
            return None
        emails = build_emails(event)
        transaction.on_commit(lambda: _send(notification.pk, emails, webhook_on))

    logger.info(
        "notification recorded key=%s kind=%s recipients=%s",
        event.key,
        event.kind,
        len(event.recipients),
    )
    return notification


def _send(notification_id, emails, webhook_on):
    try:
        get_connection().send_messages(emails)
    except Exception:
        # Mail trouble must not undo the change it reports; emailed_at stays empty.
        # TODO: resend rows with emailed_at empty from a beat task (not yet asked for).
        logger.exception("notification %s: e-mail failed", notification_id)
    else:
        Notification.objects.filter(pk=notification_id).update(
            emailed_at=timezone.now()
        )
    if webhook_on:
        enqueue_webhook(notification_id)


# --- Webhook ------------------------------------------------------------------


def sign(body, secret):
    """The signature header value: HMAC-SHA256 of the raw body, hex, prefixed."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_matches(body, secret, header_value):
    return hmac.compare_digest(sign(body, secret), header_value or "")


def webhook_body(notification):
    message = {"id": str(notification.pk), **notification.payload}
    return json.dumps(message, sort_keys=True, ensure_ascii=False).encode()


def post_webhook(notification):
    """POST the notification once; raise WebhookFailed unless the receiver says 2xx."""
    body = webhook_body(notification)
    request = urllib.request.Request(
        settings.NOTIFY_WEBHOOK_URL,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(body, settings.NOTIFY_WEBHOOK_SECRET),
            EVENT_HEADER: notification.kind,
            DELIVERY_HEADER: str(notification.pk),
        },
    )
    timeout = settings.NOTIFY_WEBHOOK_TIMEOUT_SECONDS
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        raise WebhookFailed(f"receiver answered {error.code}") from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise WebhookFailed(f"receiver unreachable: {error}") from error


def attempt_webhook(notification_id, *, final):
    """One delivery attempt, recorded on the row; re-raises WebhookFailed on failure."""
    notification = Notification.objects.get(pk=notification_id)
    if notification.webhook_status == WebhookStatus.DELIVERED:
        return notification

    notification.webhook_attempts += 1
    try:
        post_webhook(notification)
    except WebhookFailed as error:
        notification.webhook_error = str(error)[:500]
        notification.webhook_status = (
            WebhookStatus.FAILED if final else WebhookStatus.PENDING
        )
        notification.save(
            update_fields=["webhook_attempts", "webhook_error", "webhook_status"]
        )
        logger.warning(
            "webhook attempt failed notification=%s attempt=%s final=%s error=%s",
            notification.pk,
            notification.webhook_attempts,
            final,
            error,
        )
        raise

    notification.webhook_status = WebhookStatus.DELIVERED
    notification.delivered_at = timezone.now()
    notification.save(
        update_fields=["webhook_attempts", "webhook_status", "delivered_at"]
    )
    logger.info(
        "webhook delivered notification=%s attempts=%s",
        notification.pk,
        notification.webhook_attempts,
    )
    return notification


def deliver_webhook(notification_id, *, max_attempts=None, backoff=None):
    """Try up to `max_attempts` times, backing off exponentially; True on success."""
    max_attempts = max_attempts or settings.NOTIFY_WEBHOOK_MAX_ATTEMPTS
    backoff = settings.NOTIFY_WEBHOOK_BACKOFF_SECONDS if backoff is None else backoff
    for attempt in range(1, max_attempts + 1):
        try:
            attempt_webhook(notification_id, final=attempt == max_attempts)
            return True
        except WebhookFailed:
            if attempt < max_attempts:
                time.sleep(backoff * 2 ** (attempt - 1))
    return False


def enqueue_webhook(notification_id):
    """Deliver in a worker with Celery's retries, or in-process when eager."""
    from .tasks import deliver_webhook_task

    if deliver_webhook_task.app.conf.task_always_eager:
        # TODO: without a broker a dead receiver holds the request for the backoff
        # sum; a persistent outbox swept by beat would free it (needs a broker anyway).
        deliver_webhook(notification_id)
        return
    deliver_webhook_task.delay(str(notification_id))


# --- Events -----------------------------------------------------------------


def _request_context(request):
    return {
        "workflow_key": request.workflow.key,
        "workflow_name": request.workflow.name,
        "items": list(request.items),
        "missing": request.missing_items(),
        "note": request.note,
        "asked_by": display_name(request.created_by),
    }


def _request_data(request):
    return {
        "request_id": str(request.pk),
        "workflow": request.workflow.key,
        "items": list(request.items),
        "missing": request.missing_items(),
        "status": request.status,
    }


def _request_link(request):
    return link_to(
        "pilot:request", request.pk, fallback=f"/pilot/requests/{request.pk}/"
    )


def notify_request_created(request):
    """Tell the owner what is asked of them and by when."""
    return dispatch(
        Event(
            kind=NotificationKind.REQUEST_CREATED,
            key=f"request_created:{request.pk}",
            owner=request.owner,
            due_date=request.due_date,
            link=_request_link(request),
            recipients=_unique([request.owner]),
            context=_request_context(request),
            request=request,
            data=_request_data(request),
        )
    )


def notify_reminder(request, *, today):
    """Remind the owner once before the due date (again only if the date moves)."""
    days_left = request.days_to_due(today)
    return dispatch(
        Event(
            kind=NotificationKind.REMINDER,
            key=f"reminder:{request.pk}:{request.due_date.isoformat()}",
            owner=request.owner,
            due_date=request.due_date,
            link=_request_link(request),
            recipients=_unique([request.owner]),
            context={**_request_context(request), "days_left": days_left},
            request=request,
            data={**_request_data(request), "days_left": days_left},
        )
    )


def notify_escalation(escalation, *, targets, days_overdue):
    """Tell the governance owners (and, as a copy, the owner) who has not answered."""
    request = escalation.request
    return dispatch(
        Event(
            kind=NotificationKind.ESCALATION,
            key=f"escalation:{request.pk}:{escalation.stage}",
            owner=request.owner,
            due_date=request.due_date,
            link=_request_link(request),
            recipients=_unique([*targets, request.owner]),
            context={
                **_request_context(request),
                "stage": escalation.stage,
                "days_overdue": days_overdue,
                "escalated_to": ", ".join(display_name(u) for u in targets),
            },
            request=request,
            data={
                **_request_data(request),
                "stage": escalation.stage,
                "days_overdue": days_overdue,
                "escalated_to": [u.get_username() for u in targets],
            },
        )
    )


def notify_high_signal(signal):
    """Ask governance to triage a high-severity signal; the owner is told too."""
    workflow = signal.workflow
    due = timezone.localdate(signal.detected_at) + timezone.timedelta(
        days=settings.PILOT_SIGNAL_TRIAGE_DAYS
    )
    return dispatch(
        Event(
            kind=NotificationKind.HIGH_SIGNAL,
            key=f"high_signal:{signal.pk}",
            owner=workflow.owner,
            due_date=due,
            link=link_to(
                "signal_detail", signal.pk, fallback="/metric-gate/gaming-signals"
            ),
            recipients=_unique([*governance_owners(), workflow.owner]),
            context={
                "workflow_key": workflow.key,
                "workflow_name": workflow.name,
                "signal_type": signal.signal_type,
                "window_start": signal.window_start.isoformat(),
                "window_end": signal.window_end.isoformat(),
                "evidence": json.dumps(signal.evidence_json, sort_keys=True),
            },
            data={
                "signal_id": str(signal.pk),
                "workflow": workflow.key,
                "signal_type": signal.signal_type,
                "severity": signal.severity,
                "window_start": signal.window_start.isoformat(),
                "window_end": signal.window_end.isoformat(),
            },
        )
    )


def notify_exception_expiring(exception):
    """Warn the requester and governance once before an exception lapses."""
    expires_on = timezone.localdate(exception.expires_at)
    return dispatch(
        Event(
            kind=NotificationKind.EXCEPTION_EXPIRING,
            key=f"exception_expiring:{exception.pk}:{exception.expires_at.isoformat()}",
            owner=exception.requested_by,
            due_date=expires_on,
            link=link_to("exceptions", fallback="/metric-gate/exceptions"),
            recipients=_unique([exception.requested_by, *governance_owners()]),
            context={
                "metric_key": exception.metric.key,
                "requested_use": exception.requested_use,
                "expires_at": exception.expires_at.isoformat(timespec="minutes"),
            },
            data={
                "exception_id": str(exception.pk),
                "metric": exception.metric.key,
                "requested_use": exception.requested_use,
                "expires_at": exception.expires_at.isoformat(),
            },
        )
    )


def notify_exports_invalidated(*, exports, metric, reason):
    """Tell each export's creator (and governance) which exports no longer hold."""
    by_creator = {}
    for export in exports:
        by_creator.setdefault(export.created_by_id, []).append(export)
    governance = governance_owners()
    today = timezone.localdate()

    sent = []
    for group in by_creator.values():
        creator = group[0].created_by
        ids = sorted(str(export.pk) for export in group)
        digest = hashlib.sha256(",".join(ids).encode()).hexdigest()[:16]
        notification = dispatch(
            Event(
                kind=NotificationKind.EXPORTS_INVALIDATED,
                key=f"exports_invalidated:{metric.key}:{digest}",
                owner=creator,
                due_date=today,
                link=link_to(
                    "performance_list", fallback="/metric-gate/performance-scorecards"
                ),
                recipients=_unique([creator, *governance]),
                context={
                    "metric_key": metric.key,
                    "reason": reason,
                    "exports": [
                        f"{export.scorecard.name} ({export.format}, "
                        f"{export.created_at.date().isoformat()})"
                        for export in group
                    ],
                },
                data={"metric": metric.key, "reason": reason, "exports": ids},
            )
        )
        if notification is not None:
            sent.append(notification)
    return sent
