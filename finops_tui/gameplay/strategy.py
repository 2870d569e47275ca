"""A whole-game strategy being written: what each turn changes, and why.

Pure: no Textual, no files. A strategy is kept as a plan is written: turn t lists
only the decisions that differ from turn t-1 (turn 1: from the level's start), and
anything it leaves out carries over. Editing a decision at turn t therefore carries
the new value on to the turns after it, up to a turn that sets it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from pydantic import ValidationError

from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import (
    apply_changes,
    check_decisions,
    new_game,
    plan_decisions,
    resolve_turn,
    start_decisions,
)
from finops_tui.engine.level import Plan, PlanStep
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import Problem
from finops_tui.gameplay.fields import FieldSpec, decision_text
from finops_tui.gameplay.fields import with_decision as set_decision
from finops_tui.gameplay.tournament import PlanOutcome, play_outcome

Changes = dict[str, Any]  # "training.gpus" -> 8, "forecast_usd" -> 3000.0


def flat(decisions: Decisions) -> Changes:
    """Every decision by its dotted key."""
    out: Changes = {}
    for section, value in decisions.model_dump().items():
        if isinstance(value, dict):
            out.update({f"{section}.{k}": v for k, v in value.items()})
        else:
            out[section] = value
    return out


def nested(changes: Changes) -> dict[str, Any]:
    """Dotted keys back into a plan turn's tables."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        section, _, name = key.partition(".")
        if name:
            out.setdefault(section, {})[name] = value
        else:
            out[section] = value
    return out


@dataclass(frozen=True)
class Strategy:
    """A strategy for a level: each turn's changes and rationale (one per turn of the level)."""

    level_id: str
    changes: tuple[Changes, ...]
    rationale: tuple[str, ...]
    title: str = ""

    @property
    def turns(self) -> int:
        return len(self.changes)

    def decisions(self, scenario: Scenario) -> list[Decisions]:
        """The decisions in force at every turn."""
        out, current = [], start_decisions(scenario)
        for change in self.changes:
            if change:
                current = apply_changes(current, PlanStep.model_validate(nested(change)))
            out.append(current)
        return out

    def to_plan(self) -> Plan:
        """The plan file's content: turns up to the last that changes or says something."""
        last = max(
            [i for i in range(self.turns) if self.changes[i] or self.rationale[i]], default=0
        )
        steps = [
            PlanStep.model_validate({**nested(self.changes[i]), "rationale": self.rationale[i]})
            for i in range(last + 1)
        ]
        return Plan(title=self.title, turn=steps)

    def with_decision(self, scenario: Scenario, turn: int, key: str, value: Any) -> Strategy:
        """The strategy with one decision set from `turn` (0-based) on; ValueError in words.

        The turns after it that inherited the old value inherit the new one; a turn that
        sets the decision itself keeps its own.
        """
        set_decision(self.decisions(scenario)[turn], key, value)  # ValueError if refused
        changes = [dict(c) for c in self.changes]
        changes[turn][key] = value
        edited = replace(self, changes=tuple(changes))
        return strategy_from_decisions(
            scenario, edited.decisions(scenario), self.rationale, self.title
        )

    def with_rationale(self, turn: int, text: str) -> Strategy:
        """The strategy with turn `turn`'s reason; ValueError in words if it cannot be one."""
        checked = checked_rationale(text)
        rationale = list(self.rationale)
        rationale[turn] = checked
        return replace(self, rationale=tuple(rationale))

    def change_lines(self, fields: Sequence[FieldSpec], turn: int) -> list[str]:
        """What turn `turn` changes, in the form's words: 'GPUs 16', 'Buy as Spot'."""
        change = self.changes[turn]
        if not change:
            return []
        labels = {spec.key: spec for spec in fields}
        lines = []
        current = _decisions_of(change)
        for key in change:
            spec = labels.get(key)
            if spec is None:
                lines.append(f"{key} {change[key]}")
            else:
                lines.append(f"{spec.label.split('  ')[0]} {decision_text(spec, current)}")
        return lines


def _decisions_of(change: Changes) -> Decisions:
    # Only for naming the changed values: other decisions are the defaults, never shown.
    return Decisions.model_validate(nested(change))


def checked_rationale(text: str) -> str:
    """A rationale as the plan format takes it, or ValueError saying why not."""
    try:
        step = PlanStep(rationale=text)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ValueError(message) from None
    return step.rationale


def strategy_from_decisions(
    scenario: Scenario,
    decisions: Sequence[Decisions],
    rationale: Sequence[str] = (),
    title: str = "",
) -> Strategy:
    """The shortest way of writing these decisions: each turn only what changed."""
    turns = scenario.level.turns
    played = list(decisions[:turns])
    while len(played) < turns:  # a game not finished: its last decisions carry on
        played.append(played[-1] if played else start_decisions(scenario))
    previous = flat(start_decisions(scenario))
    changes = []
    for d in played:
        now = flat(d)
        changes.append({k: v for k, v in now.items() if previous[k] != v})
        previous = now
    reasons = [str(r) for r in rationale[:turns]]
    reasons += [""] * (turns - len(reasons))
    return Strategy(scenario.level.id, tuple(changes), tuple(reasons), title)


def strategy_from_plan(scenario: Scenario, plan: Plan) -> Strategy:
    """A plan, as the studio edits it; pydantic's ValidationError for values out of range."""
    rationale = [step.rationale for step in plan.turn]
    return strategy_from_decisions(scenario, plan_decisions(scenario, plan), rationale, plan.title)


@dataclass(frozen=True)
class TurnProblem:
    turn: int  # 1-based
    problem: Problem


def strategy_problems(scenario: Scenario, decisions: Sequence[Decisions]) -> list[TurnProblem]:
    """Why the strategy cannot be played (played on seed 0, as `validate` plays plans).

    Stops at the first turn with a problem: later turns depend on it.
    """
    state = new_game(scenario, 0)
    for i, d in enumerate(decisions):
        problems = check_decisions(scenario, state, d)
        if problems:
            return [TurnProblem(i + 1, p) for p in problems]
        state = resolve_turn(scenario, state, d).state
    return []


@dataclass(frozen=True)
class Evaluation:
    """A strategy over the seeds: its outcome, or why it cannot be played."""

    outcome: PlanOutcome | None
    problems: list[TurnProblem]


def evaluate(
    scenario: Scenario, decisions: Sequence[Decisions], seeds: np.ndarray, name: str = "yours"
) -> Evaluation:
    """Check the strategy, then play it over `seeds` in one batch."""
    problems = strategy_problems(scenario, decisions)
    if problems:
        return Evaluation(None, problems)
    return Evaluation(play_outcome(scenario, name, decisions, seeds), [])


@dataclass(frozen=True)
class EditEffect:
    """The counterfactual of one edit: the same seeds before and after it."""

    turn: int  # 1-based
    what: tuple[str, ...]
    why: str
    before: PlanOutcome
    after: PlanOutcome

    @property
    def mean_delta(self) -> float:
        return self.after.mean - self.before.mean

    @property
    def spend_delta(self) -> float:
        return self.after.spend_mean - self.before.spend_mean


def edit_description(
    before: Strategy, after: Strategy, fields: Sequence[FieldSpec], turn: int
) -> tuple[str, ...]:
    """What an edit changed at `turn` (0-based), in words; the rationale if only it changed."""
    was, now = set(before.change_lines(fields, turn)), after.change_lines(fields, turn)
    added = [line for line in now if line not in was]
    removed = [line for line in before.change_lines(fields, turn) if line not in set(now)]
    words = added + [f"no longer {line}" for line in removed if not _same_field(line, added)]
    return tuple(words)


def edits_between(
    before: Strategy, after: Strategy, fields: Sequence[FieldSpec], turn: int
) -> tuple[str, ...]:
    """Every change from `before` to `after`: turn `turn`'s (0-based) first, then any
    other turn's, named by its number (edits that came together, or a later turn's
    setting that an earlier edit made the same as what it inherits)."""
    words = list(edit_description(before, after, fields, turn))
    for t in range(after.turns):
        if t != turn and before.changes[t] != after.changes[t]:
            words += [f"turn {t + 1}: {w}" for w in edit_description(before, after, fields, t)]
    return tuple(words)


def _same_field(line: str, lines: Sequence[str]) -> bool:
    label = line.rsplit(" ", 1)[0]
    return any(other.rsplit(" ", 1)[0] == label for other in lines)
