"""Shared fixtures: one user per role, and services that skip or fail visibly.

Tests needing PostgreSQL, Redis or Chromium skip with a reason on a machine
without them. With METRICGATE_STRICT=1 (set by .ci/run) a missing service is
a failure instead, so CI cannot pass by skipping.
"""

import os
import shutil
import socket

import pytest
from django.db import connection

from metricgate.celery import app as celery_app
from registry.choices import Role

from .factories import UserFactory, WorkflowFactory

STRICT = os.environ.get("METRICGATE_STRICT") == "1"


def missing_service(reason):
    """Skip, or in strict mode fail, because a service the test needs is absent."""
    if STRICT:
        pytest.fail(f"{reason} (METRICGATE_STRICT=1 turns this skip into a failure)")
    pytest.skip(reason)


def _port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def tasks_in_process():
    """Tasks run in-process even on the Redis pass; the real-worker tests turn
    this off themselves, so a worker is exercised on purpose, not by accident.

    Not through `monkeypatch`: a test calling monkeypatch.undo() would undo it.
    """
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 costs most of a user factory's time; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def postgres(db):
    """The test needs the default database to be PostgreSQL."""
    if connection.vendor != "postgresql":
        # Not a missing service: this pass runs on SQLite, the other on PostgreSQL.
        pytest.skip("runs on the PostgreSQL pass (set DATABASE_URL=postgres://...)")
    return connection


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if not _port_open("127.0.0.1", 6379):
        missing_service("needs Redis on 127.0.0.1:6379")
    return url


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        missing_service("needs Chromium (apt-get install -y chromium)")
    return path


@pytest.fixture
def governance(db):
    return UserFactory(username="gov", role=Role.GOVERNANCE)


@pytest.fixture
def finance(db):
    return UserFactory(username="fin", role=Role.FINANCE)


@pytest.fixture
def hr(db):
    return UserFactory(username="hr", role=Role.HR)


@pytest.fixture
def team_owner(db):
    return UserFactory(username="owner", role=Role.TEAM_OWNER)


@pytest.fixture
def workflow(team_owner):
    return WorkflowFactory(key="support-triage", owner=team_owner)


@pytest.fixture
def other_workflow(db):
    return WorkflowFactory(key="sales-emails")
