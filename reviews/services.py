"""Writes for proposals, gate reviews and performance scorecards.

Keyword-only functions, one transaction each, rights checked through
`registry.access`, metrics checked through `registry.gate`.
"""

import csv
import io
import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from registry import access, gate
from registry.audit import stamp
from registry.choices import PEOPLE_USES, PolicyStatus, Use
from registry.errors import Conflict, InvalidInput, NotFound, PermissionRefused
from registry.models import Metric
from registry.validation import clean_or_refuse

from .models import (
    Decision,
    ExportFormat,
    GateReview,
    MetricProposal,
    PerformanceScorecard,
    ProposalStatus,
    ScorecardExport,
    ScorecardMetric,
    ScorecardStatus,
)

logger = logging.getLogger(__name__)

PROPOSAL_FIELDS = (
    "metric_key",
    "name",
    "formula",
    "data_source",
    "proposed_uses",
    "baseline",
    "owner",
    "quality_rubric",
    "anti_gaming_rule",
    "evidence_url",
)
# A revision may change anything but the key: the key names what was proposed.
REVISABLE_FIELDS = tuple(name for name in PROPOSAL_FIELDS if name != "metric_key")

DECISION_TO_STATUS = {
    Decision.APPROVE: ProposalStatus.APPROVED,
    Decision.REJECT: ProposalStatus.REJECTED,
    Decision.DIAGNOSTIC_ONLY: ProposalStatus.DIAGNOSTIC_ONLY,
    Decision.NEEDS_REVISION: ProposalStatus.NEEDS_REVISION,
}
OPEN_STATUSES = (ProposalStatus.PENDING_REVIEW, ProposalStatus.NEEDS_REVISION)


# --- Proposals ---------------------------------------------------------------


def _check_may_propose(actor, workflow):
    if not access.can_on_workflow(actor, "propose", workflow):
        raise PermissionRefused(
            f"Only an owner of {workflow.key} may propose metrics for it.",
            code="not_workflow_owner",
        )


def _apply_evidence_rule(proposal):
    """Set status and missing_fields from what evidence the proposal lacks."""
    proposal.missing_fields = proposal.find_missing_evidence()
    if proposal.missing_fields:
        proposal.status = ProposalStatus.NEEDS_REVISION
    else:
        proposal.status = ProposalStatus.PENDING_REVIEW


def _evidence_reason(proposal, verb):
    if proposal.missing_fields:
        return f"{verb}; missing evidence: {', '.join(proposal.missing_fields)}"
    return f"{verb} with complete evidence"


def submit_proposal(*, actor, source, workflow, **fields):
    """Store a candidate metric; missing evidence makes it needs_revision at once."""
    _check_may_propose(actor, workflow)
    unknown = set(fields) - set(PROPOSAL_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.")

    proposal = MetricProposal(workflow=workflow, proposed_by=actor, **fields)
    _apply_evidence_rule(proposal)
    clean_or_refuse(proposal)
    with transaction.atomic():
        stamp(
            proposal,
            actor=actor,
            source=source,
            reason=_evidence_reason(proposal, "proposed"),
        )
        proposal.save()

    logger.info(
        "proposal submitted proposal=%s workflow=%s status=%s",
        proposal.pk,
        workflow.key,
        proposal.status,
    )
    return proposal


def revise_proposal(*, actor, source, proposal, **fields):
    """Resubmit an open proposal with new values; it becomes a new revision."""
    _check_may_propose(actor, proposal.workflow)
    not_revisable = set(fields) - set(REVISABLE_FIELDS)
    if not_revisable:
        raise InvalidInput(
            f"These fields cannot be revised: {', '.join(sorted(not_revisable))}."
        )

    with transaction.atomic():
        proposal = MetricProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status not in OPEN_STATUSES:
            raise Conflict(
                f"The proposal is {proposal.status}; it can no longer be revised.",
                code="proposal_closed",
            )
        for name, value in fields.items():
            setattr(proposal, name, value)
        proposal.revision += 1
        _apply_evidence_rule(proposal)
        clean_or_refuse(proposal)
        stamp(
            proposal,
            actor=actor,
            source=source,
            reason=_evidence_reason(proposal, "revised"),
        )
        proposal.save()

    logger.info(
        "proposal revised proposal=%s revision=%s", proposal.pk, proposal.revision
    )
    return proposal


# --- Reviews -------------------------------------------------------------------


def _check_scores(scores):
    for name, value in scores.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= 100
        ):
            raise InvalidInput(
                f"{name} must be a whole number from 0 to 100.", code="invalid_score"
            )


def _check_may_approve(proposal, scores):
    if proposal.missing_fields:
        missing = ", ".join(proposal.missing_fields)
        raise InvalidInput(
            f"Approval needs evidence first; missing: {missing}.",
            code="evidence_missing",
            missing_fields=proposal.missing_fields,
        )
    misses = []
    if scores["outcome_linkage_score"] < settings.REVIEW_MIN_OUTCOME_LINKAGE:
        misses.append(f"outcome linkage below {settings.REVIEW_MIN_OUTCOME_LINKAGE}")
    if scores["gaming_risk_score"] > settings.REVIEW_MAX_GAMING_RISK:
        misses.append(f"gaming risk above {settings.REVIEW_MAX_GAMING_RISK}")
    if scores["data_quality_score"] < settings.REVIEW_MIN_DATA_QUALITY:
        misses.append(f"data quality below {settings.REVIEW_MIN_DATA_QUALITY}")
    if misses:
        raise InvalidInput(
            f"Approval refused: {'; '.join(misses)}.", code="scores_below_threshold"
        )
    non_waivable = set(proposal.proposed_uses) & set(settings.GATE_NON_WAIVABLE_USES)
    if non_waivable:
        raise InvalidInput(
            f"No metric may be approved for {', '.join(sorted(non_waivable))}.",
            code="use_not_approvable",
        )


def decide_proposal(
    *,
    actor,
    source,
    proposal,
    decision,
    reason,
    outcome_linkage_score,
    gaming_risk_score,
    data_quality_score,
):
    """Record a governance decision on the proposal's current revision.

    Two reviewers deciding at once: the first to lock the proposal wins and the
    other gets Conflict (`already_decided`).
    """
    access.check(actor, "review_proposal")
    if decision not in Decision.values:
        raise InvalidInput(f"Unknown decision {decision!r}.", code="invalid_decision")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("A decision needs a reason.", code="reason_required")
    scores = {
        "outcome_linkage_score": outcome_linkage_score,
        "gaming_risk_score": gaming_risk_score,
        "data_quality_score": data_quality_score,
    }
    _check_scores(scores)

    try:
        with transaction.atomic():
            review = _decide_locked(
                actor, source, proposal.pk, decision, reason, scores
            )
    except IntegrityError as error:
        raise _already_decided() from error

    logger.info(
        "proposal decided proposal=%s decision=%s review=%s",
        proposal.pk,
        decision,
        review.pk,
    )
    return review


def _already_decided():
    return Conflict("Someone decided this proposal already.", code="already_decided")


def _decide_locked(actor, source, proposal_id, decision, reason, scores):
    proposal = MetricProposal.objects.select_for_update().get(pk=proposal_id)
    already = GateReview.objects.filter(
        proposal=proposal, proposal_revision=proposal.revision
    ).exists()
    if already or proposal.status not in OPEN_STATUSES:
        raise _already_decided()
    if decision == Decision.APPROVE:
        _check_may_approve(proposal, scores)

    review = GateReview(
        proposal=proposal,
        proposal_revision=proposal.revision,
        decision=decision,
        decision_reason=reason,
        reviewer=actor,
        **scores,
    )
    stamp(review, actor=actor, source=source, reason=reason)
    review.save()

    proposal.status = DECISION_TO_STATUS[decision]
    stamp(proposal, actor=actor, source=source, reason=reason, action="reviewed")
    proposal.save()

    if decision in (Decision.APPROVE, Decision.DIAGNOSTIC_ONLY):
        _write_registry_entry(proposal, review, actor, source)
    return review


def _write_registry_entry(proposal, review, actor, source):
    """Create or update the metric the proposal named, with the decided policy."""
    metric = Metric.objects.select_for_update().filter(key=proposal.metric_key).first()
    metric = metric or Metric(key=proposal.metric_key, kind=Metric.Kind.OUTCOME)
    if review.decision == Decision.APPROVE:
        metric.policy_status = PolicyStatus.APPROVED
        metric.allowed_use = list(proposal.proposed_uses)
        metric.prohibited_use = [
            use
            for use in settings.GATE_NON_WAIVABLE_USES
            if use not in proposal.proposed_uses
        ]
    else:
        metric.policy_status = PolicyStatus.DIAGNOSTIC_ONLY
        metric.allowed_use = [Use.COST_DIAGNOSTIC.value]
        metric.prohibited_use = sorted(PEOPLE_USES)
    metric.name = proposal.name
    metric.formula = proposal.formula
    metric.data_source = proposal.data_source
    metric.baseline = proposal.baseline
    metric.quality_threshold = proposal.quality_rubric
    metric.anti_gaming_check = proposal.anti_gaming_rule
    metric.rationale = review.decision_reason
    clean_or_refuse(metric)
    reason = (
        f"Proposal {proposal.pk} decided {review.decision}: {review.decision_reason}"
    )
    stamp(metric, actor=actor, source=source, reason=reason, action="policy_changed")
    metric.save()
    return metric


# --- Performance scorecards -------------------------------------------------------


def create_performance_scorecard(
    *, actor, source, name, subject, period_start, period_end
):
    access.check(actor, "build_performance_scorecard")
    scorecard = PerformanceScorecard(
        name=name,
        subject=subject,
        period_start=period_start,
        period_end=period_end,
        created_by=actor,
    )
    clean_or_refuse(scorecard, exclude=["approved_by"])
    if period_start > period_end:
        raise InvalidInput(
            "The period ends before it starts.", code="period_out_of_order"
        )
    with transaction.atomic():
        stamp(scorecard, actor=actor, source=source, reason="scorecard created")
        scorecard.save()

    logger.info("performance scorecard created scorecard=%s", scorecard.pk)
    return scorecard


def _lock_draft(scorecard):
    scorecard = PerformanceScorecard.objects.select_for_update().get(pk=scorecard.pk)
    if scorecard.status != ScorecardStatus.DRAFT:
        raise Conflict(
            "The scorecard is approved; it can no longer change.",
            code="scorecard_approved",
        )
    return scorecard


def add_scorecard_metric(*, actor, source, scorecard, metric_key):
    """Put a metric into a draft scorecard if the gate allows it for reviews."""
    access.check(actor, "build_performance_scorecard")
    metric = Metric.objects.filter(key=metric_key).first()
    if metric is None:
        raise NotFound(f"No metric with key {metric_key}.", code="metric_not_found")
    gate.require(metric, Use.PERFORMANCE_REVIEW)

    with transaction.atomic():
        scorecard = _lock_draft(scorecard)
        if scorecard.entries.filter(metric=metric).exists():
            raise Conflict(
                f"{metric.key} is already on the scorecard.",
                code="metric_already_added",
            )
        entry = ScorecardMetric(scorecard=scorecard, metric=metric, added_by=actor)
        stamp(entry, actor=actor, source=source, reason=f"added {metric.key}")
        entry.save()

    logger.info(
        "scorecard metric added scorecard=%s metric=%s", scorecard.pk, metric.key
    )
    return entry


def remove_scorecard_metric(*, actor, source, scorecard, metric_key):
    access.check(actor, "build_performance_scorecard")
    with transaction.atomic():
        scorecard = _lock_draft(scorecard)
        entry = scorecard.entries.filter(metric__key=metric_key).first()
        if entry is None:
            raise NotFound(
                f"{metric_key} is not on the scorecard.", code="metric_not_on_scorecard"
            )
        stamp(entry, actor=actor, source=source, reason=f"removed {metric_key}")
        entry.delete()

    logger.info(
        "scorecard metric removed scorecard=%s metric=%s", scorecard.pk, metric_key
    )


def approve_performance_scorecard(*, actor, source, scorecard, reason=""):
    """Governance approval; every metric must still pass the gate now."""
    access.check(actor, "approve_performance_scorecard")
    with transaction.atomic():
        scorecard = _lock_draft(scorecard)
        metrics = [entry.metric for entry in scorecard.entries.select_related("metric")]
        if not metrics:
            raise InvalidInput(
                "An empty scorecard cannot be approved.", code="scorecard_empty"
            )
        for metric in metrics:
            gate.require(metric, Use.PERFORMANCE_REVIEW)
        scorecard.status = ScorecardStatus.APPROVED
        scorecard.approved_by = actor
        scorecard.approved_at = timezone.now()
        stamp(
            scorecard, actor=actor, source=source, reason=reason.strip() or "approved"
        )
        scorecard.save()

    logger.info("performance scorecard approved scorecard=%s", scorecard.pk)
    return scorecard


def export_performance_scorecard(*, actor, source, scorecard, fmt):
    """Freeze an approved scorecard as JSON or CSV; the gate is asked again now."""
    access.check(actor, "view_performance_scorecards")
    if fmt not in ExportFormat.values:
        raise InvalidInput(f"Unknown export format {fmt!r}.", code="invalid_format")
    if scorecard.status != ScorecardStatus.APPROVED:
        raise Conflict(
            "Exports exist only once governance approved the scorecard.",
            code="scorecard_not_approved",
        )

    metrics = [entry.metric for entry in scorecard.entries.select_related("metric")]
    rows = [
        _export_row(metric, gate.require(metric, Use.PERFORMANCE_REVIEW))
        for metric in metrics
    ]
    export = ScorecardExport(
        scorecard=scorecard,
        format=fmt,
        content=_render_export(scorecard, rows, fmt),
        metric_keys=[metric.key for metric in metrics],
        created_by=actor,
    )
    with transaction.atomic():
        stamp(export, actor=actor, source=source, reason=f"{fmt} export")
        export.save()

    logger.info("scorecard exported scorecard=%s export=%s", scorecard.pk, export.pk)
    return export


EXPORT_COLUMNS = [
    "metric_key",
    "metric_name",
    "unit",
    "formula",
    "data_source",
    "baseline",
    "quality_threshold",
    "under_exception",
]


def _export_row(metric, decision):
    return {
        "metric_key": metric.key,
        "metric_name": metric.name,
        "unit": metric.unit,
        "formula": metric.formula,
        "data_source": metric.data_source,
        "baseline": metric.baseline,
        "quality_threshold": metric.quality_threshold,
        "under_exception": decision.exception_id or "",
    }


def _render_export(scorecard, rows, fmt):
    if fmt == ExportFormat.JSON:
        return json.dumps(
            {
                "scorecard": str(scorecard.pk),
                "name": scorecard.name,
                "subject": scorecard.subject,
                "period_start": scorecard.period_start.isoformat(),
                "period_end": scorecard.period_end.isoformat(),
                "approved_by": scorecard.approved_by.get_username(),
                "approved_at": scorecard.approved_at.isoformat(),
                "metrics": rows,
            },
            indent=2,
        )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
