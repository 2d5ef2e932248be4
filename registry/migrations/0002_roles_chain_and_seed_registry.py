"""Roles as groups, the audit chain's head row, and the registry of DESIGN.md."""

from django.db import migrations
from django.utils import timezone

from registry.audit import GENESIS_HASH, compute_hash, event_fields

ROLES = ["team_owner", "governance_owner", "finance_owner", "hr_admin"]

PEOPLE = [
    "performance_review",
    "performance_rank",
    "bonus",
    "layoff_screen",
    "individual_leaderboard",
]
OUTCOME_USES = ["workflow_scorecard", "executive_report", "performance_review"]
NEVER_FOR_OUTCOMES = ["layoff_screen", "individual_leaderboard"]

SEED = [
    {
        "key": "token_consumption",
        "name": "Token consumption",
        "kind": "usage",
        "unit": "tokens",
        "policy_status": "blocked",
        "rationale": "Rewards burning tokens, not results; invites tokenmaxxing.",
    },
    {
        "key": "prompt_count",
        "name": "Prompt count",
        "kind": "usage",
        "unit": "prompts",
        "policy_status": "blocked",
        "rationale": "Useful for troubleshooting, never a productivity proxy.",
    },
    {
        "key": "ai_usage_leaderboard",
        "name": "AI usage leaderboard",
        "kind": "usage",
        "unit": "rank",
        "policy_status": "blocked",
        "rationale": "Ranking people by usage is what caused tokenmaxxing.",
    },
    {
        "key": "tool_active_days",
        "name": "Tool active days",
        "kind": "usage",
        "unit": "days",
        "policy_status": "diagnostic_only",
        "rationale": "Shows adoption exposure only; needs an outcome beside it.",
    },
    {
        "key": "token_cost_diagnostics",
        "name": "Token cost diagnostics",
        "kind": "cost",
        "unit": "USD",
        "policy_status": "diagnostic_only",
        "rationale": "Cost context for finance; never a measure of people.",
    },
    {
        "key": "task_completion_rate",
        "name": "Task completion rate",
        "kind": "outcome",
        "unit": "delta",
        "snapshot_field": "task_completion_delta",
        "policy_status": "approved",
        "rationale": "Needs a definition of done, a review sample and a baseline.",
        "formula": "tasks done to the definition of done / tasks started",
        "quality_threshold": "Sampled review agrees with 'done' in 90% of cases",
        "anti_gaming_check": "Reviewer samples completed tasks weekly",
    },
    {
        "key": "validated_time_saved",
        "name": "Validated time saved",
        "kind": "outcome",
        "unit": "minutes",
        "snapshot_field": "validated_time_saved_minutes",
        "policy_status": "approved",
        "rationale": "Needs a workflow baseline and sampled verification.",
        "formula": "baseline minutes per task - measured minutes per task",
        "quality_threshold": "Self-reports alone never count",
        "anti_gaming_check": "Timed samples checked against the baseline",
    },
    {
        "key": "quality_defect_rate",
        "name": "Quality / defect rate",
        "kind": "outcome",
        "unit": "delta",
        "snapshot_field": "quality_score_delta",
        "policy_status": "approved",
        "rationale": "Needs a rubric, a reviewer and customer or internal evidence.",
        "formula": "rubric score of reviewed output, against the baseline period",
        "quality_threshold": "Rubric scored by a reviewer outside the team",
        "anti_gaming_check": "Defects counted from customer and QA reports",
    },
]


def policy_uses(status):
    if status == "approved":
        return OUTCOME_USES, NEVER_FOR_OUTCOMES
    return ["cost_diagnostic"], PEOPLE


def audit_state(metric):
    return (
        f"{metric.policy_status} allowed=[{','.join(metric.allowed_use)}] "
        f"prohibited=[{','.join(metric.prohibited_use)}]"
    )


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Metric = apps.get_model("registry", "Metric")
    HistoricalMetric = apps.get_model("registry", "HistoricalMetric")
    AuditEvent = apps.get_model("registry", "AuditEvent")
    AuditChainHead = apps.get_model("registry", "AuditChainHead")

    for role in ROLES:
        Group.objects.get_or_create(name=role)

    head, _ = AuditChainHead.objects.get_or_create(pk=1)
    reason = "Initial registry from DESIGN.md"
    for entry in SEED:
        if Metric.objects.filter(key=entry["key"]).exists():
            continue
        allowed, prohibited = policy_uses(entry["policy_status"])
        metric = Metric.objects.create(
            **entry,
            allowed_use=allowed,
            prohibited_use=prohibited,
            data_source=entry.get("data_source", "workflow outcome snapshots"),
            baseline=entry.get("baseline", "the workflow's pre-AI period"),
        )
        now = timezone.now()
        fields = {f.attname: getattr(metric, f.attname) for f in Metric._meta.fields}
        HistoricalMetric.objects.create(
            **fields,
            history_date=now,
            history_type="+",
            history_change_reason=reason,
            source="cli",
        )
        event = AuditEvent(
            created_at=now,
            actor=None,
            actor_username="",
            action="created",
            object_type="registry.metric",
            object_id=str(metric.pk),
            object_repr=metric.key,
            previous_state="",
            next_state=audit_state(metric),
            reason=reason,
            source="cli",
            prev_hash=head.last_hash or GENESIS_HASH,
        )
        event.hash = compute_hash(event.prev_hash, event_fields(event))
        event.save()
        head.last_hash = event.hash
        head.last_event_id = event.pk
        head.event_count += 1
    head.save()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
