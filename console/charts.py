"""The cost-against-outcome chart, computed on the server as SVG geometry.

No script and no network: the template draws the points this module returns.
"""

from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 64, 64, 16, 40
TICKS = 4

# The outcome series drawn on the right axis: (snapshot field, css class).
OUTCOME_SERIES = (
    ("task_completion_delta", "series-completion"),
    ("quality_score_delta", "series-quality"),
)


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    cost_points: str = ""
    cost_dots: list = field(default_factory=list)
    outcome_lines: list = field(default_factory=list)
    cost_ticks: list = field(default_factory=list)
    outcome_ticks: list = field(default_factory=list)
    date_ticks: list = field(default_factory=list)
    zero_y: float | None = None
    plot: dict = field(default_factory=dict)

    @property
    def is_empty(self):
        return not self.cost_dots


def _scale(low, high, out_low, out_high):
    """A function mapping [low, high] onto [out_low, out_high]."""
    span = (high - low) or 1

    def to_screen(value):
        return round(out_low + (float(value) - low) / span * (out_high - out_low), 1)

    return to_screen


def cost_outcome_chart(daily, snapshots):
    """Chart daily cost (left axis) against outcome deltas (right axis).

    `daily` holds {"day", "cost_usd"} rows in day order; `snapshots` are
    outcome snapshots, placed at the end of their measurement period.
    """
    chart = Chart()
    if not daily:
        return chart
    first, last = daily[0]["day"], daily[-1]["day"]
    x = _scale(first.toordinal(), last.toordinal(), LEFT, WIDTH - RIGHT)
    chart.plot = {
        "x": LEFT,
        "y": TOP,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
    }

    # Left axis: cost from zero to the highest day.
    top_cost = float(max(row["cost_usd"] or 0 for row in daily)) or 1.0
    cost_y = _scale(0, top_cost, HEIGHT - BOTTOM, TOP)
    chart.cost_dots = [
        {
            "x": x(row["day"].toordinal()),
            "y": cost_y(row["cost_usd"] or 0),
            "day": row["day"],
            "cost": row["cost_usd"] or Decimal(0),
        }
        for row in daily
    ]
    chart.cost_points = " ".join(f"{d['x']},{d['y']}" for d in chart.cost_dots)
    chart.cost_ticks = [
        {"y": cost_y(top_cost * i / TICKS), "value": top_cost * i / TICKS}
        for i in range(TICKS + 1)
    ]
    chart.date_ticks = _date_ticks(first, last, x)

    _add_outcomes(chart, snapshots, first, last, x)
    return chart


def _date_ticks(first, last, x):
    span = last.toordinal() - first.toordinal()
    if span == 0:
        return [{"x": x(first.toordinal()), "day": first}]
    days = sorted({first.toordinal() + round(span * i / TICKS) for i in range(5)})
    return [{"x": x(day), "day": first.fromordinal(day)} for day in days]


def _add_outcomes(chart, snapshots, first, last, x):
    """Right axis: each outcome delta as a line through its snapshots."""
    in_range = [s for s in snapshots if first <= s.measurement_end <= last]
    values = [
        float(getattr(s, name))
        for s in in_range
        for name, _ in OUTCOME_SERIES
        if getattr(s, name) is not None
    ]
    if not values:
        return
    low, high = min(0.0, *values), max(0.0, *values)
    if low == high:
        high = low + 1
    y = _scale(low, high, HEIGHT - BOTTOM, TOP)
    chart.zero_y = y(0)
    chart.outcome_ticks = [
        {
            "y": y(low + (high - low) * i / TICKS),
            "value": low + (high - low) * i / TICKS,
        }
        for i in range(TICKS + 1)
    ]
    for name, css in OUTCOME_SERIES:
        dots = [
            {
                "x": x(s.measurement_end.toordinal()),
                "y": y(getattr(s, name)),
                "day": s.measurement_end,
                "value": getattr(s, name),
            }
            for s in sorted(in_range, key=lambda s: s.measurement_end)
            if getattr(s, name) is not None
        ]
        if dots:
            points = " ".join(f"{d['x']},{d['y']}" for d in dots)
            chart.outcome_lines.append(
                {"name": name, "css": css, "points": points, "dots": dots}
            )
