"""The streamed audit export: columns, time range, formats and bad input."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone

from registry import services
from registry.models import AuditEvent, Metric

from .factories import MetricFactory
from .factories_api import client_for

COLUMNS = [
    "id",
    "timestamp",
    "actor",
    "action",
    "object_type",
    "object_id",
    "previous_state",
    "next_state",
    "reason",
    "source",
]


def export(user, **params):
    return client_for(user).get("/metric-gate/audit-events", params)


def body(response):
    return b"".join(response.streaming_content).decode()


def test_export_is_streamed(governance):
    response = export(governance, format="csv")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")


def test_csv_export_has_every_column_in_order(governance):
    response = export(governance, format="csv")

    header = next(csv.reader(io.StringIO(body(response))))
    assert header == COLUMNS


def test_json_export_holds_one_object_per_event(governance):
    response = export(governance, format="json")

    rows = json.loads(body(response))
    assert [row["id"] for row in rows] == list(
        AuditEvent.objects.order_by("id").values_list("id", flat=True)
    )
    assert all(list(row) == COLUMNS for row in rows)


def test_system_changes_name_the_system_as_actor(governance):
    rows = json.loads(body(export(governance, format="json")))

    assert rows[0]["actor"] == "system"


def test_since_keeps_only_later_events(governance):
    MetricFactory(key="earlier")
    cut = timezone.now()
    MetricFactory(key="later")

    rows = json.loads(body(export(governance, format="json", since=cut.isoformat())))

    assert [row["next_state"].split()[0] for row in rows] == ["approved"]
    assert len(rows) == 1


def test_until_as_a_date_includes_that_whole_day(governance):
    today = timezone.now().date().isoformat()

    rows = json.loads(body(export(governance, format="json", until=today)))

    assert len(rows) == AuditEvent.objects.count()


def test_text_with_commas_quotes_and_newlines_survives_csv(governance):
    reason = 'Split "A, B"\nand more'
    services.set_metric_policy(
        actor=governance,
        source="api",
        reason=reason,
        metric=Metric.objects.get(key="prompt_count"),
        policy_status="blocked",
        allowed_use=[],
        prohibited_use=["bonus"],
    )

    rows = list(csv.DictReader(io.StringIO(body(export(governance, format="csv")))))

    assert rows[-1]["reason"] == reason


@pytest.mark.parametrize(
    "params,code",
    [
        ({"since": "yesterday"}, "invalid_since"),
        ({"until": "2026-13-40"}, "invalid_until"),
        ({"since": "9999-12-31T23:59:59-23:59"}, "invalid_since"),
        ({"since": "2026-12-02", "until": "2026-12-01"}, "invalid_range"),
        ({"format": "xml"}, "invalid"),
    ],
)
def test_bad_range_or_format_is_a_400_with_a_code(governance, params, code):
    response = export(governance, **params)

    assert response.status_code == 400
    assert response.json()["code"] == code


def test_range_in_the_future_is_an_empty_export(governance):
    tomorrow = timezone.now() + datetime.timedelta(days=1)

    rows = json.loads(
        body(export(governance, format="json", since=tomorrow.isoformat()))
    )

    assert rows == []
