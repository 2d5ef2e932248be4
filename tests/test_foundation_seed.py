"""The registry seeded by migration, and the demo pilot seeded by command."""

import datetime
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db.models import Avg
from django.utils import timezone

from registry import access
from registry.audit import verify_chain
from registry.choices import Role
from registry.models import AuditEvent, Metric
from reviews.models import MetricProposal
from signals.models import OutcomeSnapshot, TokenCostDiagnostic

pytestmark = pytest.mark.django_db

SEEDED_POLICY = {
    "token_consumption": "blocked",
    "prompt_count": "blocked",
    "ai_usage_leaderboard": "blocked",
    "tool_active_days": "diagnostic_only",
    "token_cost_diagnostics": "diagnostic_only",
    "task_completion_rate": "approved",
    "validated_time_saved": "approved",
    "quality_defect_rate": "approved",
}


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed_demo():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts():
    """How many rows each model of the three apps holds, history included."""
    return {
        model._meta.label: model._base_manager.count()
        for label in ("registry", "reviews", "signals", "auth")
        for model in apps.get_app_config(label).get_models()
    }


# --- the registry migration --------------------------------------------------------


def test_migration_seeds_the_eight_metrics_with_their_policies():
    assert dict(Metric.objects.values_list("key", "policy_status")) == SEEDED_POLICY


def test_seeded_approved_metrics_allow_performance_review_but_never_layoffs():
    metric = Metric.objects.get(key="validated_time_saved")
    assert "performance_review" in metric.allowed_use
    assert "layoff_screen" in metric.prohibited_use


def test_seeded_blocked_metrics_allow_only_cost_diagnostic():
    blocked = Metric.objects.filter(policy_status="blocked")
    assert {tuple(m.allowed_use) for m in blocked} == {("cost_diagnostic",)}


def test_migration_creates_the_four_role_groups():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(Role.values) <= names


def test_seeded_registry_is_audited_and_chained():
    assert AuditEvent.objects.filter(object_type="registry.metric").count() == 8
    assert verify_chain() is None


# --- seed_demo -----------------------------------------------------------------------


def test_seed_demo_twice_adds_nothing_the_second_time():
    seed_demo()
    first = row_counts()
    seed_demo()
    assert row_counts() == first


def test_seed_demo_twice_keeps_the_audit_chain_intact():
    seed_demo()
    seed_demo()
    assert verify_chain() is None


def test_seed_demo_prints_passwords_only_when_it_creates_users():
    first = seed_demo()
    again = seed_demo()
    assert "demo-governance-2026" in first
    assert "password" not in again


def test_seed_demo_creates_one_user_per_role_with_known_password():
    seed_demo()
    for username, role in [
        ("governance", Role.GOVERNANCE),
        ("finance", Role.FINANCE),
        ("hr", Role.HR),
        ("owner", Role.TEAM_OWNER),
    ]:
        user = User.objects.get(username=username)
        assert access.roles_of(user) == {role}
        assert user.check_password(f"demo-{username}-2026")


def test_seed_demo_keeps_a_changed_password():
    seed_demo()
    hr = User.objects.get(username="hr")
    hr.set_password("changed-by-hr")
    hr.save()

    seed_demo()

    assert User.objects.get(username="hr").check_password("changed-by-hr")


def test_seed_demo_team_owners_see_only_their_own_workflows():
    seed_demo()
    owner2 = User.objects.get(username="owner2")
    assert [w.key for w in access.visible_workflows(owner2)] == ["sales-email-drafting"]


def test_seed_demo_has_90_days_of_diagnostics_per_workflow_ending_today():
    seed_demo()
    today = timezone.localdate()
    for key in ("support-triage", "sales-email-drafting", "code-review-assist"):
        days = TokenCostDiagnostic.objects.filter(workflow__key=key, source="demo")
        assert days.count() == 90
        assert days.latest("day").day == today


def test_seed_demo_has_weekly_snapshots_ending_today():
    seed_demo()
    snapshots = OutcomeSnapshot.objects.filter(workflow__key="support-triage")
    latest = snapshots.latest("measurement_end")
    assert latest.measurement_end == timezone.localdate()
    assert snapshots.count() == 13


def daily_cost(key, first_day, last_day):
    rows = TokenCostDiagnostic.objects.filter(
        workflow__key=key, day__range=(first_day, last_day)
    )
    return rows.aggregate(avg=Avg("cost_usd"))["avg"]


def test_seed_demo_sales_workflow_spikes_without_outcome_lift():
    seed_demo()
    today = timezone.localdate()
    week_ago = today - datetime.timedelta(days=7)
    recent = daily_cost("sales-email-drafting", today - datetime.timedelta(6), today)
    before = daily_cost(
        "sales-email-drafting", week_ago - datetime.timedelta(27), week_ago
    )
    latest = OutcomeSnapshot.objects.filter(
        workflow__key="sales-email-drafting"
    ).latest("measurement_end")

    assert recent > 4 * before
    assert latest.task_completion_delta <= 0
    assert latest.quality_score_delta < 0


def test_seed_demo_other_workflows_do_not_spike():
    seed_demo()
    today = timezone.localdate()
    week_ago = today - datetime.timedelta(days=7)
    recent = daily_cost("support-triage", today - datetime.timedelta(6), today)
    before = daily_cost("support-triage", week_ago - datetime.timedelta(27), week_ago)
    assert recent < 2 * before


def test_seed_demo_leaves_one_proposal_needing_revision_and_one_pending():
    seed_demo()
    statuses = dict(MetricProposal.objects.values_list("metric_key", "status"))
    assert statuses == {
        "first_contact_resolution": "needs_revision",
        "qualified_reply_rate": "pending_review",
    }


def test_seed_demo_has_a_requested_exception_and_a_draft_scorecard():
    seed_demo()
    exception = Metric.objects.get(key="token_cost_diagnostics").exceptions.get()
    scorecard = apps.get_model("reviews", "PerformanceScorecard").objects.get()
    assert (exception.status, scorecard.status) == ("requested", "draft")
    assert scorecard.entries.count() == 2
