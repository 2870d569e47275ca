"""Finding, loading and validating levels and plans."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

import finops_tui
from finops_tui.content.catalog import shipped_catalog
from finops_tui.content.errors import ContentError, describe_validation
from finops_tui.content.files import read_toml
from finops_tui.content.quiz import bank_problems, tier_counts
from finops_tui.engine.catalog import Catalog
from finops_tui.engine.game import (
    InvalidDecisions,
    apply_changes,
    new_game,
    plan_decisions,
    resolve_turn,
    start_decisions,
)
from finops_tui.engine.level import Level, Plan
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState

LEVELS_ENV = "FINOPS_TUI_LEVELS"


def levels_dir() -> Path:
    """Where the shipped levels are: a checkout's `levels/`, or the installed copy."""
    override = os.environ.get(LEVELS_ENV)
    if override:
        return Path(override)
    package = Path(finops_tui.__file__).resolve().parent
    checkout = package.parent / "levels"
    if checkout.is_dir():
        return checkout
    return package / "_levels"


@dataclass(frozen=True)
class LevelInfo:
    id: str
    title: str
    difficulty: str
    turns: int
    path: Path
    quiz: dict[str, int] = field(default_factory=dict)  # questions per tier


def level_paths() -> list[Path]:
    folder = levels_dir()
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


DIFFICULTY_ORDER = {"intro": 0, "easy": 1, "medium": 2, "hard": 3, "expert": 4}


def list_levels() -> list[LevelInfo]:
    """Every shipped level, easiest first; a broken file is skipped, never fatal."""
    infos = []
    for path in level_paths():
        try:
            level = load_level(path, check_plans=False)
        except ContentError:
            continue
        infos.append(
            LevelInfo(
                level.id, level.title, level.difficulty, level.turns, path, tier_counts(level.quiz)
            )
        )
    return sorted(infos, key=lambda i: (DIFFICULTY_ORDER[i.difficulty], i.turns, i.id))


def resolve_level_path(name: str) -> Path:
    """A level id (`tutorial`) or a path to a level file."""
    candidate = Path(name)
    # A bare word is always a level id, even if a file of that name sits in the folder.
    if candidate.suffix == ".toml" or os.sep in name:
        return candidate
    path = levels_dir() / f"{name}.toml"
    if not path.exists():
        known = ", ".join(p.stem for p in level_paths()) or "none"
        raise ContentError([f"{name}: no such level (known levels: {known})"])
    return path


def load_level(path: Path, catalog: Catalog | None = None, check_plans: bool = True) -> Level:
    """Parse and validate a level file; problems are collected, not raised one by one.

    `check_plans` also plays every shipped plan through, as `validate` does.
    """
    data = read_toml(path)
    if "setting" in data:
        raise ContentError([f"{path}: setting: chosen by the player, not in a level file"])
    if "injected" in data:
        raise ContentError([f"{path}: injected: added by a facilitator, not in a level file"])
    try:
        level = Level.model_validate(data)
    except ValidationError as exc:
        raise ContentError(describe_validation(path, exc)) from None
    problems = [f"{path}: {p}" for p in bank_problems(level.quiz)]
    problems += _cross_checks(path, level, catalog or shipped_catalog(), check_plans)
    if problems:
        raise ContentError(problems)
    return level


def load_scenario(
    name: str,
    catalog: Catalog | None = None,
    check_plans: bool = False,
    setting: str = "standard",
) -> Scenario:
    """The scenario of a level id or path at a setting, with its price overrides applied."""
    path = resolve_level_path(name)
    level = load_level(path, catalog, check_plans)
    return Scenario.build(level.at_setting(setting), catalog or shipped_catalog())


def _cross_checks(path: Path, level: Level, catalog: Catalog, check_plans: bool) -> list[str]:
    """What the schema alone cannot see: prices, API names, and playable plans."""
    try:
        merged = catalog.with_overrides(level.prices)
    except ValidationError as exc:
        return describe_validation(path, exc, prefix="prices")
    problems = []
    if level.inference is not None:
        for name in level.inference.apis:
            if name not in merged.apis:
                problems.append(
                    f"{path}: inference.apis.{name}: unknown API model; the catalog has "
                    + ", ".join(sorted(merged.apis))
                )
    if problems:
        return problems
    scenario = Scenario.build(level, catalog)
    try:
        plan_decisions(scenario, Plan(turn=[level.start.model_dump()]))
    except ValidationError as exc:
        return describe_validation(path, exc, prefix="start")
    try:
        advanced = Scenario.build(level.at_setting("advanced"), catalog)
    except ValidationError as exc:
        return describe_validation(path, exc, prefix="advanced")
    if check_plans:
        for name, plan in level.plans.items():
            problems.extend(check_plan(scenario, plan, str(path), f"plans.{name}."))
            if not problems:
                problems.extend(check_plan(advanced, plan, f"{path} (advanced)", f"plans.{name}."))
    return problems


def plan_to_decisions(scenario: Scenario, plan: Plan, where: str, prefix: str = "") -> list:
    """A plan's decisions for every turn; an invalid change is named by its turn."""
    try:
        return plan_decisions(scenario, plan)
    except ValidationError:
        current = start_decisions(scenario)
        for i, turn in enumerate(plan.turn):
            try:
                current = apply_changes(current, turn)
            except ValidationError as exc:
                problems = describe_validation(where, exc, prefix=f"{prefix}turn[{i}]")
                raise ContentError(problems) from None
        raise


def play_plan(scenario: Scenario, plan: Plan, seed: int, where: str, prefix: str = "") -> GameState:
    """Play a plan from the start; a decision the level refuses names its turn and key."""
    state = new_game(scenario, seed)
    for i, decisions in enumerate(plan_to_decisions(scenario, plan, where, prefix)):
        try:
            state = resolve_turn(scenario, state, decisions).state
        except InvalidDecisions as exc:
            shown = min(i, len(plan.turn) - 1)
            raise ContentError(
                [f"{where}: {prefix}turn[{shown}].{p.key}: {p.message}" for p in exc.problems]
            ) from None
    return state


def check_plan(scenario: Scenario, plan: Plan, where: str, prefix: str = "") -> list[str]:
    """Problems that stop `plan` from being played through, each naming its turn."""
    try:
        play_plan(scenario, plan, 0, where, prefix)
    except ContentError as exc:
        return exc.problems
    return []


def load_plan(name: str, scenario: Scenario) -> Plan:
    """A shipped plan of the level (`par`, `naive`) or the path of a plan file."""
    if name in scenario.level.plans:
        return scenario.level.plans[name]
    path = Path(name)
    if path.suffix != ".toml" and not path.exists():
        known = ", ".join(scenario.level.plans)
        raise ContentError([f"{name}: no such plan in {scenario.level.id} (shipped: {known})"])
    data = read_toml(path)
    level_id = data.pop("level", None)
    if level_id is not None and level_id != scenario.level.id:
        raise ContentError(
            [f"{path}: level: this plan is for {level_id!r}, not {scenario.level.id!r}"]
        )
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise ContentError(describe_validation(path, exc)) from None
    return plan
