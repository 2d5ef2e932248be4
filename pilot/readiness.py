"""Does the pilot meet the seed's acceptance? Say yes, or name every gap.

Acceptance (seed, "Owner / Due / Acceptance" and D7): every metric the gate
allows for a workflow scorecard or a performance review has a formula, data
source, baseline, owner, quality threshold and anti-gaming check; and the
pilot has enough workflows, each with baseline, outcome metric, quality
rubric and data source answered by its owner.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import gate
from registry.choices import Use
from registry.models import Metric, Workflow

from .models import PENDING_STATUSES, EvidenceItem

READINESS_USES = (Use.WORKFLOW_SCORECARD, Use.PERFORMANCE_REVIEW)

METRIC_FIELDS = {
    "formula": _("Formula"),
    "data_source": _("Data source"),
    "baseline": _("Baseline"),
    "owner": _("Owner"),
    "quality_threshold": _("Quality threshold"),
    "anti_gaming_check": _("Anti-gaming check"),
}

WORKFLOW_ITEMS = (
    EvidenceItem.BASELINE,
    EvidenceItem.OUTCOME_METRIC,
    EvidenceItem.QUALITY_RUBRIC,
    EvidenceItem.DATA_SOURCE,
)


@dataclass
class MetricGap:
    key: str
    name: str
    missing: list

    @property
    def missing_labels(self):
        return [METRIC_FIELDS[name] for name in self.missing]


@dataclass
class WorkflowGap:
    key: str
    name: str
    missing: list
    pending_status: str = ""

    @property
    def missing_labels(self):
        return [EvidenceItem(item).label for item in self.missing]


@dataclass
class Readiness:
    metrics_checked: list = field(default_factory=list)
    metric_gaps: list = field(default_factory=list)
    workflows_checked: list = field(default_factory=list)
    workflow_gaps: list = field(default_factory=list)
    min_workflows: int = 0

    @property
    def too_few_workflows(self):
        return len(self.workflows_checked) < self.min_workflows

    @property
    def ready(self):
        return not (self.metric_gaps or self.workflow_gaps or self.too_few_workflows)


def metric_missing_fields(metric):
    """The acceptance fields the metric leaves empty, in the seed's order."""
    missing = []
    for name in METRIC_FIELDS:
        if name == "owner":
            if metric.owner_id is None:
                missing.append(name)
        elif not str(getattr(metric, name) or "").strip():
            missing.append(name)
    return missing


def allowed_metrics(at=None):
    """Metrics the gate allows (now, exceptions included) for any readiness use."""
    metrics = Metric.objects.order_by("key")
    allowed = {}
    for use in READINESS_USES:
        for metric in gate.allowed_metrics(use, at=at, metrics=metrics):
            allowed[metric.pk] = metric
    return sorted(allowed.values(), key=lambda metric: metric.key)


def answered_items(workflow):
    """Evidence items the owner has answered across the workflow's requests."""
    answered = set()
    for request in workflow.evidence_requests.all():
        answered.update(
            item for item, value in request.answers.items() if str(value).strip()
        )
    return answered


def check_readiness(*, workflows=None, at=None):
    """Return a Readiness report for the pilot (by default every pilot workflow)."""
    at = at or timezone.now()
    if workflows is None:
        workflows = Workflow.objects.filter(is_pilot=True)
    workflows = list(workflows.order_by("key").prefetch_related("evidence_requests"))

    report = Readiness(min_workflows=settings.PILOT_MIN_WORKFLOWS)
    for metric in allowed_metrics(at):
        report.metrics_checked.append(metric.key)
        missing = metric_missing_fields(metric)
        if missing:
            report.metric_gaps.append(MetricGap(metric.key, metric.name, missing))

    for workflow in workflows:
        report.workflows_checked.append(workflow.key)
        answered = answered_items(workflow)
        missing = [item for item in WORKFLOW_ITEMS if item not in answered]
        if missing:
            pending = [
                r.status
                for r in workflow.evidence_requests.all()
                if r.status in PENDING_STATUSES
            ]
            report.workflow_gaps.append(
                WorkflowGap(
                    workflow.key, workflow.name, missing, next(iter(pending), "")
                )
            )
    return report
