"""Detector runs and batches are visible, not editable, in the Django admin."""

import pytest
from django.urls import reverse

from .factories import UserFactory
from .factories_signals import finished_run


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_run_change_page_shows_its_batches(admin_client):
    run = finished_run()

    response = admin_client.get(
        reverse("admin:signals_detectorrun_change", args=[run.pk])
    )

    assert response.status_code == 200
    assert (
        b"Detector batch" in response.content or b"detector batch" in response.content
    )


def test_runs_cannot_be_added_in_the_admin(admin_client):
    response = admin_client.get(reverse("admin:signals_detectorrun_add"))

    assert response.status_code == 403


def test_batch_changelist_loads(admin_client):
    finished_run()

    response = admin_client.get(reverse("admin:signals_detectorbatch_changelist"))

    assert response.status_code == 200
