"""Writes of the signals app: outcome snapshots, token diagnostics, triage.

Every function is keyword-only, runs in one transaction and checks rights
through registry.access. `actor=None` means the system itself (a management
command or a worker), which acts without a user's rights check.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from registry import access
from registry.audit import stamp
from registry.choices import PolicyStatus, RiskTier
from registry.errors import InvalidInput, PermissionRefused
from registry.models import Metric
from registry.validation import clean_or_refuse

from .models import GamingSignal, OutcomeSnapshot, TokenCostDiagnostic, UsageSource

logger = logging.getLogger(__name__)

FIGURES = ("tokens_in", "tokens_out", "cost_usd", "request_count", "contributor_count")


def _check_ingest(actor, workflow):
    """Only the workflow's team owner or governance may ingest; None is the system."""
    if actor is None:
        return
    if not access.can_on_workflow(actor, "ingest", workflow):
        raise PermissionRefused(
            f"You may not add data to workflow {workflow.key}.",
            workflow_id=str(workflow.pk),
        )


# --- Outcome snapshots ----------------------------------------------------------


def _check_metric_values(values):
    """Extra values must be numbers keyed by approved outcome metrics."""
    if not values:
        return {}
    if not isinstance(values, dict):
        raise InvalidInput("metric_values must be an object keyed by metric key.")
    approved = set(
        Metric.objects.filter(
            key__in=list(values), kind="outcome", policy_status=PolicyStatus.APPROVED
        ).values_list("key", flat=True)
    )
    unknown = sorted(set(values) - approved)
    if unknown:
        raise InvalidInput(
            f"Not approved outcome metrics: {', '.join(unknown)}.",
            code="metric_not_outcome",
            metric_keys=unknown,
        )
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise InvalidInput(f"metric_values.{key} must be a number.")
    return {key: float(value) for key, value in values.items()}


def record_outcome_snapshot(
    *,
    actor,
    source,
    workflow,
    baseline_start,
    baseline_end,
    measurement_start,
    measurement_end,
    task_completion_delta=None,
    validated_time_saved_minutes=None,
    quality_score_delta=None,
    customer_satisfaction_delta=None,
    metric_values=None,
    evidence_url="",
):
    """Store a snapshot, replacing the one for the same measurement period.

    Returns (snapshot, created).
    """
    _check_ingest(actor, workflow)
    if not baseline_start <= baseline_end <= measurement_start <= measurement_end:
        raise InvalidInput(
            "Periods must be ordered: baseline start ≤ baseline end ≤ "
            "measurement start ≤ measurement end.",
            code="periods_out_of_order",
        )
    figures = {
        "baseline_start": baseline_start,
        "baseline_end": baseline_end,
        "task_completion_delta": task_completion_delta,
        "validated_time_saved_minutes": validated_time_saved_minutes,
        "quality_score_delta": quality_score_delta,
        "customer_satisfaction_delta": customer_satisfaction_delta,
        "metric_values": _check_metric_values(metric_values),
        "evidence_url": evidence_url or "",
    }

    with transaction.atomic():
        snapshot = (
            OutcomeSnapshot.objects.select_for_update()
            .filter(
                workflow=workflow,
                measurement_start=measurement_start,
                measurement_end=measurement_end,
            )
            .first()
        )
        created = snapshot is None
        if created:
            snapshot = OutcomeSnapshot(
                workflow=workflow,
                measurement_start=measurement_start,
                measurement_end=measurement_end,
            )
        for name, value in figures.items():
            setattr(snapshot, name, value)
        snapshot.created_by = actor if actor and actor.is_authenticated else None
        stamp(snapshot, actor=actor, source=source, reason="outcome snapshot recorded")
        clean_or_refuse(snapshot, exclude=["workflow", "created_by"])
        snapshot.save()

    logger.info(
        "outcome snapshot %s snapshot=%s workflow=%s period=%s..%s source=%s",
        "created" if created else "replaced",
        snapshot.pk,
        workflow.key,
        measurement_start,
        measurement_end,
        source,
    )
    return snapshot, created


# --- Token cost diagnostics ----------------------------------------------------


@dataclass(frozen=True)
class DiagnosticDay:
    """One workflow's figures for one day from one source, ready to store."""

    workflow: object
    day: datetime.date
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: Decimal = Decimal("0")
    request_count: int = 0
    contributor_count: int = 0
    provisional: bool = False


def _check_day(row, today):
    if row.day > today:
        raise InvalidInput(
            f"{row.workflow.key} {row.day}: a day in the future has no usage yet.",
            code="day_in_future",
        )
    for name in FIGURES:
        if getattr(row, name) < 0:
            raise InvalidInput(
                f"{row.workflow.key} {row.day}: {name} must not be negative.",
                code="negative_figure",
            )


def record_diagnostics(*, actor, source, usage_source, rows, fields=FIGURES):
    """Store per-workflow daily figures; a re-import of a day replaces, never adds.

    `fields` names the figures this import provides (a cost report brings only
    cost_usd), so a usage file and a cost file of one vendor fill the same row
    without erasing each other. Returns the number of rows written.
    """
    if usage_source not in UsageSource.values:
        raise InvalidInput(f"Unknown usage source {usage_source!r}.")
    unknown = set(fields) - set(FIGURES)
    if unknown:
        raise InvalidInput(f"Unknown figures: {', '.join(sorted(unknown))}.")
    today = timezone.localdate()
    slots = [(row.workflow.pk, row.day) for row in rows]
    if len(set(slots)) != len(slots):
        raise InvalidInput(
            "Each workflow and day may appear once per import.", code="duplicate_day"
        )
    for workflow in {row.workflow for row in rows}:
        _check_ingest(actor, workflow)
    for row in rows:
        _check_day(row, today)

    objects = [
        TokenCostDiagnostic(
            workflow=row.workflow,
            day=row.day,
            source=usage_source,
            provisional=row.provisional,
            **{name: getattr(row, name) for name in fields},
        )
        for row in rows
    ]
    with transaction.atomic():
        # One statement per chunk; the unique (workflow, day, source) key decides
        # between insert and replace, so concurrent imports cannot duplicate.
        TokenCostDiagnostic.objects.bulk_create(
            objects,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["workflow", "day", "source"],
            update_fields=[*fields, "provisional", "imported_at"],
        )

    logger.info(
        "diagnostics recorded rows=%s workflows=%s source=%s via=%s",
        len(objects),
        len({row.workflow.pk for row in rows}),
        usage_source,
        source,
    )
    return len(objects)


# --- Triage -----------------------------------------------------------------------

CLOSED = {GamingSignal.Status.RESOLVED, GamingSignal.Status.FALSE_POSITIVE}


def triage_signal(*, actor, source, signal, status, note):
    """Move a signal to `status` with a note; only governance closes a high one."""
    access.check(actor, "triage_signal")
    if status not in GamingSignal.Status.values:
        raise InvalidInput(
            f"Unknown status {status!r}; use one of "
            f"{', '.join(GamingSignal.Status.values)}.",
            code="invalid_status",
        )
    note = (note or "").strip()
    if not note:
        raise InvalidInput("A triage note is required.", code="note_required")
    if signal.severity == RiskTier.HIGH and status in CLOSED:
        access.check(actor, "close_high_signal")

    with transaction.atomic():
        signal = GamingSignal.objects.select_for_update().get(pk=signal.pk)
        previous = signal.status
        signal.status = status
        signal.triage_note = note
        stamp(signal, actor=actor, source=source, reason=note)
        signal.save()

    logger.info(
        "signal triaged signal=%s workflow=%s %s->%s by=%s source=%s",
        signal.pk,
        signal.workflow_id,
        previous,
        status,
        actor.get_username(),
        source,
    )
    return signal
