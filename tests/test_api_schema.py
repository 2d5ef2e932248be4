"""The OpenAPI schema against real responses, with schemathesis.

Every operation is called with generated input (a bounded number of examples)
as a governance owner through the WSGI app; no response may be a 5xx, and
status, content type and body must match what the schema documents.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import checks

from .factories import ProposalFactory, WorkflowFactory

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def test_schema_validates_against_openapi_3(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml"
    )


@pytest.fixture
def keep_connection():
    """Keep the test's database connection across WSGI requests.

    A real WSGI request closes the connection when it ends; inside the test's
    transaction that would close it for good. Django's test client does the same.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def governance_token(keep_connection, governance, team_owner):
    # A little data so that lists and lookups have something to return.
    workflow = WorkflowFactory(key="support-triage", owner=team_owner)
    ProposalFactory(workflow=workflow)
    return Token.objects.create(user=governance).key


# Loaded through the app itself at collection; serving the schema needs no
# database. (schemathesis' from_fixture does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi(
    "/metric-gate/schema/?format=json", get_wsgi_application()
)
# Generated cases only, a bounded number each: the coverage phase's exhaustive
# boundary sweep would take minutes and the table-driven tests cover refusals.
schema.config.phases.update(phases=["examples", "fuzzing"])


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_responses_match_the_schema(case, governance_token):
    response = case.call(headers={"Authorization": f"Token {governance_token}"})

    case.validate_response(response, checks=CHECKS)
