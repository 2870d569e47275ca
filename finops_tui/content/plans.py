"""Plan files: a strategy as TOML, read with errors that name the file, written atomically.

The format is the one `simulate` reads (see README "Plans"); a turn may say why, in a
`rationale` of one line. Plans the studio keeps live in a `plans/` folder of their own
(never among the saves, which the save menu would list as broken games).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tomli_w
from pydantic import ValidationError

from finops_tui.content.errors import ContentError, describe_validation
from finops_tui.content.files import atomic_write_text, read_toml
from finops_tui.content.levels import check_plan, load_plan, plan_to_decisions, resolve_level_path
from finops_tui.content.saves import load_save, safe_save_name
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.level import Plan
from finops_tui.engine.scenario import Scenario

PLANS_FOLDER = "plans"
MAX_PLAN_BYTES = 64 * 1024  # a 120-turn plan with a rationale each is about 40 KB


def plans_dir(saves_folder: Path) -> Path:
    """Where the studio keeps plans: `plans/` in the saves folder."""
    return Path(saves_folder) / PLANS_FOLDER


def plan_path(folder: Path, name: str) -> Path:
    """The file of a plan named by a person: the rules of save names (no folder, no `..`)."""
    try:
        stem = safe_save_name(name)
    except ContentError as exc:
        raise ContentError([p.replace("save name", "plan name") for p in exc.problems]) from None
    return Path(folder) / f"{stem}.toml"


def plan_text(level_id: str, plan: Plan) -> str:
    """A plan as the TOML `simulate` reads: each turn, only what it changes, and why.

    One `[[turn]]` a turn, numbered in a comment, its decisions as inline tables: a
    team reads it turn by turn, as it was written.
    """
    head: dict[str, object] = {"level": level_id}
    if plan.title:
        head["title"] = plan.title
    if plan.description:
        head["description"] = plan.description
    lines = [tomli_w.dumps(head)]
    for number, step in enumerate(plan.turn, start=1):
        lines.append(f"[[turn]]  # turn {number}")
        data = step.model_dump(exclude_defaults=True)
        for key, value in data.items():
            if value in ({}, None, ""):
                continue
            if isinstance(value, dict):
                pairs = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
                lines.append(f"{key} = {{ {pairs} }}")
            else:
                lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: object) -> str:
    """One value as TOML writes it (strings escaped, floats exact)."""
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")


def write_plan(path: Path, level_id: str, plan: Plan) -> Path:
    """Write a plan whole or not at all; a plan too large to be a strategy is refused."""
    text = plan_text(level_id, plan)
    if len(text.encode("utf-8")) > MAX_PLAN_BYTES:
        raise ContentError([f"{path}: turn: a plan is at most {MAX_PLAN_BYTES // 1024} KB"])
    atomic_write_text(path, text)
    return path


def read_plan(path: Path, scenario: Scenario) -> Plan:
    """A plan file for this level: TOML, the plan format, and not another level's."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0  # read_toml says why it cannot be read
    if size > MAX_PLAN_BYTES:
        raise ContentError([f"{path}: file: larger than a plan ({size:,} bytes)"])
    return load_plan(str(path), scenario)


@dataclass(frozen=True)
class PlanFile:
    """A plan in a plans folder: its name, and why it cannot be opened (None if it can)."""

    name: str
    path: Path
    level: str
    problem: str | None = None


def list_plans(folder: Path, level_id: str) -> list[PlanFile]:
    """The plan files in `folder` for this level (or for no level in particular), by name."""
    try:
        paths = sorted(p for p in Path(folder).glob("*.toml") if p.is_file())
    except OSError:
        return []
    out = []
    for path in paths:
        try:
            data = read_toml(path) if path.stat().st_size <= MAX_PLAN_BYTES else None
        except (ContentError, OSError) as exc:
            problem = "; ".join(exc.problems) if isinstance(exc, ContentError) else str(exc)
            out.append(PlanFile(path.stem, path, "", problem))
            continue
        if data is None:
            out.append(PlanFile(path.stem, path, "", f"{path}: file: larger than a plan"))
            continue
        level = str(data.get("level", ""))
        if level in ("", level_id):
            out.append(PlanFile(path.stem, path, level))
    return out


def played_decisions(path: Path, level_id: str) -> list[Decisions]:
    """What was played in a save, turn by turn, replayed and checked; for this level only."""
    _scenario, state, save = load_save(Path(path))
    if save.level != level_id:
        raise ContentError([f"{path}: level: a game of {save.level!r}, not of {level_id!r}"])
    if not state.history:
        raise ContentError([f"{path}: turns: no turn played yet"])
    return [record.decisions for record in state.history]


@dataclass(frozen=True)
class Entrant:
    """A plan entered in a tournament: the name it was given, and its decisions."""

    name: str
    decisions: list[Decisions]


def entrant(scenario: Scenario, name: str, level_name: str) -> Entrant:
    """A plan the level ships (`par`, `naive`, `alt`...) or a plan file, checked playable.

    ContentError with `PATH: key: message` lines when it cannot be played.
    """
    if name in scenario.level.plans:
        plan = scenario.level.plans[name]
        where, prefix = str(resolve_level_path(level_name)), f"plans.{name}."
    else:
        plan = read_plan(Path(name), scenario)
        where, prefix = name, ""
    problems = check_plan(scenario, plan, where, prefix)
    if problems:
        raise ContentError(problems)
    return Entrant(name, plan_to_decisions(scenario, plan, where, prefix))


def entrants(
    scenario: Scenario, names: list[str], level_name: str
) -> tuple[list[Entrant], list[str]]:
    """Every plan that can be played, and the problems of those that cannot (left out).

    A name given twice plays once.
    """
    found, problems = [], []
    for name in dict.fromkeys(names):
        try:
            found.append(entrant(scenario, name, level_name))
        except ContentError as exc:
            problems.extend(exc.problems)
        except ValidationError as exc:  # a plan whose values the engine refuses
            problems.extend(describe_validation(name, exc))
    return found, problems


def is_plan_file(path: Path) -> bool:
    """Whether a TOML file is a plan (turns, no level id of its own) rather than a level."""
    try:
        data = read_toml(Path(path))
    except ContentError:
        return False
    return "turn" in data and "id" not in data


def check_plan_file(path: Path) -> list[str]:
    """Problems of a plan file that names its level (`level = "tutorial"`); [] when it plays.

    Checked at both settings, as `validate` checks a level's own plans.
    """
    from finops_tui.content.levels import load_scenario

    data = read_toml(Path(path))
    level = data.get("level")
    if not isinstance(level, str) or not level:
        return [f"{path}: level: required to validate a plan: the level id it is for"]
    try:
        scenarios = [load_scenario(level, setting=s) for s in ("standard", "advanced")]
    except ContentError as exc:
        return [f"{path}: level: {p}" for p in exc.problems]
    plan = read_plan(Path(path), scenarios[0])
    problems = check_plan(scenarios[0], plan, str(path))
    if not problems:
        problems = check_plan(scenarios[1], plan, f"{path} (advanced)")
    return problems
