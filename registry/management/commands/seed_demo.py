"""The demo pilot: three workflows, one user per role and 90 days of figures.

Idempotent: a second run finds what the first made and adds nothing. The
figures are deterministic (seeded per workflow and day), so the sales workflow
always shows a cost spike without outcome lift in its last seven days.
"""

import datetime
import logging
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from pilot import services as pilot_services
from pilot.models import EvidenceItem, EvidenceRequest
from registry import services as registry_services
from registry.audit import stamp
from registry.choices import Role, Source
from registry.models import Metric, MetricException, Workflow
from reviews import services as review_services
from reviews.models import MetricProposal, PerformanceScorecard
from signals import detector
from signals.models import OutcomeSnapshot, TokenCostDiagnostic

from .create_role_user import upsert_role_user

logger = logging.getLogger(__name__)

DAYS = 90
WEEKS = -(-DAYS // 7)  # weekly snapshots covering all 90 days
SPIKE_DAYS = 7
SPIKE_FACTOR = 4.5
SOURCE = TokenCostDiagnostic.Source.DEMO


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    superuser: bool = False

    @property
    def password(self):
        return f"demo-{self.username}-2026"


USERS = [
    DemoUser("governance", Role.GOVERNANCE),
    DemoUser("finance", Role.FINANCE),
    DemoUser("hr", Role.HR),
    DemoUser("owner", Role.TEAM_OWNER),
    DemoUser("owner2", Role.TEAM_OWNER),
    # Admin is for data fixes; the superuser is also audited.
    DemoUser("admin", Role.GOVERNANCE, superuser=True),
]


@dataclass(frozen=True)
class DemoWorkflow:
    key: str
    name: str
    team: str
    owner: str
    daily_cost: float
    contributors: int
    spikes: bool = False


WORKFLOWS = [
    DemoWorkflow(
        "support-triage", "Support ticket triage", "Support", "owner", 42.0, 12
    ),
    DemoWorkflow(
        "sales-email-drafting",
        "Sales email drafting",
        "Sales",
        "owner2",
        26.0,
        8,
        spikes=True,
    ),
    DemoWorkflow(
        "code-review-assist", "Code review assistant", "Engineering", "owner", 61.0, 9
    ),
]

# Dollars per thousand tokens, and tokens per request, for the generated days.
USD_PER_KTOKEN = 0.006
TOKENS_PER_REQUEST = 2400


class Command(BaseCommand):
    help = "Load the demo pilot (workflows, users, 90 days of data); safe to rerun."

    def handle(self, *args, **options):
        today = timezone.localdate()
        with transaction.atomic():
            users = self._users()
            workflows = self._workflows(users)
            diagnostics = self._diagnostics(workflows, today)
            snapshots = self._snapshots(workflows, users, today)
            self._proposals(workflows, users)
            self._exception(users)
            self._scorecard(users, today)
            self._metric_owners(users)
            self._evidence_requests(workflows, users, today)

        if diagnostics:
            # New usage to look at. After the commit, so queued runs see it.
            detector.start_run(source=Source.CLI)

        logger.info(
            "demo seeded diagnostics_added=%s snapshots_added=%s",
            diagnostics,
            snapshots,
        )
        self.stdout.write(
            f"Demo pilot ready: {len(workflows)} workflows, "
            f"{diagnostics} new diagnostic days, {snapshots} new outcome snapshots."
        )

    # --- users and workflows ------------------------------------------------

    def _users(self):
        """Create the demo users once; print each password only when created."""
        users = {}
        User = get_user_model()
        for demo in USERS:
            exists = User.objects.filter(username=demo.username).exists()
            password = None if exists else demo.password
            user, created = upsert_role_user(demo.username, demo.role, password)
            if demo.superuser and not user.is_superuser:
                user.is_superuser = user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
            if not user.email:
                # Notifications need an address; the console backend prints them.
                user.email = f"{demo.username}@demo.metricgate.invalid"
                user.save(update_fields=["email"])
            if created:
                self.stdout.write(
                    f"Created {demo.username} ({demo.role}) password: {demo.password}"
                )
            users[demo.username] = user
        return users

    def _workflows(self, users):
        workflows = []
        for demo in WORKFLOWS:
            workflow = Workflow.objects.filter(key=demo.key).first()
            if workflow is None:
                workflow = registry_services.register_workflow(
                    actor=users["governance"],
                    source=Source.CLI,
                    key=demo.key,
                    name=demo.name,
                    team=demo.team,
                    owner=users[demo.owner],
                    is_pilot=True,
                )
            workflows.append((demo, workflow))
        return workflows

    # --- figures --------------------------------------------------------------

    def _diagnostics(self, workflows, today):
        """Insert the missing days of token diagnostics; return how many were new."""
        rows = [
            _diagnostic(demo, workflow, today - datetime.timedelta(days=back), today)
            for demo, workflow in workflows
            for back in range(DAYS)
        ]
        before = TokenCostDiagnostic.objects.filter(source=SOURCE).count()
        # Diagnostics are not governed; a day already there is left as it is.
        TokenCostDiagnostic.objects.bulk_create(rows, ignore_conflicts=True)
        return TokenCostDiagnostic.objects.filter(source=SOURCE).count() - before

    def _snapshots(self, workflows, users, today):
        """Insert one weekly outcome snapshot per workflow over the 90 days."""
        baseline_end = today - datetime.timedelta(days=DAYS)
        baseline_start = baseline_end - datetime.timedelta(days=27)
        rows = []
        for demo, workflow in workflows:
            for week in range(WEEKS):
                end = today - datetime.timedelta(days=7 * week)
                rows.append(
                    OutcomeSnapshot(
                        workflow=workflow,
                        baseline_start=baseline_start,
                        baseline_end=baseline_end,
                        measurement_start=end - datetime.timedelta(days=6),
                        measurement_end=end,
                        created_by=users[demo.owner],
                        evidence_url=f"https://evidence.example.com/{demo.key}/{end}",
                        **_outcome(demo, weeks_ago=week),
                    )
                )
        before = OutcomeSnapshot.objects.count()
        OutcomeSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
        return OutcomeSnapshot.objects.count() - before

    # --- governed records, through the services ---------------------------------

    def _proposals(self, workflows, users):
        by_key = {demo.key: workflow for demo, workflow in workflows}
        proposals = [
            # Missing evidence URL and baseline: needs_revision at once.
            (
                "owner",
                "support-triage",
                {
                    "metric_key": "first_contact_resolution",
                    "name": "First-contact resolution",
                    "formula": "tickets closed on first reply / tickets opened",
                    "data_source": "helpdesk",
                    "proposed_uses": ["workflow_scorecard"],
                    "owner": "support lead",
                    "quality_rubric": "QA samples 20 closed tickets a week",
                    "anti_gaming_rule": "Reopened within 7 days does not count",
                },
            ),
            (
                "owner2",
                "sales-email-drafting",
                {
                    "metric_key": "qualified_reply_rate",
                    "name": "Qualified reply rate",
                    "formula": "replies qualified by sales ops / emails sent",
                    "data_source": "CRM",
                    "proposed_uses": ["workflow_scorecard", "executive_report"],
                    "baseline": "Q2 2026 weekly average before drafting help",
                    "owner": "sales operations lead",
                    "quality_rubric": "Sales ops qualifies replies blind to the tool",
                    "anti_gaming_rule": "Auto-replies and bounces excluded",
                    "evidence_url": "https://evidence.example.com/sales/replies",
                },
            ),
        ]
        for username, workflow_key, fields in proposals:
            workflow = by_key[workflow_key]
            if MetricProposal.objects.filter(
                workflow=workflow, metric_key=fields["metric_key"]
            ).exists():
                continue
            review_services.submit_proposal(
                actor=users[username], source=Source.CLI, workflow=workflow, **fields
            )

    def _exception(self, users):
        metric = Metric.objects.get(key="token_cost_diagnostics")
        if MetricException.objects.filter(
            metric=metric, requested_by=users["finance"]
        ).exists():
            return
        registry_services.request_exception(
            actor=users["finance"],
            source=Source.CLI,
            metric_key=metric.key,
            requested_use="executive_report",
            risk_tier="medium",
            audit_note="Quarterly AI spend summary for the leadership offsite",
            expires_at=timezone.now() + datetime.timedelta(days=30),
        )

    def _scorecard(self, users, today):
        name = "Support analyst review, second half 2026"
        if PerformanceScorecard.objects.filter(name=name).exists():
            return
        scorecard = review_services.create_performance_scorecard(
            actor=users["hr"],
            source=Source.CLI,
            name=name,
            subject="Support analyst role",
            period_start=datetime.date(today.year, 7, 1),
            period_end=datetime.date(today.year, 12, 31),
        )
        for key in ("task_completion_rate", "quality_defect_rate"):
            review_services.add_scorecard_metric(
                actor=users["hr"],
                source=Source.CLI,
                scorecard=scorecard,
                metric_key=key,
            )

    def _metric_owners(self, users):
        """The seeded registry has no owners; the demo's governance owner takes them."""
        for metric in Metric.objects.filter(owner__isnull=True):
            metric.owner = users["governance"]
            stamp(metric, actor=None, source=Source.CLI, reason="demo: metric owner")
            metric.save()

    def _evidence_requests(self, workflows, users, today):
        """Ask every pilot workflow for its D7 evidence, once."""
        asked = EvidenceRequest.objects.values_list("workflow_id", flat=True)
        unasked = [workflow for _, workflow in workflows if workflow.pk not in asked]
        if not unasked:
            return
        pilot_services.create_requests(
            actor=users["governance"],
            source=Source.CLI,
            workflows=unasked,
            items=list(EvidenceItem.values),
            due_date=today + datetime.timedelta(days=7),
            note="D7 pilot: baseline, outcome metric, quality rubric and data source.",
            today=today,
        )


def _diagnostic(demo, workflow, day, today):
    """One day of usage: steady with weekday rhythm, spiking at the end if asked."""
    rng = random.Random(f"{demo.key}:{day.isoformat()}")
    cost = demo.daily_cost * rng.uniform(0.85, 1.15)
    if day.weekday() >= 5:
        cost *= 0.35
    if demo.spikes and (today - day).days < SPIKE_DAYS:
        cost *= SPIKE_FACTOR
    tokens = int(cost / USD_PER_KTOKEN * 1000)
    return TokenCostDiagnostic(
        workflow=workflow,
        day=day,
        source=SOURCE,
        tokens_in=int(tokens * 0.8),
        tokens_out=tokens - int(tokens * 0.8),
        cost_usd=Decimal(f"{cost:.4f}"),
        request_count=max(1, tokens // TOKENS_PER_REQUEST),
        contributor_count=demo.contributors,
    )


def _outcome(demo, *, weeks_ago):
    """Outcome deltas that grow over time, except for the spiking workflow."""
    rng = random.Random(f"{demo.key}:week:{weeks_ago}")
    progress = (WEEKS - weeks_ago) / WEEKS
    if demo.spikes and weeks_ago <= 1:
        # The weeks the detector's window touches: cost without outcome lift.
        completion = -0.01 - rng.uniform(0, 0.005)
        quality = -0.03
        minutes = 0
    elif demo.spikes:
        # Flat at best before the spike.
        completion = 0.01 + rng.uniform(-0.005, 0.005)
        quality = rng.uniform(-0.005, 0.01)
        minutes = rng.randint(10, 40)
    else:
        completion = 0.02 + 0.10 * progress + rng.uniform(-0.01, 0.01)
        quality = 0.01 + 0.04 * progress + rng.uniform(-0.005, 0.005)
        minutes = int(120 + 600 * progress + rng.randint(-30, 30))
    return {
        "task_completion_delta": Decimal(f"{completion:.4f}"),
        "quality_score_delta": Decimal(f"{quality:.4f}"),
        "validated_time_saved_minutes": minutes,
        "customer_satisfaction_delta": Decimal(f"{quality / 2:.4f}"),
    }
