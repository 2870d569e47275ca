"""The class directory: what a hosted class shares between processes, as files.

The host, the facilitator's console, the projector and every team's game run as
separate processes; they meet here. Every file is written atomically, so a reader
never sees half a write and a killed host loses nothing.

    CLASS_DIR/
      class.toml            the class: level, seed, setting (written on first start)
      host_key              the SSH host key, created on first start and kept (0600)
      control.json          the facilitator's decisions: phase, open turn, countdown...
      teams/TEAM/           each team's saves (its autosave is its game)
      status/TEAM.json      each team's progress, for the scoreboard
      seats/TEAM/LEVEL/     a seated team's members, its writer, its turns (content.seating)
      polls/POLL/TEAM.json  each team's answer to a poll
      logs/errors.log       what went wrong in a hosted program (bounded; never shown remotely)
      strategies/TEAM.toml  each team's strategy, submitted from the studio (a plan file)
      tournament.json       the facilitator's last tournament of those strategies
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finops_tui.content.csv_safety import safe_dict
from finops_tui.content.errors import ContentError, describe_validation
from finops_tui.content.files import atomic_write_text, read_toml
from finops_tui.content.quiz import (
    COURSE_CONCEPTS,
    MAX_QUIZ_SECONDS,
    QuizTiming,
    concept_results,
    highest_tier_reached,
    matched_answers,
)
from finops_tui.content.saves import SaveFile, SaveStore
from finops_tui.engine.level import Event, Level
from finops_tui.engine.state import GameState

TEAM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
RESERVED_USERS = frozenset({"facilitator", "projector", "root", "admin"})
Phase = Literal["lobby", "playing", "paused", "ended"]
# A team's game rewrites its status this often while it runs; a status older than
# AWAY_AFTER_SECONDS is a game that was killed or froze, whatever `connected` says.
HEARTBEAT_SECONDS = 10.0
AWAY_AFTER_SECONDS = 30.0
ERROR_LOG_BYTES = 256 * 1024  # the log and its one older copy: at most twice this on disk
MAX_STRATEGY_BYTES = 64 * 1024  # a plan file: a 120-turn plan with reasons is about 40 KB


def _write_atomic(path: Path, text: str) -> None:
    """Write whole or not at all; a full or read-only disk is a ContentError, never OSError."""
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise ContentError([f"{path}: cannot save: {exc.strerror or exc}"]) from None


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClassSettings(Model):
    level: str
    seed: int = Field(ge=0, le=2**32 - 1)
    setting: Literal["standard", "advanced"] = "standard"


class Broadcast(Model):
    """A message from the facilitator; `text` is shown as typed, never as markup."""

    id: int
    text: str
    at: float


class Poll(Model):
    id: int = Field(ge=1)
    question: str
    kind: Literal["choice", "scale"] = "choice"
    choices: list[str] = Field(default_factory=list)

    @property
    def options(self) -> list[str]:
        return self.choices if self.kind == "choice" else ["1", "2", "3", "4", "5"]


class Injection(Model):
    id: int
    event: Event


class LiveActivity(Model):
    """The run sheet's current activity, started on every team's screen by the facilitator.

    `spec` is the course file's activity (gameplay/course.py reads it); `extra_seconds` is
    extra time per team (`blue`) or per learner (`blue+finance`).
    """

    id: int = Field(ge=1)
    phase: str
    kind: str
    title: str
    started: float
    ends: float | None = None
    extra_seconds: dict[str, float] = Field(default_factory=dict)
    spec: dict[str, Any] = Field(default_factory=dict)

    def ends_for(self, team: str, learner: str = "") -> float | None:
        """When the activity ends for this team (and this learner of it, if named)."""
        if self.ends is None:
            return None
        extra = self.extra_seconds.get(team, 0.0)
        if learner:
            extra += self.extra_seconds.get(f"{team}+{learner}", 0.0)
        return self.ends + extra


class Control(Model):
    """What the facilitator decided. Games read it; only the facilitator's console writes it
    (the host lets one facilitator in at a time), so there is a single writer."""

    version: int = 0
    phase: Phase = "lobby"
    open_turn: int = Field(0, description="Teams may resolve turns up to this one.")
    closed_turn: int = Field(0, description="Turns up to this one are resolved for everyone.")
    deadline: float | None = Field(None, description="When the open turn closes (epoch s).")
    extra_seconds: dict[str, float] = Field(default_factory=dict)
    broadcasts: list[Broadcast] = Field(default_factory=list)
    poll: Poll | None = None
    injected: list[Injection] = Field(default_factory=list)
    last_id: int = Field(0, ge=0, description="The last id given to a poll, broadcast or event.")
    activity: LiveActivity | None = None
    # The end-of-level quiz: no time limit unless the facilitator sets one, plus extra
    # time for some teams (an accommodation). The teams' games read it as each quiz opens.
    quiz_seconds: float | None = Field(None, gt=0, le=MAX_QUIZ_SECONDS)
    quiz_extra_seconds: dict[str, Annotated[float, Field(ge=0, le=MAX_QUIZ_SECONDS)]] = Field(
        default_factory=dict
    )

    def highest_id(self) -> int:
        """The highest id this control has ever used (also for files written before last_id)."""
        ids = [self.last_id, *(b.id for b in self.broadcasts), *(i.id for i in self.injected)]
        if self.poll is not None:
            ids.append(self.poll.id)
        if self.activity is not None:
            ids.append(self.activity.id)
        return max(ids)

    def quiz_timing(self, team: str) -> QuizTiming:
        """The time `team` has for each quiz question (no limit unless one is set)."""
        return QuizTiming(self.quiz_seconds, self.quiz_extra_seconds.get(team, 0.0))

    def deadline_for(self, team: str) -> float | None:
        if self.deadline is None:
            return None
        return self.deadline + self.extra_seconds.get(team, 0.0)

    def must_resolve(self, team: str, turn: int, now: float) -> bool:
        """Has `turn` closed for this team (so its last decisions are kept)?"""
        if turn <= self.closed_turn:
            return True
        deadline = self.deadline_for(team)
        return turn <= self.open_turn and deadline is not None and now >= deadline

    def may_play(self, turn: int) -> bool:
        return self.phase == "playing" and turn <= self.open_turn


class TeamStatus(Model):
    team: str
    turn: int
    turns: int
    spend_usd: float
    budget_usd: float
    score: float
    stars: int
    finished: bool
    updated: float
    connected: bool = True
    seats: list[str] = Field(default_factory=list, description="The team's members present.")

    def away(self, now: float) -> bool:
        """Gone, or silent for longer than a running game ever is (killed, frozen)."""
        return not self.connected or now - self.updated > AWAY_AFTER_SECONDS

    @classmethod
    def of_game(
        cls, team: str, state: GameState, connected: bool = True, seats: list[str] | None = None
    ) -> TeamStatus:
        """Where `team`'s game stands now, for the scoreboard."""
        played = bool(state.history)
        return cls(
            team=team,
            turn=state.turn,
            turns=state.turns,
            spend_usd=round(state.spend_usd, 2),
            budget_usd=round(sum(r.budget_usd for r in state.history), 2),
            score=state.score if played else 0.0,
            stars=state.stars if played else 0,
            finished=state.finished,
            updated=time.time(),
            connected=connected,
            seats=seats or [],
        )


def turn_gate(control: Control, turn: int) -> str | None:
    """Why the team cannot end `turn` now, in words; None if it can."""
    if control.phase == "lobby":
        return "the facilitator has not started the game yet; read the briefing meanwhile"
    if control.phase == "paused":
        return "the facilitator has paused the game"
    if control.phase == "ended":
        return "the game is over"
    if turn > control.open_turn:
        return f"turn {turn} is not open yet; the facilitator opens it"
    return None


def check_team_name(name: str) -> str | None:
    """Why `name` cannot be a team (an SSH user name), or None if it can."""
    if not isinstance(name, str):
        return f"a team name is text, got {name!r}"
    if name in RESERVED_USERS:
        return f"{name!r} is reserved"
    if not TEAM_NAME.fullmatch(name):
        return (
            "team names are 1-32 lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return None


def parse_control(raw: bytes) -> Control:
    """control.json's bytes as a Control; damaged or empty bytes read as a fresh lobby."""
    try:
        return Control.model_validate_json(raw)
    except ValueError:
        return Control()


def valid_team(name: str) -> str:
    """`name`, if it can be a team; else ContentError (so no path ever leaves the class folder)."""
    problem = check_team_name(name)
    if problem:
        raise ContentError([f"{name!r} cannot be a team name: {problem}"])
    return name


class ClassDir:
    """One class's shared folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # --- layout
    @property
    def settings_path(self) -> Path:
        return self.root / "class.toml"

    @property
    def host_key_path(self) -> Path:
        return self.root / "host_key"

    @property
    def control_path(self) -> Path:
        return self.root / "control.json"

    @property
    def error_log_path(self) -> Path:
        return self.root / "logs" / "errors.log"

    def team_dir(self, team: str) -> Path:
        return self.root / "teams" / valid_team(team)

    def status_path(self, team: str) -> Path:
        return self.root / "status" / f"{valid_team(team)}.json"

    def poll_answer_path(self, poll: int, team: str) -> Path:
        return self.poll_dir(poll) / f"{valid_team(team)}.json"

    def poll_dir(self, poll: int) -> Path:
        if isinstance(poll, bool) or not isinstance(poll, int) or poll < 1:
            raise ContentError(
                [f"{self.root}: poll id must be a whole number from 1, got {poll!r}"]
            )
        return self.root / "polls" / str(poll)

    # --- the class
    def create(self, settings: ClassSettings) -> ClassSettings:
        """Write the class settings on first start; later starts must agree with them."""
        existing = self.settings()
        if existing is not None:
            if existing.level != settings.level or existing.seed != settings.seed:
                raise ContentError(
                    [
                        f"{self.settings_path}: this class plays {existing.level!r} seed "
                        f"{existing.seed}; start a new class in another --class-dir"
                    ]
                )
            return existing
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.settings_path, tomli_w.dumps(settings.model_dump()))
        return settings

    def settings(self) -> ClassSettings | None:
        if not self.settings_path.exists():
            return None
        try:
            return ClassSettings.model_validate(read_toml(self.settings_path))
        except ValidationError as exc:
            raise ContentError(describe_validation(self.settings_path, exc)) from None

    # --- control
    def control(self) -> Control:
        """The facilitator's state; a missing or unreadable file reads as a fresh lobby."""
        try:
            return parse_control(self.control_path.read_bytes())
        except OSError:
            return Control()

    def write_control(self, control: Control) -> Control:
        """Write the next version; raises ContentError (and changes nothing) if it cannot."""
        control = control.model_copy(update={"version": control.version + 1})
        _write_atomic(self.control_path, control.model_dump_json(indent=2))
        return control

    def next_id(self, control: Control) -> int:
        """A poll, broadcast or event id never used in this class, even before a restart.

        The control file keeps the counter; the poll folders back it up, so a control
        file lost or damaged never lets an old poll's answers count in a new one.
        """
        folder = self.root / "polls"
        used = (
            [int(p.name) for p in folder.iterdir() if p.name.isdigit()] if folder.is_dir() else []
        )
        return max([control.highest_id(), *used]) + 1

    # --- teams
    def write_status(self, status: TeamStatus) -> None:
        _write_atomic(self.status_path(status.team), status.model_dump_json())

    def statuses(self) -> list[TeamStatus]:
        out = []
        folder = self.root / "status"
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                out.append(TeamStatus.model_validate_json(path.read_bytes()))
            except (OSError, ValueError):
                continue  # a damaged status never hides the others
        return out

    def teams(self) -> list[str]:
        """Every team folder whose name could be a team (anything else was not made by us)."""
        folder = self.root / "teams"
        if not folder.is_dir():
            return []
        return sorted(
            p.name for p in folder.iterdir() if p.is_dir() and not check_team_name(p.name)
        )

    def write_poll_answer(self, poll: int, team: str, answer: str) -> None:
        _write_atomic(
            self.poll_answer_path(poll, team),
            json.dumps({"team": team, "answer": answer, "at": time.time()}),
        )

    def poll_answers(self, poll: int) -> dict[str, str]:
        folder = self.poll_dir(poll)
        answers = {}
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                team = str(data["team"])
                if team == path.stem and not check_team_name(team):
                    answers[team] = str(data["answer"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return answers

    # --- strategies (the Elaborate phase)
    def strategy_path(self, team: str) -> Path:
        return self.root / "strategies" / f"{valid_team(team)}.toml"

    @property
    def tournament_path(self) -> Path:
        return self.root / "tournament.json"

    def submit_strategy(self, team: str, text: str) -> Path:
        """Keep a team's strategy (plan TOML), replacing its last; bounded, whole or not at all."""
        path = self.strategy_path(team)
        size = len(text.encode("utf-8"))
        if size > MAX_STRATEGY_BYTES:
            raise ContentError(
                [f"{path}: at most {MAX_STRATEGY_BYTES // 1024} KB a strategy, got {size:,} bytes"]
            )
        _write_atomic(path, text)
        return path

    def strategies(self) -> dict[str, Path]:
        """Every submitted strategy by team (files not named for a team are not ours)."""
        folder = self.root / "strategies"
        if not folder.is_dir():
            return {}
        return {
            p.stem: p
            for p in sorted(folder.glob("*.toml"))
            if p.is_file() and not check_team_name(p.stem)
        }

    def write_tournament(self, result: dict) -> None:
        _write_atomic(self.tournament_path, json.dumps(result, indent=2))

    def tournament(self) -> dict | None:
        """The last tournament's result; None when there is none or it cannot be read."""
        try:
            data = json.loads(self.tournament_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("rows"), list) else None

    # --- failures
    def log_error(self, program: str, text: str) -> None:
        """Append what went wrong to the class's error log, kept under a bounded size.

        The log is for the facilitator on the host; remote users only ever read a sentence.
        A log that cannot be written (a full disk) is given up silently: it must not fail twice.
        """
        path = self.error_log_path
        entry = f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {program} (pid {os.getpid()})\n"
        entry += text[-ERROR_LOG_BYTES // 4 :].rstrip("\n") + "\n"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size + len(entry) > ERROR_LOG_BYTES:
                os.replace(path, path.with_suffix(".log.1"))
            with path.open("a", encoding="utf-8") as handle:
                handle.write(entry)
        except OSError:
            pass


RESULT_KPIS = (
    "roi",
    "net_value_usd",
    "waste_share",
    "allocation_coverage",
    "forecast_accuracy",
    "budget_adherence",
    "unit_cost_per_1k_requests",
    "sla_attainment",
    "model_quality",
    "on_time",
    "co2e_kg",
    "commitment_utilization",
    "safety",
)


def results_rows(class_dir: ClassDir) -> list[dict[str, object]]:
    """One row per team: its game replayed from its save, and its written answers."""
    rows = []
    for team in class_dir.teams():
        store = SaveStore(class_dir.team_dir(team))
        good = [e for e in store.list() if e.problem is None]
        row: dict[str, object] = {"team": team}
        save = None
        scenario = None
        if good:
            latest = max(good, key=lambda e: (e.turn, e.autosave))
            scenario, state, save = store.load(latest.path)
            row.update(
                level=save.level,
                seed=save.seed,
                turn=state.turn,
                finished=state.finished,
                score=state.score,
                stars=state.stars,
                spend_usd=round(state.spend_usd, 2),
            )
            row.update({k: state.game_kpis.get(k) for k in RESULT_KPIS})
        else:
            row["problem"] = "; ".join(e.problem or "" for e in store.list()) or "no save yet"
        # What the team wrote after its debrief is kept in its save.
        quiz = [q.model_dump(exclude_none=True) for q in save.quiz] if save is not None else []
        row.update(quiz_columns(scenario.level if scenario else None, save))
        row["quiz_answers"] = json.dumps(quiz)
        row["justification"] = save.justification if save is not None else ""
        row.update(rubric_columns(save))
        row["reflections"] = json.dumps(dict(save.reflections) if save is not None else {})
        from finops_tui.content.seating import seat_credits  # seating reads this module

        # A seated team: who signed each turn, who changed what.
        row.update(seat_credits(class_dir, team, str(row.get("level") or "")))
        rows.append(row)
    return rows


QUIZ_TIERS_SHOWN = {0: "", 1: "basic", 2: "intermediate", 3: "advanced"}
QUIZ_CONCEPT_COLUMNS = tuple(f"quiz_{c}" for c in COURSE_CONCEPTS)
RUBRIC_COLUMNS = ("rubric_figures", "rubric_practice", "rubric_value", "rubric_ask")


def quiz_columns(level: Level | None, save: SaveFile | None) -> dict[str, object]:
    """The quiz per learner: the share right, the hardest tier reached, and per course
    concept "right of asked" (answers to questions the level has changed are set aside)."""
    answers = matched_answers(level.quiz, save.quiz) if level is not None and save else []
    columns: dict[str, object] = dict.fromkeys(QUIZ_CONCEPT_COLUMNS, "")
    columns["quiz_score"] = (
        round(sum(a.correct for a in answers) / len(answers), 3) if answers else None
    )
    columns["quiz_tier"] = QUIZ_TIERS_SHOWN[highest_tier_reached(level, answers)] if answers else ""
    columns["quiz_set_aside"] = len(save.quiz) - len(answers) if save is not None else 0
    for concept, (right, asked) in concept_results(level.quiz, answers).items() if answers else ():
        columns[f"quiz_{concept}"] = f"{right} of {asked}"
    return columns


def quiz_concept_totals(rows: list[dict[str, object]]) -> dict[str, tuple[int, int]]:
    """The class's quiz per course concept, (right, asked) over every learner's row:
    what a class report shows beside each learner's own columns."""
    totals = {c: [0, 0] for c in COURSE_CONCEPTS}
    for row in rows:
        for concept in COURSE_CONCEPTS:
            cell = str(row.get(f"quiz_{concept}") or "")
            right, _, asked = cell.partition(" of ")
            if right.isdigit() and asked.isdigit():
                totals[concept][0] += int(right)
                totals[concept][1] += int(asked)
    return {c: (r, a) for c, (r, a) in totals.items() if a}


def rubric_columns(save: SaveFile | None) -> dict[str, str]:
    """The justification's checklist as saved with it: yes or no per item ("" if none)."""
    rubric = save.rubric if save is not None else {}
    return {
        column: ("" if not rubric else "yes" if rubric.get(column.split("_", 1)[1]) else "no")
        for column in RUBRIC_COLUMNS
    }


def export_results(class_dir: ClassDir, path: Path) -> int:
    """Write the class's results as CSV (atomically); returns the number of teams."""
    import csv
    import io

    rows = results_rows(class_dir)
    columns = ["team", "level", "seed", "turn", "finished", "score", "stars", "spend_usd"]
    columns += [*RESULT_KPIS, "quiz_score", "quiz_tier", *QUIZ_CONCEPT_COLUMNS, "quiz_set_aside"]
    columns += ["quiz_answers", "justification", *RUBRIC_COLUMNS, "reflections"]
    columns += ["problem"]
    columns[-1:-1] = ["seats_signed", "seats_changed"]  # a seated team's credits, before it
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(safe_dict({k: "" if row.get(k) is None else row.get(k) for k in columns}))
    _write_atomic(Path(path), buffer.getvalue())
    return len(rows)
