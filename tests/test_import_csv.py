"""The CSV importer and the import_usage command around it."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from signals.importers import ImportRejected, import_usage
from signals.models import TokenCostDiagnostic

SAMPLES = Path(__file__).resolve().parent.parent / "signals" / "samples"


@pytest.fixture
def workflows(workflow, other_workflow):
    return workflow, other_workflow


def test_csv_sample_stores_one_row_per_workflow_and_day(workflows):
    import_usage(SAMPLES / "usage.csv", format="csv")

    assert TokenCostDiagnostic.objects.filter(source="csv").count() == 3


def test_csv_figures_are_stored_as_given(workflows):
    import_usage(SAMPLES / "usage.csv", format="csv")

    row = TokenCostDiagnostic.objects.get(
        workflow__key="support-triage", day="2026-11-01"
    )
    assert (row.tokens_in, row.tokens_out, row.request_count) == (120000, 30000, 410)
    assert (row.cost_usd, row.contributor_count) == (Decimal("14.25"), 6)


def test_reimporting_the_same_csv_changes_nothing(workflows):
    import_usage(SAMPLES / "usage.csv", format="csv")
    before = list(
        TokenCostDiagnostic.objects.values_list("pk", "cost_usd", "tokens_in")
    )

    import_usage(SAMPLES / "usage.csv", format="csv")

    after = list(TokenCostDiagnostic.objects.values_list("pk", "cost_usd", "tokens_in"))
    assert after == before


def test_csv_with_bad_rows_imports_nothing(workflows):
    with pytest.raises(ImportRejected):
        import_usage(SAMPLES / "usage_bad.csv", format="csv")

    assert not TokenCostDiagnostic.objects.exists()


def test_bad_rows_name_file_line_and_reason(workflows):
    with pytest.raises(ImportRejected) as caught:
        import_usage(SAMPLES / "usage_bad.csv", format="csv")

    reported = [str(row) for row in caught.value.bad_rows]
    assert reported[0].endswith("usage_bad.csv:3: day is not a date: '2026-13-01'")
    assert "usage_bad.csv:4: tokens_in must be a whole number" in reported[1]
    assert reported[2].endswith(
        "usage_bad.csv:5: no workflow with key no-such-workflow"
    )


def test_skip_bad_rows_imports_the_good_rows(workflows):
    report = import_usage(SAMPLES / "usage_bad.csv", format="csv", skip_bad_rows=True)

    assert report.days_written == 1
    assert len(report.bad_rows) == 3


def test_command_refuses_a_file_with_bad_rows(workflows):
    errors = StringIO()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_usage", str(SAMPLES / "usage_bad.csv"), format="csv", stderr=errors
        )

    assert "usage_bad.csv:3:" in errors.getvalue()


def test_command_prints_what_it_imported(workflows):
    out = StringIO()

    call_command("import_usage", str(SAMPLES / "usage.csv"), format="csv", stdout=out)

    assert "Imported 3 workflow-days for 2 workflow(s)" in out.getvalue()


def test_vendor_format_without_mapping_is_refused(workflows):
    with pytest.raises(CommandError, match="needs --mapping"):
        call_command(
            "import_usage", str(SAMPLES / "openai_usage.json"), format="openai-usage"
        )
