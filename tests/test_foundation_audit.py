"""History and audit rows for every way a governed status changes, and the chain."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from registry.audit import (
    GovernedWriteRefused,
    MissingAuditContext,
    audit_context,
    stamp,
)
from registry.models import AuditChainHead, AuditEvent, Metric
from reviews.models import MetricProposal
from signals.models import GamingSignal

from .factories import GamingSignalFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def last_event_for(obj):
    return AuditEvent.objects.filter(object_id=str(obj.pk)).order_by("-pk").first()


# --- (a) through the ORM with stamp() ---------------------------------------------


def test_orm_status_change_writes_audit_event_with_actor_reason_source(governance):
    signal = GamingSignalFactory()

    signal.status = "investigating"
    stamp(signal, actor=governance, source="web", reason="looking into it")
    signal.save()

    event = last_event_for(signal)
    assert (event.previous_state, event.next_state) == ("open", "investigating")
    assert (event.actor, event.reason, event.source) == (
        governance,
        "looking into it",
        "web",
    )


def test_orm_status_change_writes_history_with_actor_reason_source(governance):
    signal = GamingSignalFactory()

    signal.status = "investigating"
    stamp(signal, actor=governance, source="api", reason="looking into it")
    signal.save()

    row = signal.history.first()
    assert row.status == "investigating"
    assert (row.history_user, row.history_change_reason, row.source) == (
        governance,
        "looking into it",
        "api",
    )


def test_audit_context_block_attributes_every_save(governance):
    signal = GamingSignalFactory()

    with audit_context(actor=governance, source="worker", reason="nightly"):
        signal.status = "resolved"
        signal.save()

    event = last_event_for(signal)
    assert (event.actor_username, event.source, event.reason) == (
        "gov",
        "worker",
        "nightly",
    )


def test_save_without_status_change_writes_no_audit_event():
    signal = GamingSignalFactory()
    events = AuditEvent.objects.count()

    signal.triage_note = "noted"
    stamp(signal, actor=None, source="cli", reason="note only")
    signal.save()

    assert AuditEvent.objects.count() == events
    assert signal.history.count() == 2


def test_save_without_audit_context_is_refused():
    signal = GamingSignalFactory()
    signal.status = "resolved"

    with pytest.raises(MissingAuditContext):
        signal.save()

    assert GamingSignal.objects.get(pk=signal.pk).status == "open"


def test_stamp_covers_one_save_only(governance):
    signal = GamingSignalFactory()
    stamp(signal, actor=governance, source="web", reason="first")
    signal.save()

    signal.status = "resolved"
    with pytest.raises(MissingAuditContext):
        signal.save()


def test_delete_without_audit_context_is_refused():
    signal = GamingSignalFactory()
    with pytest.raises(MissingAuditContext):
        signal.delete()
    assert GamingSignal.objects.filter(pk=signal.pk).exists()


def test_queryset_update_of_governed_status_is_refused():
    GamingSignalFactory()
    with pytest.raises(GovernedWriteRefused):
        GamingSignal.objects.update(status="resolved")
    assert not GamingSignal.objects.filter(status="resolved").exists()


def test_bulk_update_of_governed_model_is_refused():
    signal = GamingSignalFactory()
    signal.status = "resolved"
    with pytest.raises(GovernedWriteRefused):
        GamingSignal.objects.bulk_update([signal], ["status"])


def test_bulk_create_of_governed_model_is_refused():
    with pytest.raises(GovernedWriteRefused):
        Metric.objects.bulk_create([Metric(key="sneaky", name="Sneaky")])
    assert not Metric.objects.filter(key="sneaky").exists()


def test_queryset_delete_audits_each_record(governance):
    GamingSignalFactory()
    GamingSignalFactory()

    with audit_context(actor=governance, source="cli", reason="cleanup"):
        GamingSignal.objects.all().delete()

    deleted = AuditEvent.objects.filter(action="deleted", reason="cleanup")
    assert deleted.count() == 2


def test_audit_events_cannot_be_updated_through_the_orm():
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(reason="rewritten")


def test_audit_event_cannot_be_saved_twice():
    event = AuditEvent.objects.first()
    event.reason = "rewritten"
    with pytest.raises(PermissionError):
        event.save()


# --- (b) through the admin ----------------------------------------------------------


@pytest.fixture
def admin_client(client):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    client.superuser = superuser
    return client


def change_form_data(client, url, **changes):
    """The change form's current values, as the browser would post them back."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    data.update(changes)
    return data


def block_through_admin(client, reason):
    metric = Metric.objects.get(key="task_completion_rate")
    url = reverse("admin:registry_metric_change", args=[metric.pk])
    data = change_form_data(
        client,
        url,
        policy_status="blocked",
        allowed_use=["cost_diagnostic"],
        prohibited_use=["performance_review", "bonus"],
        audit_reason=reason,
    )
    return metric, client.post(url, data)


def test_admin_status_change_writes_audit_event_with_actor_reason_source(
    admin_client,
):
    metric, response = block_through_admin(admin_client, "metric was gamed")

    assert response.status_code == 302
    event = last_event_for(metric)
    assert event.next_state.startswith("blocked")
    assert event.previous_state.startswith("approved")
    assert (event.actor, event.reason, event.source) == (
        admin_client.superuser,
        "metric was gamed",
        "admin",
    )


def test_admin_status_change_writes_history_with_actor_reason_source(admin_client):
    metric, _ = block_through_admin(admin_client, "metric was gamed")

    row = metric.history.first()
    assert row.policy_status == "blocked"
    assert (row.history_user, row.history_change_reason, row.source) == (
        admin_client.superuser,
        "metric was gamed",
        "admin",
    )


def test_admin_change_without_reason_is_refused(admin_client):
    metric, response = block_through_admin(admin_client, "  ")

    assert response.status_code == 200
    assert "audit_reason" in response.context["adminform"].form.errors
    assert Metric.objects.get(pk=metric.pk).policy_status == "approved"


# --- (c) through a management command -------------------------------------------------


def test_command_status_writes_audit_event_with_actor_reason_source():
    call_command("seed_demo", stdout=io.StringIO())

    proposal = MetricProposal.objects.get(metric_key="first_contact_resolution")
    event = last_event_for(proposal)
    assert event.next_state == "needs_revision"
    assert (event.actor_username, event.source) == ("owner", "cli")
    assert "missing evidence: evidence_url, baseline" in event.reason


def test_command_status_writes_history_with_actor_reason_source():
    call_command("seed_demo", stdout=io.StringIO())

    proposal = MetricProposal.objects.get(metric_key="first_contact_resolution")
    row = proposal.history.first()
    assert row.status == "needs_revision"
    assert (row.history_user.username, row.source) == ("owner", "cli")
    assert "missing evidence" in row.history_change_reason


# --- verify_audit_chain --------------------------------------------------------------


def run_verify():
    """Run the command; return (exit code, message) as an operator would see them."""
    try:
        call_command("verify_audit_chain", stdout=io.StringIO())
    except CommandError as error:
        return error.returncode, str(error)
    return 0, ""


def audited_history():
    """A few events beyond the seed, so rows can be edited or removed."""
    for _ in range(3):
        GamingSignalFactory()
    return list(AuditEvent.objects.order_by("pk"))


def raw_sql(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_audit_chain_passes_on_intact_chain(capsys):
    audited_history()
    call_command("verify_audit_chain")
    out = capsys.readouterr().out
    assert f"intact: {AuditEvent.objects.count()} events" in out


def test_verify_audit_chain_names_an_edited_row():
    events = audited_history()
    edited = events[4]
    raw_sql(
        "UPDATE registry_auditevent SET reason = 'nothing to see' WHERE id = %s",
        edited.pk,
    )

    code, message = run_verify()

    assert code == 1
    assert f"#{edited.pk}" in message and "edited" in message


def test_verify_audit_chain_names_the_row_after_a_deleted_one():
    events = audited_history()
    raw_sql("DELETE FROM registry_auditevent WHERE id = %s", events[3].pk)

    code, message = run_verify()

    assert code == 1
    assert f"#{events[4].pk}" in message and "removed" in message


def test_verify_audit_chain_notices_the_newest_row_deleted():
    events = audited_history()
    raw_sql("DELETE FROM registry_auditevent WHERE id = %s", events[-1].pk)

    code, message = run_verify()

    assert code == 1
    assert f"#{events[-1].pk}" in message and "newest" in message


def test_verify_audit_chain_notices_an_edited_state():
    events = audited_history()
    raw_sql(
        "UPDATE registry_auditevent SET next_state = 'approved' WHERE id = %s",
        events[0].pk,
    )
    code, message = run_verify()
    assert (code, f"#{events[0].pk}" in message) == (1, True)


def test_chain_head_counts_every_event():
    audited_history()
    head = AuditChainHead.objects.get(pk=1)
    assert head.event_count == AuditEvent.objects.count()
    assert head.last_event_id == AuditEvent.objects.order_by("-pk").first().pk
