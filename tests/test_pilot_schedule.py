"""Reminders, overdue marking, escalation and expiry warnings, on a controlled clock."""

import datetime

import pytest
from django.utils import timezone

from pilot import services
from pilot.models import Escalation, Notification
from registry.choices import Role
from registry.models import Metric

from .factories import MetricExceptionFactory, UserFactory
from .factories_pilot import EvidenceRequestFactory, complete_answers

DUE = datetime.date(2026, 12, 10)


def at(day, hour=9):
    """A moment on 2026-12-`day` in the site's time zone."""
    return timezone.make_aware(datetime.datetime(2026, 12, day, hour))


@pytest.fixture
def request_due(workflow, governance):
    return EvidenceRequestFactory(
        workflow=workflow, due_date=DUE, created_by=governance
    )


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit callbacks (mail, webhook) of everything in the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_reminder_goes_out_within_the_reminder_window(request_due, settings):
    settings.PILOT_REMINDER_DAYS = 2

    sent = services.send_due_reminders(now=at(8))

    assert sent == 1
    assert Notification.objects.filter(kind="reminder", request=request_due).exists()


def test_no_reminder_before_the_window(request_due, settings):
    settings.PILOT_REMINDER_DAYS = 2

    assert services.send_due_reminders(now=at(7)) == 0


def test_a_reminder_is_sent_once_however_often_the_task_runs(request_due):
    services.send_due_reminders(now=at(9))
    services.send_due_reminders(now=at(9, 15))
    services.send_due_reminders(now=at(10))

    assert Notification.objects.filter(kind="reminder").count() == 1


def test_a_reminder_mail_names_what_is_still_missing(
    request_due, team_owner, mailoutbox, run_on_commit
):
    with run_on_commit():
        services.send_due_reminders(now=at(9))

    (mail,) = mailoutbox
    assert mail.to == [team_owner.email]
    assert "Quality rubric" in mail.body


def test_an_answered_request_gets_no_reminder(request_due, team_owner):
    answers = complete_answers(request_due.items)
    services.answer_request(
        actor=team_owner, source="web", request_id=request_due.pk, answers=answers
    )

    assert services.send_due_reminders(now=at(9)) == 0


def test_nothing_is_overdue_on_the_due_date(request_due):
    counts = services.mark_overdue_and_escalate(now=at(10, 23))

    request_due.refresh_from_db()
    assert counts == {"overdue": 0, "escalated": 0}
    assert request_due.status == "open"


def test_the_day_after_the_due_date_the_request_is_escalated(request_due, settings):
    settings.PILOT_ESCALATION_DAYS = [1, 7]

    counts = services.mark_overdue_and_escalate(now=at(11))

    request_due.refresh_from_db()
    assert counts == {"overdue": 1, "escalated": 1}
    assert request_due.status == "escalated"


def test_a_request_overdue_before_its_first_stage_is_only_marked(request_due, settings):
    settings.PILOT_ESCALATION_DAYS = [3]

    services.mark_overdue_and_escalate(now=at(11))

    request_due.refresh_from_db()
    assert request_due.status == "overdue"
    assert not Escalation.objects.exists()


def test_stage_one_goes_to_the_governance_owner_who_asked(
    request_due, governance, settings
):
    UserFactory(username="gov2", role=Role.GOVERNANCE)
    settings.PILOT_ESCALATION_DAYS = [1, 7]

    services.mark_overdue_and_escalate(now=at(11))

    assert Escalation.objects.get(stage=1).recipients == [governance.username]


def test_stage_two_goes_to_every_governance_owner(request_due, governance, settings):
    UserFactory(username="gov2", role=Role.GOVERNANCE)
    settings.PILOT_ESCALATION_DAYS = [1, 7]

    services.mark_overdue_and_escalate(now=at(17))

    assert Escalation.objects.get(stage=2).recipients == ["gov", "gov2"]


def test_repeated_runs_raise_exactly_one_escalation_per_stage(request_due, settings):
    settings.PILOT_ESCALATION_DAYS = [1, 7]

    for day in (11, 11, 12, 13, 17, 17, 18, 30):
        services.mark_overdue_and_escalate(now=at(day))

    assert sorted(Escalation.objects.values_list("stage", flat=True)) == [1, 2]
    assert Notification.objects.filter(kind="escalation").count() == 2


def test_a_repeated_run_sends_no_second_escalation_mail(
    request_due, mailoutbox, run_on_commit, settings
):
    settings.PILOT_ESCALATION_DAYS = [1]

    with run_on_commit():
        services.mark_overdue_and_escalate(now=at(11))
        services.mark_overdue_and_escalate(now=at(12))

    assert len(mailoutbox) == 2  # the governance owner and the owner's copy, once


def test_the_database_refuses_a_second_escalation_of_a_stage(request_due):
    from django.db import IntegrityError, transaction

    Escalation.objects.create(request=request_due, stage=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(request=request_due, stage=1)


def test_an_answered_request_is_never_escalated(request_due, team_owner):
    answers = complete_answers(request_due.items)
    services.answer_request(
        actor=team_owner, source="web", request_id=request_due.pk, answers=answers
    )

    counts = services.mark_overdue_and_escalate(now=at(20))

    assert counts == {"overdue": 0, "escalated": 0}


def test_escalation_is_audited_as_a_worker_change(request_due):
    services.mark_overdue_and_escalate(now=at(11))

    sources = set(request_due.history.values_list("source", flat=True))
    assert "worker" in sources


@pytest.fixture
def approved_exception(governance):
    return MetricExceptionFactory(
        metric=Metric.objects.get(key="token_consumption"),
        status="approved",
        approved_by=governance,
        expires_at=timezone.now() + datetime.timedelta(days=5),
    )


def test_an_exception_about_to_expire_is_announced_once(approved_exception, settings):
    settings.PILOT_EXCEPTION_WARNING_DAYS = 7
    now = timezone.now()

    first = services.warn_expiring_exceptions(now=now)
    second = services.warn_expiring_exceptions(now=now + datetime.timedelta(hours=1))

    assert (first, second) == (1, 0)


def test_an_exception_far_from_expiry_is_not_announced(approved_exception, settings):
    settings.PILOT_EXCEPTION_WARNING_DAYS = 3

    assert services.warn_expiring_exceptions(now=timezone.now()) == 0


def test_a_requested_exception_is_not_announced(governance, settings):
    MetricExceptionFactory(expires_at=timezone.now() + datetime.timedelta(days=2))

    assert services.warn_expiring_exceptions(now=timezone.now()) == 0


def test_the_beat_schedule_runs_the_pilot_tasks():
    from metricgate.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "pilot.escalate_overdue_requests",
        "pilot.send_due_reminders",
        "pilot.warn_expiring_exceptions",
    } <= tasks
