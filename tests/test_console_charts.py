"""The cost-against-outcome chart is plain geometry computed on the server."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from console.charts import HEIGHT, LEFT, RIGHT, TOP, WIDTH, cost_outcome_chart

DAY = datetime.date(2026, 11, 1)


def _daily(*costs):
    return [
        {"day": DAY + datetime.timedelta(days=i), "cost_usd": Decimal(c)}
        for i, c in enumerate(costs)
    ]


def _snapshot(days_after, completion, quality=None):
    return SimpleNamespace(
        measurement_end=DAY + datetime.timedelta(days=days_after),
        task_completion_delta=Decimal(completion),
        quality_score_delta=None if quality is None else Decimal(quality),
    )


def test_no_cost_days_give_an_empty_chart():
    assert cost_outcome_chart([], []).is_empty


def test_cost_points_span_the_plot_from_left_to_right():
    chart = cost_outcome_chart(_daily("10", "20", "5"), [])

    xs = [dot["x"] for dot in chart.cost_dots]
    assert xs[0] == LEFT and xs[-1] == WIDTH - RIGHT


def test_highest_cost_day_touches_the_top():
    chart = cost_outcome_chart(_daily("10", "40", "5"), [])

    assert min(dot["y"] for dot in chart.cost_dots) == TOP


def test_outcome_outside_the_cost_window_is_left_out():
    chart = cost_outcome_chart(_daily("10", "20"), [_snapshot(30, "0.05")])

    assert chart.outcome_lines == []


def test_negative_outcome_sits_below_the_zero_line():
    chart = cost_outcome_chart(
        _daily("10", "20", "30"), [_snapshot(0, "0.05"), _snapshot(2, "-0.02")]
    )

    dots = chart.outcome_lines[0]["dots"]
    assert dots[0]["y"] < chart.zero_y < dots[1]["y"] <= HEIGHT
