"""The game being played: a scenario, its state, and who plays it. No Textual here.

Screens ask the session, and through it the engine; widgets never hold game state.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import InvalidDecisions, new_game, resolve_turn, start_decisions
from finops_tui.engine.level import Level
from finops_tui.engine.rng import MAX_SEED
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState, Problem, TurnRecord


def random_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


@dataclass
class GameSession:
    scenario: Scenario
    state: GameState
    player: str = ""
    # In a hosted class, why a turn cannot be ended yet (None when it can).
    gate: Callable[[int], str | None] | None = None

    @classmethod
    def start(cls, scenario: Scenario, seed: int | None = None, player: str = "") -> GameSession:
        return cls(scenario, new_game(scenario, random_seed() if seed is None else seed), player)

    @property
    def level(self) -> Level:
        return self.scenario.level

    @property
    def seed(self) -> int:
        return self.state.seed

    @property
    def turn(self) -> int:
        """The turn being decided (1-based); past the last one once the game is over."""
        return self.state.turn + 1

    @property
    def last_record(self) -> TurnRecord | None:
        return self.state.history[-1] if self.state.history else None

    def previous_decisions(self) -> Decisions:
        """What the player decided last turn: where this turn's decisions start."""
        last = self.last_record
        return last.decisions if last is not None else start_decisions(self.scenario)

    def resolve(self, decisions: Decisions, force: bool = False) -> TurnRecord:
        """Play this turn; raises InvalidDecisions with the engine's (or the class's) reasons.

        `force` skips the class's gate: the facilitator closed the turn.
        """
        if self.gate is not None and not force:
            reason = self.gate(self.turn)
            if reason is not None:
                raise InvalidDecisions([Problem(key="turn", message=reason)])
        result = resolve_turn(self.scenario, self.state, decisions)
        self.state = result.state
        return result.record
