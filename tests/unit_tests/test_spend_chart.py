"""The spend chart's drawing: a pure function of the series and the size."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finops_tui.engine.batch import Fan
from finops_tui.ui.widgets.fan_chart import BAND, MEDIAN
from finops_tui.ui.widgets.spend_chart import (
    BUDGET,
    ESTIMATE,
    SPENT,
    TOO_SMALL,
    SpendSeries,
    draw,
)


def text(series: SpendSeries, width: int, height: int) -> list[str]:
    return ["".join(t for t, _ in row) for row in draw(series, width, height)]


def column_of(lines: list[str], char: str) -> list[int]:
    """The rows (from the top of the plot) where `char` appears."""
    return [r for r, line in enumerate(lines) if char in line]


def fan(turns: tuple[int, ...], low: float, mid: float, high: float) -> Fan:
    n = len(turns)
    return Fan(turns, (low,) * n, (mid,) * n, (high,) * n, low * n, mid * n, high * n, 1000)


def test_bars_are_as_tall_as_their_spend_and_the_axis_says_how_much() -> None:
    series = SpendSeries(periods=2, spent=[1000.0, 500.0], budgets=[2000.0, 2000.0])
    lines = text(series, 40, 24)  # 20 rows of plot: the top is 2200, 110 a row
    plot = lines[2:-2]
    inner = [line[6:-1] for line in plot]  # inside the frame, after the 5-column gutter
    left, right = ([row[half] for row in inner] for half in (slice(0, 16), slice(16, 33)))
    # 1000 is 9.09 rows: 9 full rows and an eighth block; 500 is 4.55: 4 and a half block.
    assert sum(SPENT in row for row in left) == 9 and "▁" in left[-10]
    assert sum(SPENT in row for row in right) == 4 and "▄" in right[-5]
    assert plot[0].startswith("$2.2k┤") and plot[-1].startswith("   $0┤")
    budget_rows = [r for r, row in enumerate(inner) if BUDGET * 3 in row]
    assert budget_rows == [1]  # 2000 of 2200 is 18.2 rows: the 19th row from the bottom


def test_every_row_is_exactly_as_wide_as_the_widget() -> None:
    series = SpendSeries(
        periods=12,
        spent=[90_000.0] * 3,
        budgets=[120_000.0] * 12,
        estimate=80_000.0,
        fan=fan(tuple(range(4, 13)), 70_000.0, 95_000.0, 150_000.0),
        others={"par": [60_000.0] * 12, "naive": [130_000.0] * 12},
    )
    for width, height in [(12, 5), (40, 10), (70, 25), (120, 40), (13, 6)]:
        rows = text(series, width, height)
        assert len(rows) == height
        assert {len(r) for r in rows} == {width}


def test_the_fan_shades_p10_to_p90_and_marks_the_median() -> None:
    series = SpendSeries(periods=4, budgets=[10.0] * 4, fan=fan((1, 2, 3, 4), 20.0, 50.0, 80.0))
    plot = text(series, 50, 24)[2:-2]  # top 88, 20 rows: 4.4 per row
    band = column_of(plot, BAND)
    median = column_of(plot, MEDIAN)
    assert len(median) == 1
    assert band[0] < median[0] < band[-1]  # the median sits inside the band
    # P90 = 80 falls in row ceil(80/4.4) = 19th from the bottom; P10 = 20 in the 5th.
    assert band[0] == 20 - 19 and band[-1] == 20 - 5
    assert "▒ P10-P90" in text(series, 50, 24)[0]


def test_a_bar_over_budget_hides_the_budget_line_and_one_under_shows_it() -> None:
    def budget_row(series: SpendSeries) -> str:
        return next(line for line in text(series, 30, 14)[2:-2] if BUDGET in line)

    over = budget_row(SpendSeries(periods=1, spent=[100.0], budgets=[80.0]))
    assert SPENT in over.strip("│ -$0123456789┤")  # the bar crosses the line
    under = budget_row(SpendSeries(periods=1, spent=[50.0], budgets=[80.0]))
    assert SPENT not in under and BUDGET * 20 in under


def test_this_periods_estimate_is_a_lighter_bar_until_the_period_is_played() -> None:
    estimate = SpendSeries(periods=3, spent=[10.0], budgets=[20.0] * 3, estimate=15.0)
    lines = text(estimate, 40, 14)
    assert any(ESTIMATE in line for line in lines[2:-2])
    assert "░ estimate" in lines[0]
    played = SpendSeries(periods=1, spent=[10.0], budgets=[20.0], estimate=15.0)
    assert not any(ESTIMATE in line for line in text(played, 40, 14))


@pytest.mark.parametrize(("width", "height"), [(11, 10), (40, 4), (0, 0), (1, 1)])
def test_a_sliver_of_a_window_gets_a_note_not_a_crash(width: int, height: int) -> None:
    rows = text(SpendSeries(periods=12, spent=[5.0] * 12), width, height)
    assert rows[0] == TOO_SMALL[:width].ljust(width)


@settings(max_examples=60, deadline=None)
@given(
    periods=st.integers(1, 36),
    played=st.integers(0, 36),
    width=st.integers(0, 160),
    height=st.integers(0, 50),
    scale=st.floats(0.0, 1e9),
)
def test_any_series_at_any_size_draws(
    periods: int, played: int, width: int, height: int, scale: float
) -> None:
    played = min(played, periods)
    series = SpendSeries(
        periods=periods,
        spent=[scale * (i % 3) for i in range(played)],
        budgets=[scale] * periods,
        estimate=scale / 2 if played < periods else None,
        fan=fan(tuple(range(played + 1, periods + 1)), 0.0, scale, 2 * scale)
        if played < periods
        else None,
        others={"par": [scale / 3] * periods},
    )
    rows = text(series, width, height)
    assert len(rows) == max(height, 1)
    if width >= 12 and height >= 5:
        assert {len(r) for r in rows} == {width}
