"""OpenAI organization usage (completions buckets) and costs exports."""

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


def support_row():
    return TokenCostDiagnostic.objects.get(
        workflow__key="support-triage", source="openai"
    )


def test_usage_results_are_summed_per_workflow_and_day(workflows):
    import_usage(
        SAMPLES / "openai_usage.json", format="openai-usage", mapping_path=MAPPING
    )

    row = support_row()
    assert (row.tokens_in, row.tokens_out, row.request_count) == (50000, 10000, 150)
    assert str(row.day) == "2026-11-01"


def test_usage_keeps_only_the_number_of_people(workflows):
    import_usage(
        SAMPLES / "openai_usage.json", format="openai-usage", mapping_path=MAPPING
    )

    assert support_row().contributor_count == 2


def test_costs_fill_the_same_row_without_erasing_tokens(workflows):
    import_usage(
        SAMPLES / "openai_usage.json", format="openai-usage", mapping_path=MAPPING
    )

    import_usage(
        SAMPLES / "openai_costs.json", format="openai-costs", mapping_path=MAPPING
    )

    row = support_row()
    assert (row.cost_usd, row.tokens_in) == (Decimal("3.75"), 50000)


def test_csv_mapping_file_is_accepted(workflows):
    import_usage(
        SAMPLES / "openai_costs.json",
        format="openai-costs",
        mapping_path=SAMPLES / "mapping.csv",
    )

    assert support_row().cost_usd == Decimal("3.75")


def test_malformed_usage_file_reports_each_bad_result_by_line(workflows):
    with pytest.raises(ImportRejected) as caught:
        import_usage(
            SAMPLES / "openai_usage_bad.json",
            format="openai-usage",
            mapping_path=MAPPING,
        )

    reported = [str(row) for row in caught.value.bad_rows]
    assert reported[0].endswith(":16: input_tokens must be a number, got 'lots'")
    assert reported[1].endswith(":23: no mapping for project proj_unknown")
    assert not TokenCostDiagnostic.objects.exists()


def test_malformed_costs_file_names_currency_and_missing_amount(workflows):
    with pytest.raises(ImportRejected) as caught:
        import_usage(
            SAMPLES / "openai_costs_bad.json",
            format="openai-costs",
            mapping_path=MAPPING,
        )

    reported = [str(row) for row in caught.value.bad_rows]
    assert reported[0].endswith(":9: currency eur is not usd")
    assert reported[1].endswith(":11: missing amount")
