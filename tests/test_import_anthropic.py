"""Anthropic Admin API usage and cost reports, and the Claude Code report."""

from decimal import Decimal
from pathlib import Path

import pytest

from signals.importers import ImportRejected, import_usage
from signals.models import TokenCostDiagnostic

SAMPLES = Path(__file__).resolve().parent.parent / "signals" / "samples"
MAPPING = SAMPLES / "mapping.json"


@pytest.fixture
def workflows(workflow, other_workflow):
    return workflow, other_workflow


def row_of(key, source="anthropic"):
    return TokenCostDiagnostic.objects.get(workflow__key=key, source=source)


def test_nested_cache_creation_tokens_count_as_input(workflows):
    import_usage(
        SAMPLES / "anthropic_usage.json", format="anthropic-usage", mapping_path=MAPPING
    )

    assert row_of("support-triage").tokens_in == 1500 + 200 + 1000 + 500


def test_flattened_cache_creation_tokens_count_as_input(workflows):
    import_usage(
        SAMPLES / "anthropic_usage.json", format="anthropic-usage", mapping_path=MAPPING
    )

    assert row_of("sales-emails").tokens_in == 800 + 100 + 50


def test_cost_amounts_in_cents_become_dollars(workflows):
    import_usage(
        SAMPLES / "anthropic_costs.json", format="anthropic-costs", mapping_path=MAPPING
    )

    assert row_of("support-triage").cost_usd == Decimal("1.2345")
    assert row_of("sales-emails").cost_usd == Decimal("0.50")


def test_cost_amount_that_is_not_a_string_is_a_bad_row(workflows):
    with pytest.raises(ImportRejected) as caught:
        import_usage(
            SAMPLES / "anthropic_costs_bad.json",
            format="anthropic-costs",
            mapping_path=MAPPING,
        )

    reported = [str(row) for row in caught.value.bad_rows]
    assert reported[0].endswith(":7: amount must be a decimal string in cents")
    assert reported[1].endswith(":8: currency EUR is not USD")


def test_claude_code_people_are_summed_into_their_workflow(workflows):
    import_usage(
        SAMPLES / "claude_code.json", format="claude-code", mapping_path=MAPPING
    )

    row = row_of("support-triage", source="claude_code")
    assert (row.tokens_in, row.tokens_out) == (20000 + 1000 + 500 + 5000, 5000)
    assert (row.cost_usd, row.contributor_count) == (Decimal("3.25"), 2)


def test_claude_code_api_key_actor_is_not_a_contributor(workflows):
    import_usage(
        SAMPLES / "claude_code.json", format="claude-code", mapping_path=MAPPING
    )

    row = row_of("sales-emails", source="claude_code")
    assert (row.contributor_count, row.request_count) == (0, 9)


def test_claude_code_unknown_actor_is_a_bad_row(workflows):
    with pytest.raises(ImportRejected) as caught:
        import_usage(
            SAMPLES / "claude_code_bad.json", format="claude-code", mapping_path=MAPPING
        )

    assert str(caught.value.bad_rows[0]).endswith(":3: unknown actor 'robot'")


def test_malformed_usage_report_names_each_bad_line(workflows):
    with pytest.raises(ImportRejected) as caught:
        import_usage(
            SAMPLES / "anthropic_usage_bad.json",
            format="anthropic-usage",
            mapping_path=MAPPING,
        )

    reported = [str(row) for row in caught.value.bad_rows]
    assert reported[0].endswith(
        ":7: uncached_input_tokens must be a whole number ≥ 0, got -3"
    )
    assert reported[1].endswith(":11: starting_at is not a date: 'yesterday'")
