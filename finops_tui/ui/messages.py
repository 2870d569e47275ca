"""App-wide messages: what screens and workers tell each other."""

from __future__ import annotations

from textual.message import Message

from finops_tui.engine.batch import Fan
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.state import GameState
from finops_tui.gameplay.strategy import Evaluation, Strategy
from finops_tui.gameplay.tournament import PlanOutcome


class OpenCodex(Message):
    """Show the codex entry of a concept (from a link, a tip, a KPI)."""

    def __init__(self, concept: str | None) -> None:
        super().__init__()
        self.concept = concept


class PlansSimulated(Message):
    """The level's `par` and `naive` plans, played on the player's seed (from a worker)."""

    def __init__(self, runs: dict[str, GameState]) -> None:
        super().__init__()
        self.runs = runs


class BestScoresLoaded(Message):
    """The best finished score of each level, read from the saves (from a worker)."""

    def __init__(self, best: dict[str, tuple[float, int]]) -> None:
        super().__init__()
        self.best = best


class FanForecast(Message):
    """The spread of this and the remaining periods' spend under some decisions (from a worker)."""

    def __init__(self, fan: Fan, turn: int, decisions: Decisions) -> None:
        super().__init__()
        self.fan = fan
        self.turn = turn  # turns played when it was asked: a fan of an older turn is dropped
        self.decisions = decisions


class StrategyPlayed(Message):
    """A strategy of the studio, played over its seeds (from a worker)."""

    def __init__(
        self,
        version: int,
        strategy: Strategy,
        evaluation: Evaluation,
        yardsticks: dict[str, PlanOutcome] | None,
    ) -> None:
        super().__init__()
        self.version = version  # the edit it answers: an older one is dropped
        self.strategy = strategy
        self.evaluation = evaluation
        self.yardsticks = yardsticks  # par and naive's outcomes, the first time only
