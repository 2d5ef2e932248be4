"""Notification content in both languages, and the signed webhook with retries."""

import datetime
import json

import pytest
from django.utils import translation

from metricgate.celery import app as celery_app
from pilot import notify, services
from pilot.models import EvidenceItem, Notification
from pilot.tasks import deliver_webhook_task
from registry import services as registry_services
from registry.choices import Role
from registry.models import Metric

from .factories import GamingSignalFactory, ScorecardExportFactory, UserFactory
from .factories_pilot import EvidenceRequestFactory, NotificationPreferenceFactory
from .pilot_webhook_receiver import SECRET, serve_receivers

TODAY = datetime.date(2026, 12, 3)
DUE = datetime.date(2026, 12, 10)


@pytest.fixture
def start_receiver(settings):
    yield from serve_receivers(settings)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _ask(governance, workflow, run_on_commit, note=""):
    with run_on_commit():
        (request,) = services.create_requests(
            actor=governance,
            source="web",
            workflows=[workflow],
            items=["baseline", "quality_rubric"],
            due_date=DUE,
            note=note,
            today=TODAY,
        )
    return request


# --- E-mail --------------------------------------------------------------


def test_english_mail_names_owner_ask_due_date_and_link(
    governance, workflow, team_owner, mailoutbox, run_on_commit, settings
):
    settings.SITE_URL = "https://gate.example.com"

    request = _ask(governance, workflow, run_on_commit)

    (mail,) = mailoutbox
    assert f"Owner: {team_owner.username}" in mail.body
    assert "Ask: Provide the missing pilot evidence" in mail.body
    assert "Due date: 2026-12-10" in mail.body
    assert (
        f"Act here: https://gate.example.com/pilot/requests/{request.pk}/" in mail.body
    )


def test_english_mail_lists_the_items_asked(
    governance, workflow, mailoutbox, run_on_commit
):
    _ask(governance, workflow, run_on_commit)

    (mail,) = mailoutbox
    assert "Pilot evidence for" in mail.subject
    assert "  - Baseline\n  - Quality rubric\n" in mail.body


def test_chinese_reader_gets_the_mail_in_traditional_chinese(
    governance, workflow, team_owner, mailoutbox, run_on_commit
):
    NotificationPreferenceFactory(user=team_owner, language="zh-hant")

    _ask(governance, workflow, run_on_commit)

    (mail,) = mailoutbox
    assert "試行證據" in mail.subject
    assert f"負責人：{team_owner.username}" in mail.body
    assert "截止日：2026-12-10" in mail.body
    assert "處理連結：http" in mail.body


def test_chinese_mail_translates_the_ask_and_the_items(
    governance, workflow, team_owner, mailoutbox, run_on_commit
):
    NotificationPreferenceFactory(user=team_owner, language="zh-hant")

    _ask(governance, workflow, run_on_commit)

    with translation.override("zh-hant"):
        ask = str(notify.ASKS["request_created"])
        rubric = str(EvidenceItem.QUALITY_RUBRIC.label)
    (mail,) = mailoutbox
    assert ask != "Provide the missing pilot evidence"
    assert f"請求事項：{ask}" in mail.body
    assert f"  - {rubric}\n" in mail.body


def test_each_recipient_reads_an_escalation_in_their_own_language(
    governance, workflow, team_owner, mailoutbox, run_on_commit, settings
):
    settings.PILOT_ESCALATION_DAYS = [1]
    NotificationPreferenceFactory(user=governance, language="zh-hant")
    EvidenceRequestFactory(workflow=workflow, created_by=governance, due_date=DUE)

    with run_on_commit():
        services.mark_overdue_and_escalate(
            now=datetime.datetime(2026, 12, 12, 9, tzinfo=datetime.UTC)
        )

    by_address = {mail.to[0]: mail for mail in mailoutbox}
    assert "升級" in by_address[governance.email].subject
    assert "Escalation (stage 1)" in by_address[team_owner.email].subject
    assert "2 days overdue" in by_address[team_owner.email].subject


def test_a_user_without_an_address_is_skipped(
    governance, workflow, team_owner, mailoutbox, run_on_commit
):
    team_owner.email = ""
    team_owner.save()

    _ask(governance, workflow, run_on_commit)

    assert mailoutbox == []


# --- Receivers ------------------------------------------------------------


def test_a_new_high_signal_is_announced_to_governance_and_the_owner(
    governance, workflow, team_owner, mailoutbox, run_on_commit
):
    with run_on_commit():
        GamingSignalFactory(workflow=workflow, severity="high")

    assert Notification.objects.get().kind == "high_signal"
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [governance.email, team_owner.email]
    )


def test_a_medium_signal_is_not_announced(workflow, run_on_commit):
    with run_on_commit():
        GamingSignalFactory(workflow=workflow, severity="medium")

    assert not Notification.objects.exists()


def test_a_rolled_back_metric_announces_its_invalidated_exports(
    governance, hr, mailoutbox, run_on_commit
):
    metric = Metric.objects.get(key="task_completion_rate")
    registry_services.set_metric_policy(
        actor=governance,
        source="web",
        reason="also for bonus",
        metric=metric,
        policy_status="approved",
        allowed_use=[*metric.allowed_use, "bonus"],
        prohibited_use=metric.prohibited_use,
    )
    export = ScorecardExportFactory(metric_keys=[metric.key], created_by=hr)

    with run_on_commit():
        registry_services.rollback_metric(
            actor=governance, source="web", reason="bonus was a mistake", metric=metric
        )

    notification = Notification.objects.get(kind="exports_invalidated")
    assert notification.payload["data"]["exports"] == [str(export.pk)]
    assert hr.email in [m.to[0] for m in mailoutbox]


# --- Webhook ------------------------------------------------------------------


def test_the_webhook_body_is_signed_with_the_shared_secret(
    governance, workflow, start_receiver, run_on_commit
):
    receiver = start_receiver()

    _ask(governance, workflow, run_on_commit)

    ((headers, body),) = receiver.deliveries
    assert notify.signature_matches(body, SECRET, headers[notify.SIGNATURE_HEADER])
    assert json.loads(body)["event"] == "request_created"


def test_a_tampered_body_does_not_match_the_signature(
    governance, workflow, start_receiver, run_on_commit
):
    receiver = start_receiver()

    _ask(governance, workflow, run_on_commit)

    ((headers, body),) = receiver.deliveries
    tampered = body.replace(b"request_created", b"request_closed")
    assert not notify.signature_matches(
        tampered, SECRET, headers[notify.SIGNATURE_HEADER]
    )


def test_the_webhook_carries_owner_ask_due_date_and_link(
    governance, workflow, team_owner, start_receiver, run_on_commit
):
    receiver = start_receiver()

    request = _ask(governance, workflow, run_on_commit)

    message = json.loads(receiver.deliveries[0][1])
    assert message["owner"] == team_owner.username
    assert message["ask"] == "Provide the missing pilot evidence"
    assert message["due_date"] == "2026-12-10"
    assert message["link"].endswith(f"/pilot/requests/{request.pk}/")


def test_a_failing_receiver_is_retried_until_it_accepts(
    governance, workflow, start_receiver, run_on_commit
):
    receiver = start_receiver(fail_first=2)

    _ask(governance, workflow, run_on_commit)

    notification = Notification.objects.get()
    assert len(receiver.deliveries) == 3
    assert (notification.webhook_status, notification.webhook_attempts) == (
        "delivered",
        3,
    )


def test_every_retry_sends_the_same_signed_body(
    governance, workflow, start_receiver, run_on_commit
):
    receiver = start_receiver(fail_first=2)

    _ask(governance, workflow, run_on_commit)

    bodies = {body for _headers, body in receiver.deliveries}
    assert len(bodies) == 1


def test_retries_stop_after_the_configured_attempts(
    governance, workflow, start_receiver, run_on_commit, settings
):
    receiver = start_receiver(fail_first=100)
    settings.NOTIFY_WEBHOOK_MAX_ATTEMPTS = 3

    _ask(governance, workflow, run_on_commit)

    notification = Notification.objects.get()
    assert len(receiver.deliveries) == 3
    assert notification.webhook_status == "failed"
    assert "503" in notification.webhook_error


def test_the_celery_task_retries_a_failing_receiver(
    governance, workflow, start_receiver, settings, monkeypatch
):
    settings.NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/unused"
    request = EvidenceRequestFactory(workflow=workflow, created_by=governance)
    notification = notify.notify_request_created(request)
    receiver = start_receiver(fail_first=2)
    # Eager apply() replays Celery's autoretry at once (no countdown) as long
    # as a retry is returned rather than raised.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)

    deliver_webhook_task.apply(args=[str(notification.pk)])

    notification.refresh_from_db()
    assert len(receiver.deliveries) == 3
    assert notification.webhook_status == "delivered"


def test_without_a_webhook_url_nothing_is_posted(governance, workflow, run_on_commit):
    _ask(governance, workflow, run_on_commit)

    assert Notification.objects.get().webhook_status == "skipped"


def test_governance_owners_are_the_active_governance_users(governance):
    UserFactory(username="gov-left", role=Role.GOVERNANCE, is_active=False)

    assert notify.governance_owners() == [governance]
