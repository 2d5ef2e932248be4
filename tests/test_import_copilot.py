"""GitHub Copilot usage-metrics NDJSON: per-user days summed per workflow."""

import datetime
from pathlib import Path

import pytest

from signals.importers import ImportRejected, import_usage
from signals.models import TokenCostDiagnostic

SAMPLES = Path(__file__).resolve().parent.parent / "signals" / "samples"
MAPPING = SAMPLES / "mapping.json"
TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def workflows(workflow, other_workflow):
    return workflow, other_workflow


def load(name="copilot_usage.ndjson", **options):
    return import_usage(
        SAMPLES / name, format="copilot", mapping_path=MAPPING, today=TODAY, **options
    )


def day_row(day):
    return TokenCostDiagnostic.objects.get(
        workflow__key="support-triage", source="copilot", day=day
    )


def test_cli_tokens_of_a_teams_users_are_summed(workflows):
    load()

    row = day_row("2026-11-01")
    assert (row.tokens_in, row.tokens_out) == (6000, 2800)
    assert row.request_count == 12 + 4 + 5


def test_only_the_number_of_users_is_kept(workflows):
    load()

    assert day_row("2026-11-01").contributor_count == 2


def test_last_three_days_are_provisional(workflows):
    load()

    assert day_row("2026-11-29").provisional
    assert not day_row("2026-11-01").provisional


def test_broken_line_and_unknown_user_are_reported(workflows):
    with pytest.raises(ImportRejected) as caught:
        load("copilot_usage_bad.ndjson")

    reported = [str(row) for row in caught.value.bad_rows]
    assert ":2: not valid JSON" in reported[0]
    assert reported[1].endswith(":3: no mapping for user octo-dee, user 104")


def test_reimporting_the_report_changes_nothing(workflows):
    figures = ("pk", "day", "tokens_in", "tokens_out", "request_count", "provisional")
    load()
    before = list(TokenCostDiagnostic.objects.order_by("day").values_list(*figures))

    load()

    after = list(TokenCostDiagnostic.objects.order_by("day").values_list(*figures))
    assert after == before
