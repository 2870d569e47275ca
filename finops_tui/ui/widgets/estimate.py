"""This period's live estimate, what changed since last period, and what blocks the turn."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text

from finops_tui.gameplay.format import usd, usd_delta
from finops_tui.ui.widgets.steady import SteadyStatic


@dataclass(frozen=True)
class EstimateView:
    period: str
    budget: float
    spend: float | None  # None: no estimate while the decisions are invalid
    last_spend: float | None = None
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The period a forecast made now is graded against, and its estimate; "" when the
    # level asks for no forecast.
    forecast_for: str = ""
    forecast_estimate: float | None = None


def forecast_line(view: EstimateView) -> str:
    """The estimate of the period the forecast field is graded against."""
    if view.forecast_estimate is None:
        return f"Forecast: the last {view.period}; there is no next {view.period} to forecast."
    return (
        f"Your forecast is for {view.forecast_for}: about {usd(view.forecast_estimate)} "
        "if you keep these decisions."
    )


class EstimatePanel(SteadyStatic):
    DEFAULT_CSS = """
    EstimatePanel {
        height: auto;
        padding: 0 1;
    }
    """

    def show(self, view: EstimateView) -> None:
        text = Text()
        text.append(f"This {view.period}, estimated: ", style="bold")
        if view.spend is None:
            text.append("- (fix the decisions below)")
        else:
            text.append(usd(view.spend), style="bold")
            text.append(f" of {usd(view.budget)} ({view.spend / max(view.budget, 1):.0%}) ")
            if view.spend > view.budget:
                text.append(f"OVER by {usd(view.spend - view.budget)}", style="bold reverse")
            else:
                text.append("within budget", style="italic")
        text.append("\n")
        if view.last_spend is None:
            text.append(f"First {view.period}: no bill yet.", style="dim")
        elif view.spend is not None:
            text.append(f"vs last {view.period}: ")
            text.append(usd_delta(view.spend - view.last_spend), style="bold")
            text.append(f" (was {usd(view.last_spend)})")
        for note in view.notes:
            text.append("\n" + note)
        if view.forecast_for:
            text.append("\n")
            text.append(forecast_line(view), style="italic")
        text.append("\n")
        if view.changes:
            text.append("Changed: ", style="bold")
            text.append("; ".join(view.changes))
        else:
            text.append(f"No changes since last {view.period}.", style="dim")
        self.show_content(text)


class ProblemPanel(SteadyStatic):
    """Why the turn cannot end yet; hidden when nothing blocks it."""

    DEFAULT_CSS = """
    ProblemPanel {
        height: auto;
        padding: 0 1;
        display: none;
    }
    ProblemPanel.-shown {
        display: block;
    }
    """

    def show(self, problems: list[str]) -> None:
        self.set_class(bool(problems), "-shown")
        if not problems:
            self.show_content("")
            return
        text = Text("Can't end the turn yet:", style="bold")
        for problem in problems:
            text.append("\n• " + problem)
        self.show_content(text)
