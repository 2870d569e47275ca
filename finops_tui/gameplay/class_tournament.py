"""The class's tournament: the teams' submitted strategies, ranked on the class's level.

Run from the facilitator's console; the result goes to the class folder, where the
projector's scoreboard reads it. Par and naive play too, as the yardsticks.
"""

from __future__ import annotations

import time

from finops_tui.content.classroom import ClassDir
from finops_tui.content.errors import ContentError
from finops_tui.content.levels import load_scenario
from finops_tui.content.plans import Entrant, entrant
from finops_tui.gameplay.tournament import (
    DEFAULT_SEEDS,
    play_tournament,
    tournament_seeds,
)

YARDSTICKS = ("par", "naive")  # the level's own plans, shown as (par) and (naive)


def run_class_tournament(class_dir: ClassDir, seeds: int = DEFAULT_SEEDS) -> dict:
    """Play every submitted strategy and the yardsticks on the same seeds; write the result.

    A strategy that cannot be played is named in `problems` and left out.
    ContentError when the class has no level yet, or no team has submitted.
    """
    settings = class_dir.settings()
    if settings is None:
        raise ContentError([f"{class_dir.settings_path}: no class here yet"])
    submitted = class_dir.strategies()
    if not submitted:
        raise ContentError([f"{class_dir.root / 'strategies'}: no team has submitted a strategy"])
    scenario = load_scenario(settings.level, setting=settings.setting)
    found: list[Entrant] = []
    problems: list[str] = []
    for name in YARDSTICKS:  # in brackets: a team name never has them, so never collides
        found.append(Entrant(f"({name})", entrant(scenario, name, settings.level).decisions))
    for team, path in submitted.items():
        try:
            played = entrant(scenario, str(path), settings.level)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        found.append(Entrant(team, played.decisions))
    rows = play_tournament(
        scenario, [(e.name, e.decisions) for e in found], tournament_seeds(settings.seed, seeds)
    )
    result = {
        "level": settings.level,
        "setting": settings.setting,
        "seeds": seeds,
        "first_seed": settings.seed,
        "at": time.time(),
        "yardsticks": list(YARDSTICKS),
        "rows": [row.as_json() for row in rows],
        "problems": problems,
    }
    class_dir.write_tournament(result)
    return result
