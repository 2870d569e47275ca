"""Spend against budget across the turns, drawn cell by cell.

Bars for the periods played, a light bar for this period's estimate, the budget as a
step line, other plans as marked lines, and the forecast fan: P10 to P90 shaded, P50
dotted. Every series has its own character, so the chart reads without colour.

The chart is drawn here rather than by a plotting library: `draw` is a pure function of
the series and the size, about a millisecond at 120x40, so a decision's new fan reaches
the screen at once and the redraw never competes with the fan's worker for long.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widget import Widget

from finops_tui.engine.batch import Fan
from finops_tui.ui.widgets.fan_chart import BAND, BAND_COLOR, MEDIAN, fan_top

SPENT = "█"
ESTIMATE = "░"
BUDGET = "-"
OTHER_MARKERS = "ox+*"
EIGHTHS = " ▁▂▃▄▅▆▇█"  # a bar's top cell, in eighths of a row
MIN_WIDTH, MIN_HEIGHT = 12, 5  # below this, the chart gives way to a short note
TOO_SMALL = "(the chart needs a larger window)"

# What each kind of cell looks like in colour; the characters alone tell them apart.
STYLES: dict[str, Style] = {
    "": Style(),
    "axis": Style(dim=True),
    "legend": Style(bold=True),
    "spent": Style(color="dodger_blue2"),
    "estimate": Style(color="deep_sky_blue1"),
    "band": Style.parse(f"rgb({BAND_COLOR[0]},{BAND_COLOR[1]},{BAND_COLOR[2]})"),
    "median": Style(color="bright_white", bold=True),
    "budget": Style(color="red", bold=True),
    "other0": Style(color="green3", bold=True),
    "other1": Style(color="magenta", bold=True),
    "other2": Style(color="yellow", bold=True),
    "other3": Style(color="cyan", bold=True),
}

Run = tuple[str, str]  # text, and the key of its style in STYLES


@dataclass(frozen=True)
class SpendSeries:
    """What the chart shows; periods are 1-based and run to the end of the level."""

    periods: int
    spent: list[float] = field(default_factory=list)
    budgets: list[float] = field(default_factory=list)
    estimate: float | None = None
    others: dict[str, list[float]] = field(default_factory=dict)  # name -> spend per period
    fan: Fan | None = None  # P10/P50/P90 of the periods still to play, over many futures


class _Canvas:
    """The plot area: a character and a style key per cell, row 0 at the top."""

    def __init__(self, width: int, height: int, top: float, periods: int) -> None:
        self.width, self.height, self.top = width, height, top
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [[""] * width for _ in range(height)]
        self.slot = width / (periods + 0.2)  # columns per period; 0.4 of margin each side

    def centre(self, period: float) -> float:
        return (period - 0.4) * self.slot

    def columns(self, period: int, half: float) -> range:
        """The columns within `half` a slot of a period's centre; at least one."""
        c = self.centre(period)
        first = max(0, round(c - half * self.slot))
        last = min(self.width, max(first + 1, round(c + half * self.slot)))
        return range(first, last)

    def level(self, value: float) -> float:
        """A value's height in rows from the bottom of the plot (0 to height)."""
        return max(0.0, min(value / self.top, 1.0)) * self.height

    def row(self, value: float) -> int:
        """The row a point of this value falls in: a bar of the same value ends in it."""
        return min(self.height - 1, max(0, self.height - math.ceil(self.level(value))))

    def put(self, row: int, col: int, char: str, style: str) -> None:
        if 0 <= row < self.height and 0 <= col < self.width:
            self.chars[row][col] = char
            self.styles[row][col] = style

    def bar(self, period: int, value: float, half: float, char: str, style: str) -> None:
        """A bar from the bottom; a full-block bar ends in an eighth block."""
        eighths = round(self.level(value) * 8)
        full, part = divmod(eighths, 8)
        if char != SPENT:  # shades have no eighths: round to whole rows
            full, part = round(eighths / 8), 0
        for col in self.columns(period, half):
            for k in range(full):
                self.put(self.height - 1 - k, col, char, style)
            if part:
                self.put(self.height - 1 - full, col, EIGHTHS[part], style)

    def span(self, period: int, low: float, high: float, half: float, style: str) -> None:
        """The cells between two values: the fan's band."""
        for col in self.columns(period, half):
            for row in range(self.row(high), self.row(low) + 1):
                self.put(row, col, BAND, style)

    def step(self, period: int, value: float, char: str, style: str, half: float = 0.5) -> None:
        """A level across a period's slot: budgets (the whole slot) and medians."""
        for col in self.columns(period, half):
            self.put(self.row(value), col, char, style)

    def line(self, values: list[float], char: str, style: str) -> None:
        """Points at the periods' centres, joined column by column."""
        points = [(self.centre(p), v) for p, v in enumerate(values, start=1)]
        for (x0, v0), (x1, v1) in itertools.pairwise(points):
            for col in range(round(x0), round(x1) + 1):
                t = (col - x0) / (x1 - x0) if x1 != x0 else 0.0
                self.put(self.row(v0 + t * (v1 - v0)), col, char, style)
        for x, v in points:
            self.put(self.row(v), round(x), char, style)

    def rows(self) -> list[list[Run]]:
        out = []
        for chars, styles in zip(self.chars, self.styles, strict=True):
            out.append(_runs(chars, styles))
        return out


def _runs(chars: list[str], styles: list[str]) -> list[Run]:
    """Cells joined into runs of one style."""
    runs: list[Run] = []
    start = 0
    for i in range(1, len(chars) + 1):
        if i == len(chars) or styles[i] != styles[start]:
            runs.append(("".join(chars[start:i]), styles[start]))
            start = i
    return runs


def legend(series: SpendSeries, room: int) -> str:
    """The legend on one line: spaced out when there is room, packed when not."""
    fan = series.fan if series.fan is not None and series.fan.turns else None
    items = [f"{SPENT} spent" if not series.others else f"{SPENT} you"]
    if series.estimate is not None and len(series.spent) < series.periods:
        items.append(f"{ESTIMATE} estimate")
    if fan is not None:
        items += [f"{BAND} P10-P90", f"{MEDIAN} P50"]
    for i, name in enumerate(series.others):
        items.append(f"{OTHER_MARKERS[i % len(OTHER_MARKERS)]} {name}")
    if series.budgets:
        items.append(f"{BUDGET} budget")
    spaced = "  ".join(items)
    if len(spaced) <= room or room <= 0:
        return spaced
    packed = " ".join(items)
    if len(packed) <= room:
        return packed
    return " ".join(i.replace("estimate", "est.").replace("P10-P90", "P10-90") for i in items)


def short_usd(value: float) -> str:
    if value >= 1e6:
        return f"${value / 1e6:.1f}M"
    if value >= 1e3:
        return f"${value / 1e3:.0f}k" if value >= 1e4 else f"${value / 1e3:.1f}k"
    return f"${value:.0f}"


def draw(series: SpendSeries, width: int, height: int) -> list[list[Run]]:
    """The chart as `height` rows of styled runs, each row `width` cells wide."""
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return [[(TOO_SMALL[:width].ljust(width), "axis")]] + [[(" " * width, "")]] * (height - 1)
    s = series
    fan = s.fan if s.fan is not None and s.fan.turns else None
    top = max([*s.spent, *s.budgets, s.estimate or 0.0, fan_top(fan), 1.0])
    for values in s.others.values():
        top = max([top, *values])
    top *= 1.1
    ticks = [top * i / 4 for i in range(5)]
    labels = [short_usd(v) for v in ticks]
    gutter = max(len(label) for label in labels)
    plot_w, plot_h = width - gutter - 2, height - 4  # frame, legend and period numbers
    canvas = _Canvas(plot_w, plot_h, top, max(s.periods, 1))

    # Back to front: the fan and the budget under the bars (a bar over budget hides the
    # budget line, one under budget shows it above), then plans and the median on top.
    if fan is not None:
        for turn, low, high in zip(fan.turns, fan.p10, fan.p90, strict=True):
            canvas.span(turn, low, high, 0.5, "band")
    for period, value in enumerate(s.budgets, start=1):
        canvas.step(period, value, BUDGET, "budget")
    if s.estimate is not None and len(s.spent) < s.periods:
        canvas.bar(len(s.spent) + 1, s.estimate, 0.3, ESTIMATE, "estimate")
    for period, value in enumerate(s.spent, start=1):
        canvas.bar(period, value, 0.3, SPENT, "spent")
    for i, values in enumerate(s.others.values()):
        canvas.line(values, OTHER_MARKERS[i % len(OTHER_MARKERS)], f"other{i % 4}")
    if fan is not None:
        for turn, mid in zip(fan.turns, fan.p50, strict=True):
            # As wide as a bar: a budget in the same row still shows between periods.
            canvas.step(turn, mid, MEDIAN, "median", half=0.3)

    label_at = {canvas.row(v) if i else plot_h - 1: labels[i] for i, v in enumerate(ticks)}
    rows: list[list[Run]] = [[(legend(s, width - 2).center(width)[:width], "legend")]]
    rows.append([(" " * gutter + "┌" + "─" * plot_w + "┐", "axis")])
    for r, runs in enumerate(canvas.rows()):
        label = label_at.get(r)
        axis = (label.rjust(gutter) + "┤") if label else (" " * gutter + "│")
        rows.append([(axis, "axis"), *runs, ("│", "axis")])
    shown = range(1, s.periods + 1) if s.periods <= 12 else range(1, s.periods + 1, 2)
    border = ["─"] * plot_w
    numbers = [" "] * (plot_w + 2)
    for p in shown:
        col = round(canvas.centre(p))
        if 0 <= col < plot_w:
            border[col] = "┬"
            text = str(p)
            at = max(0, min(plot_w + 2 - len(text), col + 1 - len(text) // 2))
            numbers[at : at + len(text)] = list(text)
    rows.append([(" " * gutter + "└" + "".join(border) + "┘", "axis")])
    rows.append([(" " * gutter + "".join(numbers), "axis")])
    return rows


class SpendChart(Widget):
    """A bar per period played, a lighter bar for this period's estimate, the budget."""

    DEFAULT_CSS = """
    SpendChart {
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.series = SpendSeries(periods=1)
        self._strips: list[Strip] | None = None

    def show(self, series: SpendSeries) -> None:
        if series == self.series:
            return
        self.series = series
        self._strips = None
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._strips = None

    def render_line(self, y: int) -> Strip:
        if self._strips is None:
            self._strips = self._draw_strips()
        return self._strips[y] if 0 <= y < len(self._strips) else Strip.blank(self.size.width)

    def _draw_strips(self) -> list[Strip]:
        width, height = self.size
        base = self.rich_style
        return [
            Strip([Segment(text, base + STYLES[key]) for text, key in row], width)
            for row in draw(self.series, width, height)
        ]
