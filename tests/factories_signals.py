"""Builders for detector and ingestion tests: daily usage series, runs, snapshots."""

import datetime
import uuid
from decimal import Decimal

from signals.models import TokenCostDiagnostic

from .factories import OutcomeSnapshotFactory

AS_OF = datetime.date(2026, 11, 30)
RECENT_START = AS_OF - datetime.timedelta(days=6)
BASELINE_START = RECENT_START - datetime.timedelta(days=28)


def usage_series(
    workflow,
    *,
    first_day,
    days,
    cost="10",
    requests=100,
    tokens_in=1000,
    tokens_out=200,
    source="api",
    provisional=False,
):
    """One diagnostic row a day for `days` days from `first_day`."""
    rows = [
        TokenCostDiagnostic(
            workflow=workflow,
            day=first_day + datetime.timedelta(days=offset),
            source=source,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=Decimal(cost),
            request_count=requests,
            contributor_count=6,
            provisional=provisional,
        )
        for offset in range(days)
    ]
    return TokenCostDiagnostic.objects.bulk_create(rows)


def usage_history(workflow, *, baseline=None, recent=None):
    """28 baseline days then 7 recent days ending on AS_OF, each a dict of figures."""
    usage_series(workflow, first_day=BASELINE_START, days=28, **(baseline or {}))
    usage_series(workflow, first_day=RECENT_START, days=7, **(recent or {}))


def recent_snapshot(workflow, **deltas):
    """An outcome snapshot measured over the recent window, with given deltas."""
    figures = {
        "task_completion_delta": Decimal("0"),
        "validated_time_saved_minutes": 0,
        "quality_score_delta": Decimal("0"),
    }
    figures.update(deltas)
    return OutcomeSnapshotFactory(
        workflow=workflow,
        baseline_start=BASELINE_START,
        baseline_end=RECENT_START - datetime.timedelta(days=1),
        measurement_start=RECENT_START,
        measurement_end=AS_OF,
        **figures,
    )


def finished_run(**fields):
    """A finished detector run with one done batch, as the detector leaves it."""
    from django.utils import timezone

    from signals.models import DetectorBatch, DetectorRun

    run = DetectorRun.objects.create(
        as_of=AS_OF,
        source="cli",
        status="finished",
        batch_count=1,
        batches_done=1,
        finished_at=timezone.now(),
        **fields,
    )
    DetectorBatch.objects.create(
        run=run,
        index=0,
        first_workflow_id=uuid.uuid4(),
        last_workflow_id=uuid.uuid4(),
        status="done",
    )
    return run
