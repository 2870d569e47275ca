"""The forecast fan: P10 to P90 of spend over many futures, drawn and summed up.

The spend chart shades the band with `BAND` and marks the median with `MEDIAN`;
`FanSummary` states the numbers for this period and for the rest of the game. Both read
without colour: the band is a shade character, the median a dot, the numbers are words.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from finops_tui.engine.batch import Fan
from finops_tui.gameplay.format import usd

BAND = "▒"
# A muted grey-blue: the band sits under the bars and lines without hiding them.
BAND_COLOR = (128, 128, 144)
MEDIAN = "•"
WIDE_SUMMARY = 60  # columns: below this, amounts are shortened ($40.3k)


def compact_usd(value: float) -> str:
    """$4,225, $40.3k, $1.04M: three figures, for narrow columns."""
    if abs(value) < 1e4:
        return usd(value)
    if abs(value) < 1e6:
        return f"${value / 1e3:.3g}k"
    return f"${value / 1e6:.3g}M"


def fan_top(fan: Fan | None) -> float:
    return max(fan.p90, default=0.0) if fan is not None else 0.0


class FanSummary(Widget):
    """Three lines: P10, P50 and P90 of this period and of the rest of the game."""

    DEFAULT_CSS = """
    FanSummary {
        height: 3;
        padding: 0 1;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fan: Fan | None = None
        self.period = "period"
        self.stale = False  # the decisions changed to ones that cannot be played

    def show(self, fan: Fan | None, period: str, stale: bool = False) -> None:
        self.fan, self.period, self.stale = fan, period, stale
        self.refresh()

    def render(self) -> RenderResult:
        fan = self.fan
        if fan is None or not fan.turns:
            return Text(
                "Forecasting 1,000 futures…" if fan is None else "",
                style="dim",
            )
        money = usd if self.size.width >= WIDE_SUMMARY else compact_usd
        table = Table(box=None, padding=(0, 1), pad_edge=False, show_edge=False, expand=False)
        head = "Last valid plan" if self.stale else f"{fan.futures:,} futures"
        table.add_column(head, no_wrap=True, style="bold")
        for name in ("P10", "P50", "P90"):
            table.add_column(name, justify="right", no_wrap=True)
        table.add_row(
            f"This {self.period}",
            money(fan.p10[0]),
            money(fan.p50[0]),
            money(fan.p90[0]),
        )
        table.add_row(
            "Rest of game",
            money(fan.total_p10),
            money(fan.total_p50),
            money(fan.total_p90),
        )
        return table

    def summary_line(self) -> str:
        """The rest of the game in one sentence (for tests and screen readers)."""
        fan = self.fan
        if fan is None or not fan.turns:
            return ""
        return (
            f"rest of game: P10 {usd(fan.total_p10)} / P50 {usd(fan.total_p50)} / "
            f"P90 {usd(fan.total_p90)} over {fan.futures:,} futures"
        )
