"""The gaming detector: windows of usage against outcomes, one signal per finding.

A run (`start_run`) fixes its day, thresholds and the usage quartile, splits
the workflows into batches by id range and hands each batch to a Celery task
(`complete_batch`). A batch reads two aggregate queries, whatever its size,
then writes its signals under a lock keyed on the run's window: the database
refuses a second signal for the same workflow, type and window, and the lock
keeps overlapping runs from interleaving their writes. Nightly task, API and
`sync_gaming_signals` all call `start_run`.
"""

import datetime
import logging
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    Max,
    Min,
    Q,
    StdDev,
    Sum,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone

from registry.audit import stamp
from registry.choices import RiskTier
from registry.models import Workflow

from .locks import database_lock, redis_lock
from .models import (
    BatchStatus,
    DetectorBatch,
    DetectorRun,
    GamingSignal,
    OutcomeSnapshot,
    RunStatus,
    SignalType,
    TokenCostDiagnostic,
)

logger = logging.getLogger(__name__)

OUTCOME_FIELDS = (
    "task_completion_delta",
    "validated_time_saved_minutes",
    "quality_score_delta",
    "customer_satisfaction_delta",
)


@dataclass(frozen=True)
class Finding:
    workflow_id: object
    signal_type: str
    severity: str
    evidence: dict = field(default_factory=dict)


# --- Windows and run-wide parameters -----------------------------------------


def default_as_of():
    """The last complete day: the nightly run looks at yesterday and before."""
    return timezone.localdate() - datetime.timedelta(days=1)


def run_params(as_of):
    """Windows and thresholds for a run ending on `as_of`, as JSON-ready values."""
    recent_start = as_of - datetime.timedelta(days=settings.DETECTOR_RECENT_DAYS - 1)
    baseline_end = recent_start - datetime.timedelta(days=1)
    baseline_start = baseline_end - datetime.timedelta(
        days=settings.DETECTOR_BASELINE_DAYS - 1
    )
    params = {
        "as_of": as_of.isoformat(),
        "recent_start": recent_start.isoformat(),
        "baseline_start": baseline_start.isoformat(),
        "baseline_end": baseline_end.isoformat(),
        "recent_days": settings.DETECTOR_RECENT_DAYS,
        "min_baseline_days": settings.DETECTOR_MIN_BASELINE_DAYS,
        "cost_spike_ratio": settings.DETECTOR_COST_SPIKE_RATIO,
        "cost_spike_high_ratio": settings.DETECTOR_COST_SPIKE_HIGH_RATIO,
        "loop_request_ratio": settings.DETECTOR_LOOP_REQUEST_RATIO,
        "loop_high_request_ratio": settings.DETECTOR_LOOP_HIGH_REQUEST_RATIO,
        "loop_max_variation": settings.DETECTOR_LOOP_MAX_VARIATION,
        "loop_min_daily_requests": settings.DETECTOR_LOOP_MIN_DAILY_REQUESTS,
        "usage_quantile": settings.DETECTOR_USAGE_QUANTILE,
        "quality_drop_high": settings.DETECTOR_QUALITY_DROP_HIGH,
    }
    params["usage_threshold"] = usage_threshold(params)
    return params


def _day(params, name):
    return datetime.date.fromisoformat(params[name])


def _tokens():
    return F("tokens_in") + F("tokens_out")


def usage_threshold(params):
    """Recent tokens at the top-quartile cut across workflows, None without usage."""
    per_workflow = (
        TokenCostDiagnostic.objects.filter(
            provisional=False,
            day__range=(_day(params, "recent_start"), _day(params, "as_of")),
        )
        .values("workflow_id")
        .annotate(tokens=Sum(_tokens()))
        .order_by()
    )
    # One query: the totals in descending order, cut at the quantile's rank.
    ranked = list(per_workflow.order_by("-tokens").values_list("tokens", flat=True))
    if not ranked:
        return None
    rank = max(1, math.ceil(len(ranked) * (1 - params["usage_quantile"])))
    return int(ranked[rank - 1])


def _may_trigger(params):
    """A HAVING clause that keeps only workflows some rule could flag.

    A ratio is at most (recent total / recent days) / (baseline total / full
    baseline days), since a shorter baseline only raises its daily figure; rows
    below that bound cannot pass, so the database drops them.
    """
    full = (_day(params, "baseline_end") - _day(params, "baseline_start")).days + 1

    def bound(ratio):
        return Value(Decimal(str(ratio)) * params["recent_days"] / full)

    possible = Q(recent_cost__gt=F("baseline_cost") * bound(params["cost_spike_ratio"]))
    possible |= Q(
        recent_requests__gt=F("baseline_requests") * bound(params["loop_request_ratio"])
    )
    if params["usage_threshold"] is not None:
        possible |= Q(recent_tokens__gte=params["usage_threshold"])
    return possible


# --- The two set-based queries of a batch ------------------------------------


def usage_rows(params, first, last):
    """Per workflow in [first, last] that a rule could flag: usage in both windows."""
    recent = Q(day__gte=_day(params, "recent_start"))
    baseline = Q(day__lte=_day(params, "baseline_end"))
    with_requests = recent & Q(request_count__gt=0)
    per_request = Cast(_tokens(), FloatField()) / F("request_count")
    return (
        TokenCostDiagnostic.objects.filter(
            workflow_id__gte=first,
            workflow_id__lte=last,
            provisional=False,
            day__range=(_day(params, "baseline_start"), _day(params, "as_of")),
        )
        .values("workflow_id")
        .annotate(
            recent_cost=Sum("cost_usd", filter=recent),
            baseline_cost=Sum("cost_usd", filter=baseline),
            recent_requests=Sum("request_count", filter=recent),
            baseline_requests=Sum("request_count", filter=baseline),
            recent_tokens=Sum(_tokens(), filter=recent),
            baseline_days=Count("day", distinct=True, filter=baseline),
            baseline_first_day=Min("day", filter=baseline),
            per_request_mean=Avg(per_request, filter=with_requests),
            per_request_sd=StdDev(per_request, filter=with_requests),
        )
        .filter(_may_trigger(params))
        .order_by()
    )


def outcome_rows(params, first, last):
    """One row per workflow in [first, last]: its outcomes measured in the span."""
    in_recent = Q(measurement_end__gte=_day(params, "recent_start"))
    best = {f"best_{name}": Max(name, filter=in_recent) for name in OUTCOME_FIELDS}
    return (
        OutcomeSnapshot.objects.filter(
            workflow_id__gte=first,
            workflow_id__lte=last,
            measurement_end__gte=_day(params, "baseline_start"),
            measurement_start__lte=_day(params, "as_of"),
        )
        .values("workflow_id")
        .annotate(
            snapshots=Count("id"),
            worst_quality_score_delta=Min("quality_score_delta"),
            **best,
        )
        .order_by()
    )


# --- Rules: one summary row per workflow in, at most one finding out ----------


def _daily(total, days):
    return Decimal(total or 0) / Decimal(days)


def _baseline_length(row, params):
    """Baseline days since the workflow first reported, at most the full window."""
    first = row["baseline_first_day"]
    if isinstance(first, str):
        first = datetime.date.fromisoformat(first)
    return (_day(params, "baseline_end") - first).days + 1


def _has_baseline(row, params):
    return row["baseline_days"] >= params["min_baseline_days"]


def _improved(outcome):
    # TODO: also read snapshot metric_values (other approved outcome metrics);
    # needs a JSON aggregate that SQLite and PostgreSQL both run set-based.
    if outcome is None:
        return False
    return any((outcome[f"best_{name}"] or 0) > 0 for name in OUTCOME_FIELDS)


def _quality_fell(outcome):
    if outcome is None or outcome["worst_quality_score_delta"] is None:
        return False
    return outcome["worst_quality_score_delta"] < 0


def cost_spike_no_outcome(row, outcome, params):
    """Daily cost over twice its baseline, with no outcome improving in the window."""
    if not _has_baseline(row, params) or not row["baseline_cost"]:
        return None
    recent = _daily(row["recent_cost"], params["recent_days"])
    baseline = _daily(row["baseline_cost"], _baseline_length(row, params))
    ratio = recent / baseline
    if ratio <= Decimal(str(params["cost_spike_ratio"])) or _improved(outcome):
        return None

    high = ratio > Decimal(str(params["cost_spike_high_ratio"]))
    severity = RiskTier.HIGH if high or _quality_fell(outcome) else RiskTier.MEDIUM
    return severity, {
        "ratio": round(float(ratio), 3),
        "threshold": params["cost_spike_ratio"],
        "high_threshold": params["cost_spike_high_ratio"],
        "recent_daily_cost_usd": _money(recent),
        "baseline_daily_cost_usd": _money(baseline),
        "quality_fell": _quality_fell(outcome),
    }


def automation_loop(row, outcome, params):
    """Requests far above baseline with near-constant tokens per request."""
    if not _has_baseline(row, params) or not row["baseline_requests"]:
        return None
    recent = _daily(row["recent_requests"], params["recent_days"])
    baseline = _daily(row["baseline_requests"], _baseline_length(row, params))
    ratio = recent / baseline
    if ratio <= Decimal(str(params["loop_request_ratio"])):
        return None
    if recent < params["loop_min_daily_requests"] or not row["per_request_mean"]:
        return None
    variation = (row["per_request_sd"] or 0) / row["per_request_mean"]
    if variation > params["loop_max_variation"]:
        return None

    high = ratio > Decimal(str(params["loop_high_request_ratio"]))
    return RiskTier.HIGH if high else RiskTier.MEDIUM, {
        "ratio": round(float(ratio), 3),
        "threshold": params["loop_request_ratio"],
        "high_threshold": params["loop_high_request_ratio"],
        "recent_daily_requests": str(round(recent, 2)),
        "baseline_daily_requests": str(round(baseline, 2)),
        "tokens_per_request_variation": round(variation, 4),
        "max_variation": params["loop_max_variation"],
    }


def low_quality_high_usage(row, outcome, params):
    """Usage in the top quartile of workflows while quality fell."""
    threshold = params["usage_threshold"]
    tokens = row["recent_tokens"] or 0
    if threshold is None or tokens == 0 or tokens < threshold:
        return None
    if not _quality_fell(outcome):
        return None

    drop = -outcome["worst_quality_score_delta"]
    high = drop >= Decimal(str(params["quality_drop_high"]))
    return RiskTier.HIGH if high else RiskTier.MEDIUM, {
        "recent_tokens": tokens,
        "usage_threshold_tokens": threshold,
        "usage_quantile": params["usage_quantile"],
        "quality_score_delta": str(outcome["worst_quality_score_delta"]),
        "high_quality_drop": params["quality_drop_high"],
    }


RULES = {
    SignalType.COST_SPIKE_NO_OUTCOME: cost_spike_no_outcome,
    SignalType.AUTOMATION_LOOP: automation_loop,
    SignalType.LOW_QUALITY_HIGH_USAGE: low_quality_high_usage,
}


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _money(value):
    """Costs as decimal strings with four places, the same on every database."""
    return str(Decimal(value or 0).quantize(Decimal("0.0001")))


def _common_evidence(row, outcome, params):
    """The figures every signal carries: windows, costs, volumes, outcomes."""
    outcomes = {k: _jsonable(v) for k, v in (outcome or {}).items()}
    outcomes.pop("workflow_id", None)
    return {
        "windows": {
            "recent": [params["recent_start"], params["as_of"]],
            "baseline": [params["baseline_start"], params["baseline_end"]],
            "baseline_days_with_data": row["baseline_days"],
        },
        "costs_usd": {
            "recent": _money(row["recent_cost"]),
            "baseline": _money(row["baseline_cost"]),
        },
        "volumes": {
            "recent_requests": row["recent_requests"],
            "baseline_requests": row["baseline_requests"],
            "recent_tokens": row["recent_tokens"],
            "tokens_per_request_mean": _jsonable(row["per_request_mean"]),
        },
        "outcomes": outcomes or None,
    }


def evaluate(params, first, last):
    """Every finding for the workflows with ids in [first, last]; two queries."""
    outcomes = {row["workflow_id"]: row for row in outcome_rows(params, first, last)}
    findings = []
    for row in usage_rows(params, first, last):
        outcome = outcomes.get(row["workflow_id"])
        for signal_type, rule in RULES.items():
            result = rule(row, outcome, params)
            if result is None:
                continue
            severity, figures = result
            evidence = _common_evidence(row, outcome, params) | {"rule": figures}
            findings.append(
                Finding(row["workflow_id"], signal_type, severity, evidence)
            )
    return findings


# --- Runs and batches ---------------------------------------------------------


def load_actor(actor_id):
    if actor_id is None:
        return None
    return get_user_model().objects.filter(pk=actor_id).first()


def _plan_batches(run):
    """Split the workflows, ordered by id, into batches of contiguous id ranges."""
    ids = list(Workflow.objects.order_by("id").values_list("id", flat=True))
    size = settings.DETECTOR_BATCH_SIZE
    batches = [
        DetectorBatch(
            run=run,
            index=number,
            first_workflow_id=chunk[0],
            last_workflow_id=chunk[-1],
            workflow_count=len(chunk),
        )
        for number, chunk in enumerate(
            ids[start : start + size] for start in range(0, len(ids), size)
        )
    ]
    DetectorBatch.objects.bulk_create(batches)
    run.workflow_count = len(ids)
    run.batch_count = len(batches)
    if not batches:
        run.status = RunStatus.FINISHED
        run.finished_at = timezone.now()
    run.save()
    return [batch.pk for batch in batches]


def stale_batches(now=None):
    """Pending batches of runs started too long ago: their worker died."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.DETECTOR_STALE_MINUTES)
    return list(
        DetectorBatch.objects.filter(
            status=BatchStatus.PENDING,
            run__status=RunStatus.RUNNING,
            run__started_at__lt=cutoff,
        ).values_list("pk", "run__source", "run__requested_by_id")
    )


def _dispatch(jobs):
    """Queue one task per (batch id, source, actor id), after the commit."""
    from .tasks import detect_batch

    def send():
        for batch_id, source, actor_id in jobs:
            detect_batch.delay(str(batch_id), source=source, actor_id=actor_id)

    if current_app.conf.task_always_eager:
        send()
    else:
        transaction.on_commit(send)


def start_run(*, as_of=None, actor=None, source):
    """Start a detector run; with no broker it has finished when this returns."""
    as_of = as_of or default_as_of()
    actor = actor if getattr(actor, "is_authenticated", False) else None
    resumed = stale_batches()
    with transaction.atomic():
        run = DetectorRun.objects.create(
            as_of=as_of, source=source, requested_by=actor, params=run_params(as_of)
        )
        batch_ids = _plan_batches(run)

    logger.info(
        "detector run started run=%s as_of=%s workflows=%s batches=%s resumed=%s",
        run.pk,
        as_of,
        run.workflow_count,
        run.batch_count,
        len(resumed),
    )
    actor_id = actor.pk if actor else None
    # Stranded batches first: they belong to the older run and its window.
    _dispatch(resumed + [(pk, source, actor_id) for pk in batch_ids])
    run.refresh_from_db()
    return run


@contextmanager
def _counting_queries():
    """Count the SQL statements run inside the block, DEBUG or not."""
    counter = {"queries": 0}

    def count(execute, sql, params, many, context):
        counter["queries"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counter


def complete_batch(batch_id, *, source="worker", actor_id=None):
    """Evaluate one batch and write its signals; a finished batch is left alone."""
    batch = DetectorBatch.objects.select_related("run").get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        logger.info("detector batch already done batch=%s", batch.pk)
        return batch

    run = batch.run
    with _counting_queries() as counter:
        findings = evaluate(run.params, batch.first_workflow_id, batch.last_workflow_id)
    lock_name = f"detector:{run.as_of.isoformat()}"
    with redis_lock(lock_name), transaction.atomic():
        database_lock(lock_name)
        batch = DetectorBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status == BatchStatus.DONE:
            return batch
        actor = load_actor(actor_id)
        created = [f for f in findings if _insert(f, run, actor, source)]
        batch.status = BatchStatus.DONE
        batch.findings = len(findings)
        batch.signals_created = len(created)
        batch.query_count = counter["queries"]
        batch.finished_at = timezone.now()
        batch.save()
        _record_on_run(run.pk, findings, created)

    logger.info(
        "detector batch done batch=%s run=%s workflows=%s findings=%s created=%s "
        "queries=%s",
        batch.pk,
        run.pk,
        batch.workflow_count,
        len(findings),
        len(created),
        counter["queries"],
    )
    return batch


def _insert(finding, run, actor, source):
    """Insert one signal; False when its workflow, type and window already have one."""
    signal = GamingSignal(
        workflow_id=finding.workflow_id,
        signal_type=finding.signal_type,
        severity=finding.severity,
        window_start=_day(run.params, "recent_start"),
        window_end=run.as_of,
        evidence_json=finding.evidence | {"run_id": str(run.pk)},
    )
    stamp(
        signal,
        actor=actor,
        source=source,
        reason=f"Detector run {run.pk} found {finding.signal_type}",
    )
    try:
        # save() runs in its own savepoint, so a refused duplicate rolls back
        # only this signal (and its audit event), never the batch around it.
        signal.save()
    except IntegrityError:
        return False
    logger.info(
        "signal raised signal=%s workflow=%s type=%s severity=%s window=%s..%s",
        signal.pk,
        finding.workflow_id,
        finding.signal_type,
        finding.severity,
        signal.window_start,
        signal.window_end,
    )
    return True


def _record_on_run(run_id, findings, created):
    """Add a finished batch to its run's totals; the last one finishes the run."""
    run = DetectorRun.objects.select_for_update().get(pk=run_id)
    run.batches_done += 1
    run.findings += len(findings)
    run.signals_created += len(created)
    for finding in findings:
        run.found_by_type[finding.signal_type] = (
            run.found_by_type.get(finding.signal_type, 0) + 1
        )
    if run.batches_done >= run.batch_count:
        run.status = RunStatus.FINISHED
        run.finished_at = timezone.now()
    run.save()
    if run.status == RunStatus.FINISHED:
        logger.info(
            "detector run finished run=%s as_of=%s findings=%s created=%s",
            run.pk,
            run.as_of,
            run.findings,
            run.signals_created,
        )
