"""Factories for every model; governed ones are saved with a test audit context."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from registry.access import grant_workflow
from registry.audit import stamp
from registry.choices import Role
from registry.models import Metric, MetricException, Workflow
from reviews.models import (
    GateReview,
    MetricProposal,
    PerformanceScorecard,
    ScorecardExport,
)
from signals.models import GamingSignal, OutcomeSnapshot, TokenCostDiagnostic


class GovernedFactory(factory.django.DjangoModelFactory):
    """Saves through the model's own save(), stamped as a CLI fixture."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        instance = model_class(*args, **kwargs)
        stamp(instance, actor=None, source="cli", reason="test fixture")
        instance.save()
        return instance


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw-for-tests")

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if extracted:
            user.groups.add(Group.objects.get(name=Role(extracted)))


class WorkflowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workflow
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"workflow-{n}")
    name = factory.LazyAttribute(lambda w: w.key.replace("-", " ").title())
    team = "Support"
    owner = factory.SubFactory(UserFactory, role=Role.TEAM_OWNER)

    @factory.post_generation
    def grant_owner(workflow, create, extracted, **kwargs):
        if create:
            grant_workflow(workflow.owner, workflow)


class MetricFactory(GovernedFactory):
    class Meta:
        model = Metric

    key = factory.Sequence(lambda n: f"metric_{n}")
    name = factory.LazyAttribute(lambda m: m.key.replace("_", " ").capitalize())
    policy_status = "approved"
    allowed_use = factory.LazyFunction(
        lambda: ["workflow_scorecard", "executive_report", "performance_review"]
    )
    prohibited_use = factory.LazyFunction(lambda: ["layoff_screen"])
    formula = "done / started"
    data_source = "ticket system"
    baseline = "Q1 average"
    quality_threshold = "90% sampled agreement"
    anti_gaming_check = "weekly sample review"


class MetricExceptionFactory(GovernedFactory):
    class Meta:
        model = MetricException

    metric = factory.LazyFunction(lambda: Metric.objects.get(key="token_consumption"))
    requested_use = "performance_review"
    risk_tier = "medium"
    audit_note = "Pilot comparison for one quarter"
    expires_at = factory.LazyFunction(
        lambda: timezone.now() + datetime.timedelta(days=30)
    )
    requested_by = factory.SubFactory(UserFactory, role=Role.HR)


class ProposalFactory(GovernedFactory):
    class Meta:
        model = MetricProposal

    workflow = factory.SubFactory(WorkflowFactory)
    metric_key = factory.Sequence(lambda n: f"proposed_metric_{n}")
    name = "Resolved tickets per week"
    formula = "resolved / opened"
    data_source = "helpdesk"
    proposed_uses = factory.LazyFunction(lambda: ["workflow_scorecard"])
    baseline = "Q1 2026 weekly average"
    owner = "support lead"
    quality_rubric = "Sampled by QA"
    anti_gaming_rule = "Reopened tickets do not count"
    evidence_url = "https://example.com/evidence"
    proposed_by = factory.LazyAttribute(lambda p: p.workflow.owner)


class GateReviewFactory(GovernedFactory):
    class Meta:
        model = GateReview

    proposal = factory.SubFactory(ProposalFactory)
    proposal_revision = factory.LazyAttribute(lambda r: r.proposal.revision)
    decision = "approve"
    decision_reason = "Clear outcome link"
    outcome_linkage_score = 80
    gaming_risk_score = 20
    data_quality_score = 75
    reviewer = factory.SubFactory(UserFactory, role=Role.GOVERNANCE)


class PerformanceScorecardFactory(GovernedFactory):
    class Meta:
        model = PerformanceScorecard

    name = factory.Sequence(lambda n: f"Scorecard {n}")
    subject = "Support analyst"
    period_start = datetime.date(2026, 1, 1)
    period_end = datetime.date(2026, 6, 30)
    created_by = factory.SubFactory(UserFactory, role=Role.HR)


class ScorecardExportFactory(GovernedFactory):
    class Meta:
        model = ScorecardExport

    scorecard = factory.SubFactory(PerformanceScorecardFactory)
    format = "json"
    content = "{}"
    metric_keys = factory.LazyFunction(list)
    created_by = factory.LazyAttribute(lambda e: e.scorecard.created_by)


class OutcomeSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeSnapshot

    workflow = factory.SubFactory(WorkflowFactory)
    baseline_start = datetime.date(2026, 1, 1)
    baseline_end = datetime.date(2026, 1, 31)
    measurement_start = datetime.date(2026, 2, 1)
    measurement_end = datetime.date(2026, 2, 28)
    task_completion_delta = Decimal("0.05")
    validated_time_saved_minutes = 120
    quality_score_delta = Decimal("0.02")
    evidence_url = "https://example.com/sample"


class TokenCostDiagnosticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TokenCostDiagnostic

    workflow = factory.SubFactory(WorkflowFactory)
    day = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(n))
    source = "api"
    tokens_in = 100_000
    tokens_out = 20_000
    cost_usd = Decimal("12.50")
    request_count = 400
    contributor_count = 6


class GamingSignalFactory(GovernedFactory):
    class Meta:
        model = GamingSignal

    workflow = factory.SubFactory(WorkflowFactory)
    signal_type = "cost_spike_no_outcome"
    severity = "medium"
    window_start = datetime.date(2026, 2, 22)
    window_end = datetime.date(2026, 2, 28)
    evidence_json = factory.LazyFunction(lambda: {"ratio": 2.5})
