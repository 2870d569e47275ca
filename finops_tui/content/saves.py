"""Saves and replays: the decisions so far, written atomically as TOML.

A save never stores state: the state is rebuilt by replaying its decisions through
the engine, so a save can never disagree with the engine.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finops_tui.content.errors import ContentError, describe_validation
from finops_tui.content.files import read_toml
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import InvalidDecisions, play
from finops_tui.engine.level import Level
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState

SAVE_FORMAT = 1


class Claimed(BaseModel):
    """What a finished game claims; `verify` recomputes and compares."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    score: float
    stars: int
    kpis: dict[str, float]


class SaveFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    format: Literal[1]
    level: str
    level_hash: str
    seed: int = Field(ge=0, le=2**32 - 1)
    player: str = ""
    turns: list[Decisions] = Field(default_factory=list)
    claimed: Claimed | None = None


def level_hash(level: Level) -> str:
    """A hash of what the level means, not how its file is laid out."""
    return "sha256:" + hashlib.sha256(level.model_dump_json().encode()).hexdigest()


def save_from_state(
    scenario: Scenario, state: GameState, player: str = "", claim: bool | None = None
) -> SaveFile:
    finished = state.finished if claim is None else claim
    return SaveFile(
        format=SAVE_FORMAT,
        level=scenario.level.id,
        level_hash=level_hash(scenario.level),
        seed=state.seed,
        player=player,
        turns=list(state.decisions),
        claimed=Claimed(score=state.score, stars=state.stars, kpis=state.game_kpis)
        if finished
        else None,
    )


def write_save(path: Path, save: SaveFile) -> None:
    """Write atomically: a temporary file in the same folder, fsynced, then renamed."""
    data = save.model_dump(mode="json", exclude_none=True)
    text = tomli_w.dumps(data)
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_save(path: Path) -> SaveFile:
    data = read_toml(Path(path))
    try:
        return SaveFile.model_validate(data)
    except ValidationError as exc:
        raise ContentError(describe_validation(path, exc)) from None


def replay_save(path: Path, save: SaveFile, scenario: Scenario) -> GameState:
    """Rebuild a save's game, refusing one made against a different level."""
    if save.level != scenario.level.id:
        raise ContentError(
            [f"{path}: level: save is for {save.level!r}, not {scenario.level.id!r}"]
        )
    if save.level_hash != level_hash(scenario.level):
        raise ContentError(
            [
                f"{path}: level_hash: made against another version of level {save.level!r}; "
                "it would not replay to the same result"
            ]
        )
    if len(save.turns) > scenario.level.turns:
        raise ContentError(
            [f"{path}: turns: {len(save.turns)} turns, the level has {scenario.level.turns}"]
        )
    try:
        return play(scenario, save.seed, save.turns)
    except InvalidDecisions as exc:
        raise ContentError([f"{path}: turns: {exc}"]) from None
