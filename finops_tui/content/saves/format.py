"""The save format: its models, limits, hashes and checksum (format 2, see the package)."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from finops_tui import __version__
from finops_tui.content.errors import ContentError, describe_validation
from finops_tui.engine.catalog import Catalog
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.level import Event, Level, Setting
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState

SAVE_FORMAT = 2
MAX_PLAYER = 64
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
MAX_QUIZ_ATTEMPT = 10_000
MAX_RUBRIC_ITEMS = 10
LEARNING_FIELDS = ("quiz", "quiz_attempt", "justification", "rubric", "reflections")

# Level fields that are prose for people: changing them never changes a result, so a
# typo fixed in a briefing must not make every save of the level unloadable.
LEVEL_PROSE = frozenset(
    # seats: who owns which decision in a seated team; the engine never reads it.
    {"title", "summary", "briefing", "objectives", "debrief", "lessons", "quiz", "plans", "seats"}
)
CATALOG_PROSE = frozenset({"source", "as_of", "label"})


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
    """One answer of the end-of-level quiz.

    `question` is the question's index in the level's quiz, `key` its fingerprint
    (content.quiz.question_key): an answer whose key no longer matches the level's
    question is set aside, never read as an answer to another question. Saves written
    before keys existed have none, and their answers are set aside the same way.
    `choice` is the index of the choice as the level lists it, whatever order the
    learner saw; a question whose time ran out has no choice and `timed_out = true`.
    New keys are left out of the file (and the checksum) when unset, so older saves
    read and verify exactly as before.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    question: int = Field(ge=0, le=99)
    key: Annotated[str, Field(pattern=r"^[0-9a-f]{12}$")] | None = None
    choice: int | None = Field(None, ge=0, le=9)
    correct: bool
    timed_out: bool | None = None

    @model_validator(mode="after")
    def _choice_or_time(self) -> QuizRecord:
        if self.timed_out:
            if self.choice is not None or self.correct:
                raise ValueError("an answer whose time ran out has no choice and is not correct")
        elif self.choice is None:
            raise ValueError("choice: required key is missing")
        return self


RubricKey = Annotated[str, Field(pattern=r"^[a-z][a-z-]{0,31}$")]


class Learning(BaseModel):
    """What the player wrote after the debrief: the quiz, a justification, reflections.

    Kept with the game and checked by its checksum, but never part of its claimed
    result: answering them changes no score.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    quiz: list[QuizRecord] = Field(default_factory=list, max_length=MAX_QUIZ_ANSWERS)
    # Retakes so far: with the seed and player, it draws the order the choices are shown in.
    quiz_attempt: int = Field(0, ge=0, le=MAX_QUIZ_ATTEMPT)
    justification: Justification = ""
    # The rubric's checklist for the justification as it was saved: item -> present.
    rubric: dict[RubricKey, bool] = Field(default_factory=dict, max_length=MAX_RUBRIC_ITEMS)
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
    # Retakes so far: with the seed and player, it draws the order the choices are shown in.
    quiz_attempt: int = Field(0, ge=0, le=MAX_QUIZ_ATTEMPT)
    justification: Justification = ""
    # The rubric's checklist for the justification as it was saved: item -> present.
    rubric: dict[RubricKey, bool] = Field(default_factory=dict, max_length=MAX_RUBRIC_ITEMS)
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
            quiz=self.quiz,
            quiz_attempt=self.quiz_attempt,
            justification=self.justification,
            rubric=self.rubric,
            reflections=self.reflections,
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


# Rules the engine gained after saves of a level could be written, for the levels whose
# games they can change: a save from before is refused by its level hash, never replayed
# to a different result. (Since issue 14: a schedule can stop a self-hosted fleet.)
SERVING_STOP_RULE = "a shutdown schedule that misses an exemption stops a self-hosted fleet"


def level_hash(level: Level) -> str:
    """A hash of what the engine reads from the level, not its prose or file layout, and
    of the engine rules that can change its games."""
    data = level.model_dump(mode="json", exclude=set(LEVEL_PROSE))
    if level.inference is not None and "self-host" in level.inference.modes:
        data["rules"] = [SERVING_STOP_RULE]
    return _digest(data)


def prices_hash(catalog: Catalog) -> str:
    """A hash of the prices and figures a game is played at (the level's overrides applied)."""
    return _digest(_without(catalog.model_dump(mode="json"), CATALOG_PROSE))


def unanswered_left_out(data: dict) -> dict:
    # A save nobody wrote in reads, and hashes, exactly as saves did before these fields;
    # so does a quiz answer without the keys added since (key, timed_out).
    out = {k: v for k, v in data.items() if k not in LEARNING_FIELDS or v}
    if out.get("quiz"):
        out["quiz"] = [
            {k: v for k, v in record.items() if v is not None}
            if isinstance(record, dict)
            else record
            for record in out["quiz"]
        ]
    return out


def save_checksum(save: SaveFile) -> str:
    """A hash of everything in a save but the checksum itself."""
    return _digest(unanswered_left_out(save.model_dump(mode="python", exclude={"integrity"})))


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
        raise ContentError([f"player name {shown_name(name)}: {exc}"]) from None


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
        claimed=claim_of(state),
        turns=list(state.decisions),
        quiz=list(learning.quiz),
        quiz_attempt=learning.quiz_attempt,
        justification=learning.justification,
        rubric=dict(learning.rubric),
        reflections=dict(learning.reflections),
    )
    return SaveFile.model_validate(
        draft.model_dump(mode="python") | {"integrity": {"checksum": save_checksum(draft)}}
    )


def claim_of(state: GameState) -> Claimed:
    return Claimed(
        score=state.score,
        stars=state.stars,
        spend_usd=state.spend_usd,
        kpis=dict(state.game_kpis),
    )


def shown_name(name: str) -> str:
    return repr(name if len(name) <= 40 else name[:40] + "...")
