"""triage_signal: governance triages, a note is required, the change is audited."""

import pytest

from registry.errors import InvalidInput, PermissionRefused
from registry.models import AuditEvent
from signals.services import triage_signal

from .factories import GamingSignalFactory


@pytest.fixture
def high(workflow):
    return GamingSignalFactory(workflow=workflow, severity="high")


def test_governance_closes_a_high_signal(governance, high):
    signal = triage_signal(
        actor=governance, source="web", signal=high, status="resolved", note="Explained"
    )

    assert signal.status == "resolved"


def test_closing_records_an_audit_event_with_the_note(governance, high):
    triage_signal(
        actor=governance,
        source="web",
        signal=high,
        status="false_positive",
        note="Load test",
    )

    event = AuditEvent.objects.filter(action="status_changed").get()
    assert (event.previous_state, event.next_state, event.reason) == (
        "open",
        "false_positive",
        "Load test",
    )


def test_team_owner_cannot_close_their_own_high_signal(team_owner, high):
    with pytest.raises(PermissionRefused):
        triage_signal(
            actor=team_owner, source="web", signal=high, status="resolved", note="Fine"
        )


def test_finance_cannot_triage(finance, high):
    with pytest.raises(PermissionRefused):
        triage_signal(
            actor=finance,
            source="api",
            signal=high,
            status="investigating",
            note="Look",
        )


def test_unknown_status_is_refused(governance, high):
    with pytest.raises(InvalidInput):
        triage_signal(
            actor=governance, source="web", signal=high, status="closed", note="x"
        )


def test_blank_note_is_refused(governance, high):
    with pytest.raises(InvalidInput):
        triage_signal(
            actor=governance,
            source="web",
            signal=high,
            status="investigating",
            note=" ",
        )
