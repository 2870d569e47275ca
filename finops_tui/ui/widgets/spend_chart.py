"""Spend against budget across the turns: bars for each period, a line for the budget."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from finops_tui.engine.batch import Fan
from finops_tui.ui.widgets.fan_chart import BAND, MEDIAN, draw_band, draw_median, fan_top


@dataclass(frozen=True)
class SpendSeries:
    """What the chart shows; periods are 1-based and run to the end of the level."""

    periods: int
    spent: list[float] = field(default_factory=list)
    budgets: list[float] = field(default_factory=list)
    estimate: float | None = None
    others: dict[str, list[float]] = field(default_factory=dict)  # name -> spend per period
    fan: Fan | None = None  # P10/P50/P90 of the periods still to play, over many futures


class SpendChart(PlotextPlot):
    """A bar per period played, a lighter bar for this period's estimate, the budget line."""

    DEFAULT_CSS = """
    SpendChart {
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(self, title: str = "Spend vs budget", **kwargs) -> None:
        super().__init__(**kwargs)
        self.chart_title = title
        self.series = SpendSeries(periods=1)

    def show(self, series: SpendSeries) -> None:
        self.series = series
        self._draw()
        self.refresh()

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def on_resize(self, event: events.Resize) -> None:
        self._draw()  # the legend shortens to fit a narrow window

    def _draw(self) -> None:
        s, plt = self.series, self.plt
        plt.clear_figure()
        played = len(s.spent)
        ticks = list(range(1, s.periods + 1))
        legend = ["█ spent" if not s.others else "█ you"]
        fan = s.fan if s.fan is not None and s.fan.turns else None
        if played:
            plt.bar(ticks[:played], s.spent, width=0.6, marker="hd")
        if fan is not None:
            draw_band(plt, fan)  # first: this period's estimate bar is drawn over it
        if s.estimate is not None and played < s.periods:
            plt.bar([played + 1], [s.estimate], width=0.6, marker="░")
            legend.append("░ estimate")
        if fan is not None:
            legend += [f"{BAND} P10-P90", f"{MEDIAN} P50"]
        markers = "ox+*"
        for i, (name, values) in enumerate(s.others.items()):
            plt.plot(ticks[: len(values)], values, marker=markers[i % len(markers)])
            legend.append(f"{markers[i % len(markers)]} {name}")
        top = max([*s.spent, *s.budgets, s.estimate or 0.0, fan_top(s.fan), 1.0])
        for values in s.others.values():
            top = max([top, *values])
        if s.budgets:
            xs = [t for t in ticks[: len(s.budgets)]]
            plt.plot(xs, s.budgets, marker="-")
            legend.append("- budget")
        if fan is not None:
            draw_median(plt, fan)  # last: the forecast's middle stays visible in a short chart
        plt.xlim(0.4, s.periods + 0.6)
        plt.ylim(0, top * 1.1)
        plt.xticks(ticks if s.periods <= 12 else ticks[::2])
        steps = [top * 1.1 * i / 4 for i in range(5)]
        plt.yticks(steps, [_short_usd(v) for v in steps])
        plt.title(_legend(legend, self.size.width - 2))

    def render(self) -> RenderResult:
        # A terminal resized to a sliver must never crash the app over a chart.
        if self.size.width < 12 or self.size.height < 5:
            return Text("")
        try:
            return super().render()
        except Exception:  # plotext has edge cases at odd sizes
            return Text("(the chart needs a larger window)")


def _legend(items: list[str], room: int) -> str:
    """The legend on one line: spaced out when there is room, packed when not."""
    spaced = "  ".join(items)
    if len(spaced) <= room or room <= 0:
        return spaced
    packed = " ".join(items)
    if len(packed) <= room:
        return packed
    return " ".join(i.replace("estimate", "est.").replace("P10-P90", "P10-90") for i in items)


def _short_usd(value: float) -> str:
    if value >= 1e6:
        return f"${value / 1e6:.1f}M"
    if value >= 1e3:
        return f"${value / 1e3:.0f}k" if value >= 1e4 else f"${value / 1e3:.1f}k"
    return f"${value:.0f}"
