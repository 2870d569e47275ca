"""Saves and replays: the decisions so far, written atomically as TOML.

A save never stores state: the state is rebuilt by replaying its decisions through
the engine, so a save can never disagree with the engine. A save also records what
the game looked like when it was written (`claimed`): on load the engine's result is
compared with it, so a save never silently plays out differently from how it was
played. A finished save is a replay; `verify_replay` re-simulates one and checks it.

Format 2 (one TOML file):

    format = 2                      # this module reads exactly SAVE_FORMAT
    app_version = "0.1.0"           # finops-tui that wrote it (informational)
    level = "tutorial"              # a shipped level id
    setting = "standard"            # or "advanced": the level's tighter variant
    level_hash = "sha256:..."       # what the engine reads from the level (see level_hash)
    prices_hash = "sha256:..."      # the price catalog it was played at (see prices_hash)
    seed = 0
    player = "Team Red"
    [claimed]                       # the result after the last turn in `turns`
    score, stars, spend_usd, [claimed.kpis]
    [[turns]]                       # the full decisions of every resolved turn
    justification, [[quiz]], [reflections]   # optional: what the player wrote after the
                                    # debrief; checksummed, never part of the claim
    [integrity]                     # last, so a file cut short anywhere loses it
    checksum = "sha256:..."         # of everything else: detects hand edits and damage
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import secrets
import stat
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import tomli_w
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from finops_tui import __version__
from finops_tui.content.catalog import shipped_catalog
from finops_tui.content.errors import ContentError, describe_validation
from finops_tui.content.files import read_toml
from finops_tui.content.levels import level_paths, levels_dir, load_level
from finops_tui.engine.catalog import Catalog
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import InvalidDecisions, new_game, resolve_turn
from finops_tui.engine.level import Event, Level, Setting
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState

SAVE_FORMAT = 2
SAVES_ENV = "FINOPS_TUI_SAVES"
AUTOSAVE_PREFIX = "autosave"
MAX_NAME = 64
MAX_PLAYER = 64
# Games of one level and player, each in a file of its own (SaveStore.new_autosave_path).
MAX_NEW_GAME_NAMES = 9999
# Real saves are a few kB per turn; anything far bigger is not a save and is not parsed.
MAX_SAVE_BYTES = 1_000_000
# KPIs may differ in the last bits between CPUs (numpy's SIMD exp/log); 1e-9 is far below
# anything a score, a star or a displayed figure can show, and far above such noise.
KPI_REL_TOL = 1e-9
KPI_ABS_TOL = 1e-9
# What a player writes after the debrief is kept with the game; bounded so a save stays small.
MAX_QUIZ_ANSWERS = 20
MAX_JUSTIFICATION = 4000
MAX_REFLECTIONS = 10
MAX_REFLECTION_PROMPT = 200
MAX_REFLECTION = 2000
LEARNING_FIELDS = ("quiz", "justification", "reflections")

# Level fields that are prose for people: changing them never changes a result, so a
# typo fixed in a briefing must not make every save of the level unloadable.
LEVEL_PROSE = frozenset(
    {"title", "summary", "briefing", "objectives", "debrief", "lessons", "quiz", "plans"}
)
CATALOG_PROSE = frozenset({"source", "as_of", "label"})
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)


# --- the format ---------------------------------------------------------------------


def _check_player(value: str) -> str:
    if len(value) > MAX_PLAYER:
        raise ValueError(f"at most {MAX_PLAYER} characters, got {len(value)}")
    bad = next((c for c in value if unicodedata.category(c).startswith("C")), None)
    if bad is not None:
        raise ValueError(f"control character {bad!r} is not allowed")
    return value


def _written(limit: int) -> AfterValidator:
    """Text a player typed: at most `limit` characters; no control characters but newlines
    and tabs (format characters stay: emoji and right-to-left text need them)."""

    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"at most {limit:,} characters, got {len(value):,}")
        bad = next(
            (c for c in value if unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t"),
            None,
        )
        if bad is not None:
            raise ValueError(f"control character {bad!r} is not allowed")
        return value

    return AfterValidator(check)


Justification = Annotated[str, _written(MAX_JUSTIFICATION)]
ReflectionPrompt = Annotated[str, _written(MAX_REFLECTION_PROMPT)]
ReflectionAnswer = Annotated[str, _written(MAX_REFLECTION)]


class QuizRecord(BaseModel):
    """One answer of the end-of-level quiz: which question (index in the level's quiz)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    question: int = Field(ge=0, le=99)
    choice: int = Field(ge=0, le=9)
    correct: bool


class Learning(BaseModel):
    """What the player wrote after the debrief: the quiz, a justification, reflections.

    Kept with the game and checked by its checksum, but never part of its claimed
    result: answering them changes no score.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    quiz: list[QuizRecord] = Field(default_factory=list, max_length=MAX_QUIZ_ANSWERS)
    justification: Justification = ""
    reflections: dict[ReflectionPrompt, ReflectionAnswer] = Field(
        default_factory=dict, max_length=MAX_REFLECTIONS
    )


class Claimed(BaseModel):
    """The result the game had when it was saved; loading and `verify` recompute it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    score: float
    stars: int
    spend_usd: float
    kpis: dict[str, float]


class Integrity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    checksum: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]


class SaveFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    format: int
    app_version: str = ""
    level: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    setting: Setting
    # Events a facilitator injected into a hosted class: part of the game's inputs.
    injected: list[Event] = Field(default_factory=list, max_length=200)
    level_hash: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
    prices_hash: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
    seed: int = Field(ge=0, le=2**32 - 1)
    player: str = ""
    claimed: Claimed
    turns: list[Decisions] = Field(default_factory=list, max_length=1000)
    # What the player wrote after the debrief (see Learning); left out of the file when empty.
    quiz: list[QuizRecord] = Field(default_factory=list, max_length=MAX_QUIZ_ANSWERS)
    justification: Justification = ""
    reflections: dict[ReflectionPrompt, ReflectionAnswer] = Field(
        default_factory=dict, max_length=MAX_REFLECTIONS
    )
    # Written last: a truncated file always loses it, even a cut that keeps valid TOML.
    integrity: Integrity

    @field_validator("player")
    @classmethod
    def _player(cls, value: str) -> str:
        return _check_player(value)

    @property
    def turn(self) -> int:
        """Turns resolved in this save."""
        return len(self.turns)

    @property
    def learning(self) -> Learning:
        """The quiz answers, justification and reflections kept in this save."""
        return Learning(
            quiz=self.quiz, justification=self.justification, reflections=self.reflections
        )


def _digest(data: object) -> str:
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


def _without(data: object, keys: frozenset[str]) -> object:
    if isinstance(data, dict):
        return {k: _without(v, keys) for k, v in data.items() if k not in keys}
    if isinstance(data, list):
        return [_without(v, keys) for v in data]
    return data


def level_hash(level: Level) -> str:
    """A hash of what the engine reads from the level, not its prose or file layout."""
    return _digest(level.model_dump(mode="json", exclude=set(LEVEL_PROSE)))


def prices_hash(catalog: Catalog) -> str:
    """A hash of the prices and figures a game is played at (the level's overrides applied)."""
    return _digest(_without(catalog.model_dump(mode="json"), CATALOG_PROSE))


def _unanswered_left_out(data: dict) -> dict:
    # A save nobody wrote in reads, and hashes, exactly as saves did before these fields.
    return {k: v for k, v in data.items() if k not in LEARNING_FIELDS or v}


def save_checksum(save: SaveFile) -> str:
    """A hash of everything in a save but the checksum itself."""
    return _digest(_unanswered_left_out(save.model_dump(mode="python", exclude={"integrity"})))


def learning_from(extras: Learning | Mapping[str, object] | None) -> Learning:
    """Quiz answers, justification and reflections, checked; ContentError if they cannot be kept."""
    if extras is None:
        return Learning()
    if isinstance(extras, Learning):
        return extras
    try:
        return Learning.model_validate(dict(extras))
    except ValidationError as exc:
        raise ContentError(describe_validation("save", exc)) from None


def player_name(name: str) -> str:
    """A typed player or team name, trimmed; ContentError if it cannot be kept in a save."""
    name = unicodedata.normalize("NFC", name.strip())
    try:
        return _check_player(name)
    except ValueError as exc:
        raise ContentError([f"player name {_shown(name)}: {exc}"]) from None


def save_from_state(
    scenario: Scenario,
    state: GameState,
    player: str = "",
    extras: Learning | Mapping[str, object] | None = None,
) -> SaveFile:
    """The save of a game: its decisions so far and the result they give.

    `extras` are what the player wrote after the debrief (a Learning, or a mapping with
    `quiz`, `justification`, `reflections`); ContentError if they are out of bounds.
    """
    learning = learning_from(extras)
    if state.level_id != scenario.level.id:
        raise ValueError(f"the game is of {state.level_id!r}, not {scenario.level.id!r}")
    draft = SaveFile.model_construct(
        format=SAVE_FORMAT,
        app_version=__version__,
        level=scenario.level.id,
        setting=scenario.level.setting,
        injected=list(scenario.level.injected),
        level_hash=level_hash(scenario.level),
        prices_hash=prices_hash(scenario.catalog),
        seed=state.seed,
        player=player_name(player),
        claimed=_claim(state),
        turns=list(state.decisions),
        quiz=list(learning.quiz),
        justification=learning.justification,
        reflections=dict(learning.reflections),
    )
    return SaveFile.model_validate(
        draft.model_dump(mode="python") | {"integrity": {"checksum": save_checksum(draft)}}
    )


def _claim(state: GameState) -> Claimed:
    return Claimed(
        score=state.score,
        stars=state.stars,
        spend_usd=state.spend_usd,
        kpis=dict(state.game_kpis),
    )


# --- writing ------------------------------------------------------------------------


def atomic_write_text(path: Path, text: str) -> None:
    """Write a temporary file in the same folder, fsync it, rename it over `path`.

    Killed at any moment, `path` holds either its old content or the new one, never a
    mix. A kill may leave a `.NAME.*.tmp` file behind; it never ends in `.toml`.
    """
    path = Path(path)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ContentError([f"{path}: cannot save: {exc.strerror or exc}"]) from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _new_file_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ContentError([f"{path}: cannot save: {exc.strerror or exc}"]) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)


def _new_file_mode(path: Path) -> int:
    """The mode `open` would give: mkstemp's 0600 would hide saves from a shared class folder."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def save_text(save: SaveFile) -> str:
    """A save as TOML text, ready for `atomic_write_text`."""
    return tomli_w.dumps(_unanswered_left_out(save.model_dump(mode="python", exclude_none=True)))


def write_save(path: Path, save: SaveFile) -> None:
    """Write a save atomically; ContentError (naming the file) if the disk refuses."""
    atomic_write_text(Path(path), save_text(save))


def _fsync_dir(folder: Path) -> None:
    # The rename is only durable once the folder's entry is on disk (not possible on Windows).
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


# --- reading and checking -----------------------------------------------------------


def read_save(path: Path) -> SaveFile:
    """Parse and validate a save file; every problem is a ContentError naming the file."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError:
        info = None  # read_toml reports missing and unreadable files in its own words
    if info is not None and not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        # A pipe or a device could be read forever.
        raise ContentError([f"{path}: not a regular file, expected a save"])
    size = info.st_size if info is not None else 0
    if size > MAX_SAVE_BYTES:
        raise ContentError([f"{path}: too large to be a save ({size:,} bytes)"])
    try:
        data = read_toml(path)
    except RecursionError:
        raise ContentError([f"{path}: toml: nested too deeply to be a save"]) from None
    _check_format(path, data)
    if "integrity" not in data:
        raise ContentError(
            [
                f"{path}: integrity: missing: the file is cut short (truncated), "
                "or was not written by finops-tui"
            ]
        )
    try:
        return SaveFile.model_validate(data)
    except ValidationError as exc:
        raise ContentError(describe_validation(path, exc)) from None


def _check_format(path: Path, data: dict) -> None:
    fmt = data.get("format")
    if fmt is None:
        raise ContentError(
            [f"{path}: format: required key is missing (is this a finops-tui save?)"]
        )
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        raise ContentError([f"{path}: format: expected a whole number, got {fmt!r}"])
    if fmt > SAVE_FORMAT:
        raise ContentError(
            [
                f"{path}: format: this save is format {fmt}, written by a newer finops-tui; "
                f"this version ({__version__}) reads format {SAVE_FORMAT}: update to load it"
            ]
        )
    if fmt != SAVE_FORMAT:
        raise ContentError(
            [
                f"{path}: format: this save is format {fmt}, written by an older finops-tui; "
                f"this version ({__version__}) reads format {SAVE_FORMAT} only"
            ]
        )


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
    difference = claim_difference(save.claimed, _claim(state))
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


# --- names and the saves folder -----------------------------------------------------


def saves_dir(override: str | Path | None = None) -> Path:
    """Where saves go: `--saves-dir`, else $FINOPS_TUI_SAVES, else ./saves."""
    if override is not None and str(override).strip():
        return Path(override).expanduser()
    env = os.environ.get(SAVES_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.cwd() / "saves"


def _shown(name: str) -> str:
    return repr(name if len(name) <= 40 else name[:40] + "...")


def _name_problem(name: str, noun: str = "a save name") -> str | None:
    if not name:
        return "a save needs a name"
    if len(name) > MAX_NAME:
        return f"at most {MAX_NAME} characters, got {len(name)}"
    if "/" in name or "\\" in name:
        return f"{noun} cannot name a folder: '/' and '\\' are not allowed"
    if name.startswith("."):
        return f"{noun} cannot start with a dot"
    for c in name:
        if unicodedata.category(c)[0] in "LN" or c in " -_.":
            continue
        return f"{c!r} is not allowed; use letters, digits, spaces, dashes, underscores and dots"
    if name.endswith("."):
        return f"{noun} cannot end with a dot"
    if name.split(".")[0].strip().lower() in _WINDOWS_RESERVED:
        return f"{name!r} is a reserved device name on Windows"
    if noun == "a save name" and name.lower().startswith(AUTOSAVE_PREFIX):
        return f"names starting with {AUTOSAVE_PREFIX!r} are kept for autosaves"
    return None


def checked_player_name(name: str) -> str:
    """A player or team name typed on a command line, held to the rules of save names
    (a team's name also names its folder in a class); "" for none. ContentError if not.
    """
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise ContentError([f"player name {_shown(name)}: control characters are not allowed"])
    kept = player_name(name)
    problem = _name_problem(kept, "a player name") if kept else None
    if problem is not None:
        raise ContentError([f"player name {_shown(name)}: {problem}"])
    return kept


def safe_save_name(name: str) -> str:
    """A user-typed save name -> a safe file stem in the saves folder, or ContentError.

    Letters (any script), digits, spaces, dashes, underscores and dots; 1 to 64
    characters; never a path, a dot file, a Windows device name or an autosave's name.
    A trailing `.toml` is dropped.
    """
    if not isinstance(name, str):
        raise ContentError([f"save name {name!r}: expected text"])
    if any(unicodedata.category(c) == "Cc" for c in name):
        return _refuse(name, "control characters (such as NUL) are not allowed")
    stem = unicodedata.normalize("NFC", name.strip())
    if stem.lower().endswith(".toml"):
        stem = stem[: -len(".toml")].rstrip()
    problem = _name_problem(stem)
    if problem is not None:
        return _refuse(name, problem)
    return stem


def _refuse(name: str, problem: str) -> str:
    raise ContentError([f"save name {_shown(name)}: {problem}"])


def autosave_stem(level_id: str, player: str = "", setting: str = "standard") -> str:
    """The autosave of a (level, player): readable, and distinct for distinct names.

    The advanced setting is a variant of its own: starting it never overwrites an
    unfinished standard game.
    """
    stem = f"{AUTOSAVE_PREFIX}-{level_id}"
    if setting != "standard":
        stem += f"-{setting}"
    if not player:
        return stem
    slug = re.sub(r"[^a-z0-9]+", "-", player.lower()).strip("-")[:24] or "player"
    tag = hashlib.sha256(player.encode()).hexdigest()[:8]
    return f"{stem}-{slug}-{tag}"


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
            raise ContentError([f"save name {_shown(name)}: would leave {self.folder}"])
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
