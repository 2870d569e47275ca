"""Replaying a save through the engine, and checking what it claims."""

from __future__ import annotations

import math
from pathlib import Path

from finops_tui import __version__
from finops_tui.content.catalog import shipped_catalog
from finops_tui.content.errors import ContentError
from finops_tui.content.levels import level_paths, levels_dir, load_level
from finops_tui.content.saves.files import read_save
from finops_tui.content.saves.format import (
    KPI_ABS_TOL,
    KPI_REL_TOL,
    Claimed,
    SaveFile,
    claim_of,
    level_hash,
    prices_hash,
    save_checksum,
)
from finops_tui.engine.game import InvalidDecisions, new_game, resolve_turn
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState


def scenario_for(path: Path, save: SaveFile) -> Scenario:
    """The shipped level a save names, or a ContentError naming the save file."""
    level_file = levels_dir() / f"{save.level}.toml"
    if not level_file.is_file():
        known = ", ".join(p.stem for p in level_paths()) or "none"
        raise ContentError(
            [
                f"{path}: level: unknown level {save.level!r} (known levels: {known}; "
                f"a folder of other levels can be named with $FINOPS_TUI_LEVELS)"
            ]
        )
    try:
        # The save holds every decision, so the level's plans need not be played here.
        level = load_level(level_file, check_plans=False)
    except ContentError as exc:
        first = exc.problems[0] if exc.problems else str(level_file)
        raise ContentError(
            [f"{path}: level: level {save.level!r} cannot be loaded: {first}"]
        ) from None
    if level.id != save.level:
        raise ContentError(
            [f"{path}: level: {level_file} holds level {level.id!r}, not {save.level!r}"]
        )
    level = level.at_setting(save.setting).with_injected(save.injected)
    return Scenario.build(level, shipped_catalog())


def replay_save(path: Path, save: SaveFile, scenario: Scenario) -> GameState:
    """Rebuild a save's game and check it against what the save claims.

    Refuses, with the first problem found: a save of another level, or of another
    version of the level or of the prices; decisions the level does not allow; a
    result that differs from the claimed one; and a file changed after it was written.
    """
    path = Path(path)
    level = scenario.level
    if save.level != level.id:
        raise ContentError([f"{path}: level: save is for {save.level!r}, not {level.id!r}"])
    if save.setting != level.setting:
        raise ContentError(
            [f"{path}: setting: save is of the {save.setting} setting, not {level.setting}"]
        )
    if save.level_hash != level_hash(level):
        raise ContentError(
            [
                f"{path}: level_hash: made against another version of level {save.level!r} "
                "(the level has changed since); it would not replay to the same result"
            ]
        )
    if save.prices_hash != prices_hash(scenario.catalog):
        raise ContentError(
            [
                f"{path}: prices_hash: made against another version of the price catalog "
                f"(finops-tui {save.app_version or 'unknown'} wrote it, and prices have "
                "changed since); it would not replay to the same result"
            ]
        )
    if save.turn > level.turns:
        raise ContentError([f"{path}: turns: {save.turn} turns, the level has {level.turns}"])
    state = new_game(scenario, save.seed)
    for i, decisions in enumerate(save.turns):
        try:
            state = resolve_turn(scenario, state, decisions).state
        except InvalidDecisions as exc:
            first = exc.problems[0]
            raise ContentError([f"{path}: turns[{i}].{first.key}: {first.message}"]) from None
        except (ValueError, ArithmeticError) as exc:
            raise ContentError([f"{path}: turns[{i}]: the engine cannot play it: {exc}"]) from None
    difference = claim_difference(save.claimed, claim_of(state))
    if difference is not None:
        hint = ""
        if save.app_version and save.app_version != __version__:
            hint = f" (written by finops-tui {save.app_version}, this is {__version__})"
        raise ContentError([f"{path}: {difference}{hint}"])
    if save.integrity.checksum != save_checksum(save):
        raise ContentError(
            [
                f"{path}: integrity.checksum: the file was changed after finops-tui wrote it "
                "(edited by hand, or damaged)"
            ]
        )
    return state


def _same(a: float, b: float, exact: bool = False) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if exact:
        return a == b
    return math.isclose(a, b, rel_tol=KPI_REL_TOL, abs_tol=KPI_ABS_TOL)


def claim_difference(claimed: Claimed, computed: Claimed) -> str | None:
    """The first way a claim differs from the engine's result, as `key: ...`; None if none.

    The score is rounded to a tenth by the engine and compared exactly, as are stars;
    spend and KPIs are compared to within KPI_REL_TOL (floats round-trip TOML exactly).
    """
    if not _same(claimed.score, computed.score, exact=True):
        return f"claimed.score: claimed {claimed.score!r}, the engine computes {computed.score!r}"
    if claimed.stars != computed.stars:
        return f"claimed.stars: claimed {claimed.stars}, the engine computes {computed.stars}"
    if not _same(claimed.spend_usd, computed.spend_usd):
        return (
            f"claimed.spend_usd: claimed {claimed.spend_usd!r}, "
            f"the engine computes {computed.spend_usd!r}"
        )
    for key, value in computed.kpis.items():
        if key not in claimed.kpis:
            return f"claimed.kpis.{key}: missing, the engine computes {value!r}"
        if not _same(claimed.kpis[key], value):
            return (
                f"claimed.kpis.{key}: claimed {claimed.kpis[key]!r}, the engine computes {value!r}"
            )
    for key in claimed.kpis:
        if key not in computed.kpis:
            return f"claimed.kpis.{key}: the engine computes no such KPI"
    return None


def load_save(path: Path, scenario: Scenario | None = None) -> tuple[Scenario, GameState, SaveFile]:
    """Read, check and replay a save. `scenario` plays it against a level not shipped."""
    path = Path(path)
    save = read_save(path)
    scenario = scenario or scenario_for(path, save)
    return scenario, replay_save(path, save, scenario), save


def verify_replay(
    path: Path, scenario: Scenario | None = None
) -> tuple[Scenario, GameState, SaveFile]:
    """A finished game, re-simulated and checked; ContentError with the first difference."""
    scenario, state, save = load_save(path, scenario)
    if not state.finished:
        raise ContentError(
            [
                f"{path}: turns: the game is not finished ({state.turn} of {state.turns} "
                "turns played); only a finished game is a replay"
            ]
        )
    return scenario, state, save
