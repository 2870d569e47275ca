"""The same turn again, with one change: the engine's counterfactual for a single period.

The engine is pure and deterministic, so a period can be re-resolved from the state it
started in, on the same seed (the same world: the same draws, the same events), with
different decisions. The period as played and every variant are rows of one kernel
batch, so the comparison costs one kernel call, for one game or a thousand.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from finops_tui.engine.decisions import Decisions
from finops_tui.engine.kernel import (
    BatchState,
    DecisionArrays,
    TurnOutput,
    initial_state,
    resolve,
)
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.scoring import game_kpis, score


@dataclass(frozen=True)
class TurnOutcome:
    """What one period came to under one set of decisions."""

    spend_usd: float  # billed this period
    value_usd: float  # business value delivered this period
    score: float  # the game's score after this period


@dataclass(frozen=True)
class WhatIf:
    """A period as played and as it would have gone with one change."""

    played: TurnOutcome
    changed: TurnOutcome

    @property
    def saving_usd(self) -> float:
        """How much less the period would have cost (negative: more)."""
        return round(self.played.spend_usd - self.changed.spend_usd, 2)

    @property
    def value_gain_usd(self) -> float:
        return round(self.changed.value_usd - self.played.value_usd, 2)

    @property
    def net_gain_usd(self) -> float:
        """Money saved plus value gained: what the change was worth this period."""
        return round(self.saving_usd + self.value_gain_usd, 2)

    @property
    def score_change(self) -> float:
        return round(self.changed.score - self.played.score, 1)


@dataclass(frozen=True)
class VariantBatch:
    """Games of one turn, each resolved as played (variant 0) and under each variant.

    Row `game * width + k` is game `game` under variant `k` (0: as played).
    """

    before: BatchState  # one row per game
    after: BatchState  # one row per (game, variant)
    out: TurnOutput  # one row per (game, variant)
    scores: np.ndarray  # the game's score after this period, per row
    width: int  # variants per game, the played decisions included

    def row(self, game: int, variant: int = 0) -> int:
        return game * self.width + variant

    @functools.cached_property
    def _rows(self) -> tuple[list[float], list[float], list[float]]:
        # Converted once: a thousand games ask for every row.
        return (
            (np.asarray(self.out.spend) / 100.0).tolist(),
            (np.asarray(self.out.value) / 100.0).tolist(),
            np.asarray(self.scores, dtype=float).tolist(),
        )

    def outcome(self, game: int, variant: int = 0) -> TurnOutcome:
        i = self.row(game, variant)
        spend, value, scores = self._rows
        return TurnOutcome(spend_usd=spend[i], value_usd=value[i], score=scores[i])

    def what_ifs(self, game: int) -> list[WhatIf]:
        """Each variant against the period as played, for one game."""
        played = self.outcome(game)
        return [WhatIf(played, self.outcome(game, k)) for k in range(1, self.width)]


def repeat_state(state: BatchState, times: int) -> BatchState:
    """Each game's state copied `times` over, consecutively, on its own seed."""
    return BatchState(
        **{
            name: (value if name == "turn" else np.repeat(np.asarray(value), times, axis=0))
            for name, value in vars(state).items()
        }
    )


def resolve_variants(
    scenario: Scenario,
    before: BatchState,
    played: Decisions,
    variants: Sequence[Decisions],
) -> VariantBatch:
    """Every game of `before` through this period as played and under each variant."""
    batch = [played, *variants]
    width = len(batch)
    arrays = DecisionArrays.from_decisions(scenario, batch)
    tiled = DecisionArrays(
        **{name: np.tile(np.asarray(value), before.size) for name, value in vars(arrays).items()}
    )
    after, out = resolve(scenario, repeat_state(before, width), tiled)
    scores = score(scenario.level, game_kpis(scenario, after))
    return VariantBatch(before, after, out, np.asarray(scores), width)


def turn_what_ifs(
    scenario: Scenario, before: BatchState, played: Decisions, variants: Sequence[Decisions]
) -> list[WhatIf]:
    """This period under each variant, against the period as played, for one game."""
    if before.size != 1:
        raise ValueError("turn_what_ifs compares one game; use resolve_variants for more")
    return resolve_variants(scenario, before, played, variants).what_ifs(0)


def state_before(scenario: Scenario, seed: int, decisions: Sequence[Decisions]) -> BatchState:
    """The kernel state of the game of `seed` after `decisions` (one per turn played)."""
    return _state_after(scenario, seed, tuple(decisions))


@functools.lru_cache(maxsize=64)
def _state_after(scenario: Scenario, seed: int, decisions: tuple[Decisions, ...]) -> BatchState:
    # Kept: the next report of the same game needs this state and one more turn.
    if not decisions:
        return initial_state(scenario, np.array([seed]))
    state = _state_after(scenario, seed, decisions[:-1])
    arrays = DecisionArrays.from_decisions(scenario, [decisions[-1]])
    return resolve(scenario, state, arrays)[0]


def next_period_estimate(
    scenario: Scenario, state: BatchState, decisions: Decisions
) -> float | None:
    """The next period's spend in a calm, typical world if `decisions` are kept for it.

    What a forecast made this turn is graded against is the next period's bill, so this
    is the estimate to show beside it; None on the last turn (there is no next period).
    """
    if state.size != 1:
        raise ValueError("next_period_estimate continues one game")
    if state.turn + 1 >= scenario.level.turns:
        return None
    arrays = DecisionArrays.from_decisions(scenario, [decisions])
    calm, _ = resolve(scenario, state, arrays, quiet=True)
    return estimate_after_calm_period(scenario, calm, decisions)


def estimate_after_calm_period(
    scenario: Scenario, calm: BatchState, decisions: Decisions
) -> float | None:
    """The calm estimate of the period after `calm` (a state after a calm period), kept
    decisions; None past the last period. Saves the turn screen one kernel pass."""
    if calm.turn >= scenario.level.turns:
        return None
    arrays = DecisionArrays.from_decisions(scenario, [decisions])
    _, out = resolve(scenario, calm, arrays, quiet=True)
    return int(out.spend[0]) / 100.0
