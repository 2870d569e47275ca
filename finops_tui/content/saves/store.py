"""The saves folder the game uses: list, autosave, save as, delete."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from finops_tui.content.errors import ContentError
from finops_tui.content.saves.files import read_save, write_save
from finops_tui.content.saves.format import (
    Learning,
    SaveFile,
    level_hash,
    player_name,
    prices_hash,
    save_checksum,
    save_from_state,
    shown_name,
)
from finops_tui.content.saves.names import (
    AUTOSAVE_PREFIX,
    MAX_NEW_GAME_NAMES,
    autosave_stem,
    safe_save_name,
)
from finops_tui.content.saves.replay import load_save, replay_save, scenario_for
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState

# --- the store the game uses --------------------------------------------------------


@dataclass(frozen=True)
class SaveEntry:
    """One `*.toml` in the saves folder, checked. `problem` is None for a good save,
    else its problems, one `PATH: key: message` line each."""

    path: Path
    name: str
    level: str
    player: str
    turn: int
    finished: bool
    problem: str | None
    seed: int | None = None
    autosave: bool = False
    modified: float = 0.0
    setting: str = "standard"
    # The engine's result when the save replayed (None for a bad save): never the file's claim.
    score: float | None = None
    stars: int | None = None


class SaveStore:
    """The saves of a folder: autosave, named saves, listing, resuming."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        # (content digest, its stated checksum, level hash, prices hash) -> (score, stars) of
        # saves already replayed cleanly: a listing need not replay an unchanged save twice.
        self._replayed: dict[tuple[str, str, str, str], tuple[float, int]] = {}

    def autosave(
        self,
        scenario: Scenario,
        state: GameState,
        player: str = "",
        extras: Learning | Mapping[str, object] | None = None,
        path: Path | None = None,
    ) -> Path:
        """Save a game after a resolved turn (and after the debrief's quiz and writing);
        returns the file written.

        `path` is the game's own autosave (what the first call returned, or the save it was
        resumed from). Without one, the game continues the autosave it plays on (same level,
        setting, seed and player, whose turns begin this game's), else gets a file of its
        own. A file is only ever replaced by the game it holds, played on or written about:
        a finished game is a record that a new game never overwrites.
        """
        player = player_name(player)
        save = save_from_state(scenario, state, player, extras)
        if path is None or not self._holds_start_of(Path(path), save):
            path = self._continued_by(save) if path is None else None
        if path is None:
            path = self.new_autosave_path(scenario.level.id, player, scenario.level.setting)
        write_save(Path(path), save)
        return Path(path)

    def new_autosave_path(self, level_id: str, player: str = "", setting: str = "standard") -> Path:
        """A file no save has yet, for a new game: STEM.toml, else STEM-2.toml, STEM-3.toml..."""
        stem = autosave_stem(level_id, player_name(player), setting)
        for n in range(1, MAX_NEW_GAME_NAMES + 1):
            path = self.folder / (f"{stem}.toml" if n == 1 else f"{stem}-{n}.toml")
            if not path.exists():
                return path
        # Thousands of games of one level: a random name rather than a loop without end.
        return self.folder / f"{stem}-{secrets.token_hex(4)}.toml"

    def _holds_start_of(self, path: Path, save: SaveFile) -> bool:
        """Whether `path` is free or holds the start of `save`'s game: writing loses nothing."""
        if not path.exists():
            return True
        try:
            held = read_save(path)
        except ContentError:
            return False  # a damaged or edited file is left as it is, for its owner to see
        if held.integrity.checksum != save_checksum(held):
            return False
        return _same_game(held, save) and list(save.turns[: held.turn]) == list(held.turns)

    def _continued_by(self, save: SaveFile) -> Path | None:
        """The autosave `save` plays on from (the longest, then the newest); None if none."""
        best: tuple[int, float, Path] | None = None
        try:
            paths = [p for p in self.folder.glob(f"{AUTOSAVE_PREFIX}*.toml") if p.is_file()]
        except OSError:
            return None
        for path in paths:
            if not self._holds_start_of(path, save):
                continue
            try:
                key = (read_save(path).turn, path.stat().st_mtime, path)
            except (ContentError, OSError):
                continue
            if best is None or key[:2] > best[:2]:
                best = key
        return best[2] if best is not None else None

    def path_for(self, name: str) -> Path:
        """Where a named save goes (to ask before overwriting); ContentError if unsafe."""
        path = self.folder / f"{safe_save_name(name)}.toml"
        # Defence in depth: whatever the name rules say, never leave the folder.
        if path.resolve().parent != self.folder.resolve():
            raise ContentError([f"save name {shown_name(name)}: would leave {self.folder}"])
        return path

    def save_named(
        self,
        name: str,
        scenario: Scenario,
        state: GameState,
        player: str = "",
        extras: Learning | Mapping[str, object] | None = None,
    ) -> Path:
        """Keep the game under a name the player typed; overwrites a save of that name."""
        path = self.path_for(name)
        write_save(path, save_from_state(scenario, state, player, extras))
        return path

    def list(self) -> list[SaveEntry]:
        """Every save in the folder, newest first; a bad one is listed with its problem."""
        try:
            paths = [p for p in self.folder.glob("*.toml") if p.is_file()]
        except OSError:
            return []
        scenarios: dict[str, Scenario] = {}
        entries = [self._entry(p, scenarios) for p in paths]
        return sorted(entries, key=lambda e: (-e.modified, e.name, str(e.path)))

    def unfinished(self) -> list[SaveEntry]:
        """Good saves of games not yet finished, newest first: what to offer to resume."""
        return [e for e in self.list() if e.problem is None and not e.finished]

    def load(
        self, path: Path | str, scenario: Scenario | None = None
    ) -> tuple[Scenario, GameState, SaveFile]:
        """A save's level, its replayed game and the save; ContentError if it cannot be."""
        return load_save(Path(path), scenario)

    def delete(self, path: Path | str) -> None:
        """Remove one save of this folder (never anything outside it)."""
        path = Path(path)
        if path.suffix != ".toml" or path.resolve().parent != self.folder.resolve():
            raise ContentError([f"{path}: not a save of {self.folder}"])
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise ContentError([f"{path}: cannot delete: {exc.strerror or exc}"]) from None

    def _entry(self, path: Path, scenarios: dict[str, Scenario]) -> SaveEntry:
        autosave = path.stem.lower().startswith(AUTOSAVE_PREFIX)
        name = AUTOSAVE_PREFIX if autosave else path.stem
        try:
            modified = path.stat().st_mtime
        except OSError:
            modified = 0.0
        base = {"path": path, "name": name, "autosave": autosave, "modified": modified}
        try:
            save = read_save(path)
        except ContentError as exc:
            return SaveEntry(
                **base, level="", player="", turn=0, finished=False, problem=_lines(exc)
            )
        except Exception as exc:  # a listing must never take the game down
            return SaveEntry(
                **base,
                level="",
                player="",
                turn=0,
                finished=False,
                problem=f"{path}: cannot be read: {exc}",
            )
        info = {
            "level": save.level,
            "player": save.player,
            "turn": save.turn,
            "seed": save.seed,
            "setting": save.setting,
        }
        key = f"{save.level} {save.setting}"
        scenario = scenarios.get(key)
        if scenario is None:
            try:
                scenario = scenarios[key] = scenario_for(path, save)
            except ContentError as exc:
                return SaveEntry(**base, **info, finished=False, problem=_lines(exc))
        finished = save.turn >= scenario.level.turns
        done = (
            save_checksum(save),
            save.integrity.checksum,
            level_hash(scenario.level),
            prices_hash(scenario.catalog),
        )
        if done not in self._replayed:
            try:
                state = replay_save(path, save, scenario)
            except ContentError as exc:
                return SaveEntry(**base, **info, finished=finished, problem=_lines(exc))
            except Exception as exc:  # a listing must never take the game down
                return SaveEntry(
                    **base, **info, finished=finished, problem=f"{path}: cannot be replayed: {exc}"
                )
            self._replayed[done] = (state.score, state.stars)
        score, stars = self._replayed[done]
        return SaveEntry(**base, **info, finished=finished, problem=None, score=score, stars=stars)


def _same_game(a: SaveFile, b: SaveFile) -> bool:
    """Two saves of one game (perhaps at different turns): same world, same player."""
    return (
        a.level == b.level
        and a.setting == b.setting
        and a.seed == b.seed
        and a.player == b.player
        and a.prices_hash == b.prices_hash
        # A hosted team's game gains the events injected while it was away (and so a new
        # level hash); otherwise a changed level is another game.
        and a.injected == b.injected[: len(a.injected)]
        and (a.level_hash == b.level_hash or a.injected != b.injected)
    )


def _lines(exc: ContentError) -> str:
    return "\n".join(exc.problems) or str(exc)
