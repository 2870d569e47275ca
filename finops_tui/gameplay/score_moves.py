"""Why the score moved in a period: each scored KPI before and after, and its points.

Pure: no Textual. The game's KPIs before and after the period come from the kernel
state at each end of it (replayed, and kept, by engine/what_if.py), scored by the
level's own components, so the points add up to the score the game shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from finops_tui.content.targets import target_met
from finops_tui.engine.level import ScoreComponent
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.scoring import game_kpis, score_components
from finops_tui.engine.state import GameState, TurnRecord
from finops_tui.engine.what_if import state_before
from finops_tui.gameplay.format import kpi_against_target, met_mark


@dataclass(frozen=True)
class KpiMove:
    """One scored KPI across a period: its value and points at each end."""

    component: ScoreComponent
    before: float | None  # None before the first period
    after: float
    points_before: float  # out of 100, as the score counts them
    points_after: float

    @property
    def points_change(self) -> float:
        return self.points_after - self.points_before

    @property
    def met(self) -> bool:
        return target_met(self.component, self.after)


def score_moves(scenario: Scenario, state: GameState, record: TurnRecord) -> list[KpiMove]:
    """Each scored KPI's change over the period of `record`, in the level's order."""
    if len(state.history) < record.turn - 1:
        raise ValueError(f"period {record.turn} is not a period of this game")
    level = scenario.level
    decisions = (*state.decisions[: record.turn - 1], record.decisions)
    start = state_before(scenario, state.seed, decisions[:-1])
    end = state_before(scenario, state.seed, decisions)
    total = sum(c.weight for c in level.scoring.components) or 1.0

    def points_and_kpis(batch):
        kpis = game_kpis(scenario, batch)
        points = score_components(level, kpis)
        return {k: float(v[0]) for k, v in kpis.items()}, {
            k: float(v[0]) * 100.0 / total for k, v in points.items()
        }

    after, points_after = points_and_kpis(end)
    if start.turn > 0:
        before, points_before = points_and_kpis(start)
    else:  # before the first period nothing is scored yet: the score is 0
        before, points_before = {}, {}
    return [
        KpiMove(
            component=c,
            before=before.get(c.kpi),
            after=after[c.kpi],
            points_before=points_before.get(c.kpi, 0.0),
            points_after=points_after[c.kpi],
        )
        for c in level.scoring.components
    ]


def score_moves_markdown(moves: list[KpiMove], period: str) -> str:
    """One line per scored KPI: last period's value, this period's (✓ if its target is
    met), and its points now with their change."""
    lines = []
    for m in moves:
        c = m.component
        now = kpi_against_target(c, m.after) + met_mark(c, m.after).rstrip()
        was = "" if m.before is None else f"{kpi_against_target(c, m.before)} → "
        change = m.points_change
        sign = "+" if change >= 0.05 else ("-" if change <= -0.05 else "±")
        lines.append(
            f"- **{c.label or c.kpi}**: {was}{now}, {m.points_after:.1f} points "
            f"({sign}{abs(change):.1f} this {period})"
        )
    return "\n".join(lines)
