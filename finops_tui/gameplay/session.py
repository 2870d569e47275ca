"""The game being played: a scenario, its state, and who plays it. No Textual here.

Screens ask the session, and through it the engine; widgets never hold game state.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from finops_tui.content.quiz import (
    QuizAnswer,
    answer,
    choice_order,
    matched_answers,
    next_question,
    question_key,
    question_order,
    shuffle_salt,
)
from finops_tui.content.saves import Learning, QuizRecord
from finops_tui.content.saves.format import MAX_QUIZ_ATTEMPT
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import InvalidDecisions, new_game, resolve_turn, start_decisions
from finops_tui.engine.level import Level
from finops_tui.engine.rng import MAX_SEED
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState, Problem, TurnRecord
from finops_tui.gameplay.rubric import Feedback, game_figures, justification_feedback


def random_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


@dataclass
class GameSession:
    scenario: Scenario
    state: GameState
    player: str = ""
    # What the player wrote after the debrief; saved with the game, never scored.
    learning: Learning = field(default_factory=Learning)
    # The plan being watched (`play --watch`), or "" when a person plays.
    watched: str = ""
    # In a hosted class, why a turn cannot be ended yet (None when it can).
    gate: Callable[[int], str | None] | None = None
    # This game's own autosave, once it has one (or the autosave it was resumed from).
    save_path: Path | None = None
    # A game started here: its first autosave is a new file, never another game's.
    fresh: bool = False

    @classmethod
    def start(cls, scenario: Scenario, seed: int | None = None, player: str = "") -> GameSession:
        state = new_game(scenario, random_seed() if seed is None else seed)
        return cls(scenario, state, player, fresh=True)

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

    # -- after the debrief: the quiz and the writing ----------------------------------

    def quiz_answers(self) -> list[QuizAnswer]:
        """The quiz answered so far, each matched to the level's question by its key.

        An answer whose question the level no longer has, or has reworded since (its key
        differs), or a save's answer from before keys existed, is set aside: never read
        as an answer to another question.
        """
        return matched_answers(self.level.quiz, self.learning.quiz)

    def quiz_set_aside(self) -> int:
        """How many saved answers no longer match a question of the level's quiz."""
        return len(self.learning.quiz) - len(self.quiz_answers())

    @property
    def quiz_salt(self) -> str:
        """What this learner's order of choices is drawn from: all of it is in the save."""
        return shuffle_salt(self.level.id, self.seed, self.player, self.learning.quiz_attempt)

    def next_quiz_question(self) -> int | None:
        """The next question to ask (it adapts to the answers so far); None when done."""
        order = question_order(self.level, self.quiz_salt)
        return next_question(self.level, self.quiz_answers(), order)

    def choice_order(self, question: int) -> list[int]:
        """The question's choices in the order this learner sees them (indices into choices)."""
        return choice_order(self.level.quiz[question], self.quiz_salt)

    def answer_quiz(self, question: int, choice: int | None) -> QuizAnswer:
        """Record an answer (None: the time ran out); ValueError for a missing choice."""
        given = answer(self.level, question, choice)
        record = QuizRecord(
            question=given.question,
            key=question_key(self.level.quiz[question]),
            choice=given.choice,
            correct=given.correct,
            timed_out=True if given.timed_out else None,
        )
        self.learning = self.learning.model_copy(update={"quiz": [*self.learning.quiz, record]})
        return given

    def restart_quiz(self) -> None:
        """Take the quiz again: no answers, and the choices in a new order."""
        attempt = min(self.learning.quiz_attempt + 1, MAX_QUIZ_ATTEMPT)
        self.learning = self.learning.model_copy(update={"quiz": [], "quiz_attempt": attempt})

    def write(
        self, justification: str | None = None, reflections: dict[str, str] | None = None
    ) -> None:
        """Keep what the player wrote (checked by the caller against the save's limits)."""
        update: dict[str, object] = {}
        if justification is not None:
            update["justification"] = justification
            # The checklist the learner was shown is kept with the text it was about.
            update["rubric"] = (
                self.justification_feedback(justification).record() if justification else {}
            )
        if reflections is not None:
            update["reflections"] = {k: v for k, v in reflections.items() if v.strip()}
        self.learning = self.learning.model_copy(update=update)

    def justification_feedback(self, text: str | None = None) -> Feedback:
        """The rubric's checklist for `text` (by default, the justification kept so far)."""
        text = self.learning.justification if text is None else text
        return justification_feedback(text, game_figures(self.state))
