"""The admin shows the pilot's records; requests are edited with an audit reason."""

import pytest
from django.urls import reverse

from pilot.models import Notification

from .factories import UserFactory
from .factories_pilot import EvidenceRequestFactory, NotificationPreferenceFactory

MODELS = ["evidencerequest", "notification", "notificationpreference"]


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def one_of_each(db):
    request = EvidenceRequestFactory()
    request.escalations.create(stage=1, recipients=["gov"])
    Notification.objects.create(key=f"request_created:{request.pk}", kind="reminder")
    NotificationPreferenceFactory()


@pytest.mark.parametrize("model", MODELS)
def test_pilot_changelist_and_change_page_load(admin_client, one_of_each, model):
    from django.apps import apps

    obj = apps.get_model("pilot", model).objects.first()
    changelist = admin_client.get(reverse(f"admin:pilot_{model}_changelist"))
    change = admin_client.get(reverse(f"admin:pilot_{model}_change", args=[obj.pk]))

    assert (changelist.status_code, change.status_code) == (200, 200)


def test_the_request_change_form_asks_for_a_reason(admin_client, one_of_each):
    from pilot.models import EvidenceRequest

    request = EvidenceRequest.objects.get()
    page = admin_client.get(
        reverse("admin:pilot_evidencerequest_change", args=[request.pk])
    )

    assert 'name="audit_reason"' in page.content.decode()
