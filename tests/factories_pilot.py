"""Factories for the pilot app: evidence requests and notification preferences."""

import datetime

import factory

from pilot.models import EvidenceItem, EvidenceRequest, NotificationPreference
from registry.choices import Role

from .factories import GovernedFactory, UserFactory, WorkflowFactory


class EvidenceRequestFactory(GovernedFactory):
    class Meta:
        model = EvidenceRequest

    workflow = factory.SubFactory(WorkflowFactory, is_pilot=True)
    owner = factory.LazyAttribute(lambda r: r.workflow.owner)
    items = factory.LazyFunction(lambda: list(EvidenceItem.values))
    due_date = datetime.date(2026, 12, 10)
    created_by = factory.SubFactory(UserFactory, role=Role.GOVERNANCE)


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)
    language = "zh-hant"


def complete_answers(items):
    """A valid answer for every item, as an owner would fill them in."""
    sample = {
        "baseline": "Q3 2026 median: 42 minutes per ticket",
        "outcome_metric": "task_completion_rate",
        "quality_rubric": "QA samples 20 tickets a week against the rubric",
        "data_source": "Helpdesk export, nightly",
        "evidence_url": "https://wiki.example.com/pilot/evidence",
    }
    return {item: sample[item] for item in items}
