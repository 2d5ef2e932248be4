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
