"""Data the benchmarks share: a registry of bench metrics and a workflow's history."""

import datetime
from decimal import Decimal

DAYS = 90


def ensure_metrics(count, *, prefix, reason, blocked_every=None):
    """Top the registry up to `count` metrics named `prefix`_NNNNN.

    Every `blocked_every`-th one is a blocked usage metric; the rest are
    approved outcome metrics for scorecards and reviews.
    """
    from registry.audit import audit_context
    from registry.models import Metric

    start = Metric.objects.count()
    with audit_context(actor=None, source="cli", reason=reason):
        for index in range(start, max(count, start)):
            approved = not blocked_every or index % blocked_every != 0
            Metric(
                key=f"{prefix}_{index:05d}",
                name=f"Bench metric {index}",
                kind="outcome" if approved else "usage",
                policy_status="approved" if approved else "blocked",
                allowed_use=(
                    ["workflow_scorecard", "performance_review"]
                    if approved
                    else ["cost_diagnostic"]
                ),
                prohibited_use=["layoff_screen"] if approved else ["bonus"],
                formula="done / started",
                data_source="bench",
                baseline="bench baseline",
                quality_threshold="bench threshold",
                anti_gaming_check="bench check",
            ).save()


def fill_workflow(workflow):
    """90 days of token costs and weekly outcome snapshots, once."""
    from signals.models import OutcomeSnapshot, TokenCostDiagnostic

    if workflow.diagnostics.exists():
        return
    today = datetime.date.today()
    TokenCostDiagnostic.objects.bulk_create(
        TokenCostDiagnostic(
            workflow=workflow,
            day=today - datetime.timedelta(days=offset),
            source="api",
            tokens_in=100_000 + offset,
            tokens_out=20_000,
            cost_usd=Decimal("10") + offset % 7,
            request_count=400,
            contributor_count=8,
        )
        for offset in range(DAYS)
    )
    OutcomeSnapshot.objects.bulk_create(
        OutcomeSnapshot(
            workflow=workflow,
            baseline_start=datetime.date(2025, 1, 1),
            baseline_end=datetime.date(2025, 3, 31),
            measurement_start=today - datetime.timedelta(days=offset + 6),
            measurement_end=today - datetime.timedelta(days=offset),
            task_completion_delta=Decimal("0.05"),
            quality_score_delta=Decimal("0.01"),
            validated_time_saved_minutes=100,
        )
        for offset in range(0, DAYS, 7)
    )
