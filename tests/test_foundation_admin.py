"""The Django admin: every model reachable, changes audited, the log read-only."""

import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from registry.models import AuditEvent, Metric
from reviews.models import ScorecardMetric
from signals.models import GamingSignal

from .factories import (
    GamingSignalFactory,
    GateReviewFactory,
    MetricExceptionFactory,
    OutcomeSnapshotFactory,
    PerformanceScorecardFactory,
    ScorecardExportFactory,
    TokenCostDiagnosticFactory,
    UserFactory,
    WorkflowFactory,
)

pytestmark = pytest.mark.django_db

# The foundation's models (issue 2); later issues test the admins they add.
FOUNDATION = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in apps.get_models()
    if model._meta.app_label in {"registry", "reviews", "signals"}
    and not model._meta.model_name.startswith(("historical", "detector"))
)


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client(client):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    client.superuser = superuser
    return client


@pytest.fixture
def one_of_each(db):
    """At least one row of every model the admin shows."""
    workflow = WorkflowFactory()
    workflow.workflowgroupobjectpermission_set.create(
        group=Group.objects.get(name="team_owner"),
        permission=Permission.objects.get(codename="own_workflow"),
    )
    export = ScorecardExportFactory()
    ScorecardMetric.objects.create(
        scorecard=export.scorecard,
        metric=Metric.objects.get(key="task_completion_rate"),
        added_by=export.created_by,
    )
    GateReviewFactory(proposal__workflow=workflow)
    MetricExceptionFactory()
    OutcomeSnapshotFactory(workflow=workflow)
    TokenCostDiagnosticFactory(workflow=workflow)
    GamingSignalFactory(workflow=workflow)


def test_every_foundation_model_has_an_admin():
    registered = {(m._meta.app_label, m._meta.model_name) for m in admin.site._registry}
    assert set(FOUNDATION) <= registered


@pytest.mark.parametrize(("app", "model"), FOUNDATION)
def test_changelist_loads(admin_client, one_of_each, app, model):
    response = admin_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize(("app", "model"), FOUNDATION)
def test_change_page_and_history_load(admin_client, one_of_each, app, model):
    obj = apps.get_model(app, model)._base_manager.first()
    change = admin_client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]))
    history = admin_client.get(reverse(f"admin:{app}_{model}_history", args=[obj.pk]))
    assert (change.status_code, history.status_code) == (200, 200)


def test_changelist_queries_do_not_grow_with_rows(
    admin_client, django_assert_max_num_queries
):
    call_command("seed_demo", stdout=io.StringIO())
    # 270 diagnostics and 39 snapshots: one query per row would blow the bound.
    with django_assert_max_num_queries(12):
        admin_client.get(reverse("admin:signals_tokencostdiagnostic_changelist"))
    with django_assert_max_num_queries(12):
        admin_client.get(reverse("admin:signals_outcomesnapshot_changelist"))


def test_governed_change_form_asks_for_a_reason(admin_client):
    metric = Metric.objects.get(key="prompt_count")
    response = admin_client.get(
        reverse("admin:registry_metric_change", args=[metric.pk])
    )
    assert "audit_reason" in response.context["adminform"].form.fields


def test_audit_events_cannot_be_added_in_admin(admin_client):
    response = admin_client.get(reverse("admin:registry_auditevent_add"))
    assert response.status_code == 403


def test_audit_events_cannot_be_changed_in_admin(admin_client):
    event = AuditEvent.objects.first()
    url = reverse("admin:registry_auditevent_change", args=[event.pk])
    response = admin_client.post(url, {"reason": "rewritten"})
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).reason != "rewritten"


def test_audit_events_cannot_be_deleted_in_admin(admin_client):
    event = AuditEvent.objects.first()
    url = reverse("admin:registry_auditevent_delete", args=[event.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_chain_head_is_read_only_in_admin(admin_client):
    response = admin_client.post(
        reverse("admin:registry_auditchainhead_change", args=[1]), {"event_count": 0}
    )
    assert response.status_code == 403


def test_admin_delete_is_audited_with_reason(admin_client):
    signal = GamingSignalFactory()
    url = reverse("admin:signals_gamingsignal_delete", args=[signal.pk])

    admin_client.post(url, {"post": "yes", "audit_reason": "duplicate import"})

    event = AuditEvent.objects.get(object_id=str(signal.pk), action="deleted")
    assert (event.actor, event.reason, event.source) == (
        admin_client.superuser,
        "duplicate import",
        "admin",
    )


def test_admin_delete_without_reason_deletes_nothing(admin_client):
    signal = GamingSignalFactory()
    url = reverse("admin:signals_gamingsignal_delete", args=[signal.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert GamingSignal.objects.filter(pk=signal.pk).exists()


def bulk_delete(client, signals, **extra):
    return client.post(
        reverse("admin:signals_gamingsignal_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [str(s.pk) for s in signals],
            "post": "yes",
            **extra,
        },
    )


def test_admin_bulk_delete_audits_each_record(admin_client):
    signals = [GamingSignalFactory(), GamingSignalFactory()]

    bulk_delete(admin_client, signals, audit_reason="false alarms")

    deleted = AuditEvent.objects.filter(action="deleted", source="admin")
    assert sorted(e.object_id for e in deleted) == sorted(str(s.pk) for s in signals)
    assert {e.reason for e in deleted} == {"false alarms"}


def test_admin_bulk_delete_without_reason_deletes_nothing(admin_client):
    signals = [GamingSignalFactory(), GamingSignalFactory()]

    response = bulk_delete(admin_client, signals)

    assert response.status_code == 200
    assert GamingSignal.objects.count() == 2


def test_admin_refuses_blocked_metric_on_performance_scorecard(admin_client):
    scorecard = PerformanceScorecardFactory()
    blocked = Metric.objects.get(key="token_consumption")

    response = admin_client.post(
        reverse("admin:reviews_scorecardmetric_add"),
        {"scorecard": str(scorecard.pk), "metric": str(blocked.pk)},
    )

    assert "token_consumption is blocked" in str(
        response.context["adminform"].form.errors
    )
    assert not ScorecardMetric.objects.exists()


def test_admin_adds_allowed_metric_to_scorecard_as_the_superuser(admin_client):
    scorecard = PerformanceScorecardFactory()
    allowed = Metric.objects.get(key="task_completion_rate")

    admin_client.post(
        reverse("admin:reviews_scorecardmetric_add"),
        {"scorecard": str(scorecard.pk), "metric": str(allowed.pk)},
    )

    entry = ScorecardMetric.objects.get(scorecard=scorecard)
    assert entry.added_by == admin_client.superuser
    assert entry.history.first().source == "admin"


def test_admin_metric_form_runs_the_model_rules(admin_client):
    metric = Metric.objects.get(key="prompt_count")
    url = reverse("admin:registry_metric_change", args=[metric.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(allowed_use=["performance_review"], audit_reason="try it")

    response = admin_client.post(url, data)

    assert "allowed_use" in response.context["adminform"].form.errors
    assert Metric.objects.get(pk=metric.pk).allowed_use == ["cost_diagnostic"]


def test_admin_workflow_change_is_recorded_with_source_admin(admin_client):
    workflow = WorkflowFactory()
    url = reverse("admin:registry_workflow_change", args=[workflow.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(team="Customer Care")

    admin_client.post(url, data)

    row = workflow.history.first()
    assert (row.team, row.source, row.history_user) == (
        "Customer Care",
        "admin",
        admin_client.superuser,
    )
