"""A course file: the phases of a lesson, their minutes and their activities, validated.

    [course]                        id, title, check-ins every N minutes and their question
    [[phase]]                       name, minutes, goal
    [[phase.activity]]              kind = poll | watch | level | calculator | codex | quiz |
                                    studio | discussion | justification | reflection

Courses ship beside the levels (`levels/courses/*.toml`, inside the wheel as levels are)
and are checked like a level: every problem is one line naming the file and the key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

import finops_tui
from finops_tui.content.errors import ContentError, describe_validation
from finops_tui.content.files import read_toml
from finops_tui.content.levels import levels_dir, load_level, resolve_level_path
from finops_tui.gameplay.codex import ALIASES, codex
from finops_tui.gameplay.roles import ROLES

DEFAULT_COURSE = "finops-3h"
# A class is at most a working day: a course past it is a typo (minutes for seconds...).
MAX_COURSE_MINUTES = 480.0
MAX_PHASE_MINUTES = 240.0
MAX_PHASES = 12
MAX_ACTIVITIES = 12
TIMED_KINDS = frozenset({"level", "quiz", "studio", "justification", "calculator", "codex"})

Minutes = Annotated[float, Field(gt=0, le=MAX_PHASE_MINUTES)]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(min_length=1, max_length=2000)]
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _an_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError(
            "expected an id: lowercase letters, digits and '-' (a course names shipped "
            f"levels by id, never by path), got {value!r}"
        )
    return value


LevelId = Annotated[str, AfterValidator(_an_id)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActivityBase(Strict):
    kind: str
    title: ShortText | None = None
    minutes: Minutes

    @property
    def heading(self) -> str:
        return self.title or DEFAULT_TITLES[self.kind]


class PollActivity(ActivityBase):
    """A question for every team: choices, or a 1-5 scale when there are none."""

    kind: Literal["poll"] = "poll"
    question: ShortText
    choices: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=12
    )

    @model_validator(mode="after")
    def _two_choices_or_scale(self) -> PollActivity:
        if len(self.choices) == 1:
            raise ValueError("a poll has no choices (a 1-5 scale) or at least two")
        return self


class WatchActivity(ActivityBase):
    """A level's shipped plan played turn by turn on every team's screen."""

    kind: Literal["watch"] = "watch"
    level: LevelId
    plan: Annotated[str, Field(min_length=1, max_length=64)] = "naive"


class LevelActivity(ActivityBase):
    """Every team plays a level (its saved game of that level, or a new one)."""

    kind: Literal["level"] = "level"
    level: LevelId


class CalculatorActivity(ActivityBase):
    kind: Literal["calculator"] = "calculator"
    prompt: LongText | None = None


class RoleExamples(Strict):
    """The same concept in each role's terms."""

    it: LongText
    finance: LongText
    data_science: LongText = Field(alias="data-science")


class CodexActivity(ActivityBase):
    """Codex entries to read, with an example for each role."""

    kind: Literal["codex"] = "codex"
    topics: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=12
    )
    examples: RoleExamples


class QuizActivity(ActivityBase):
    """A level's quiz on every team's screen (a check-in when `check_in`, the assessment else)."""

    kind: Literal["quiz"] = "quiz"
    level: LevelId
    check_in: bool = False


class StudioActivity(ActivityBase):
    """Teams design a strategy for a level in the strategy studio."""

    kind: Literal["studio"] = "studio"
    level: LevelId
    prompt: LongText | None = None


class DiscussionActivity(ActivityBase):
    kind: Literal["discussion"] = "discussion"
    prompt: LongText


class JustificationActivity(ActivityBase):
    """The written justification of a team's game of `level`, for an executive audience."""

    kind: Literal["justification"] = "justification"
    level: LevelId
    prompt: LongText | None = None


class ReflectionActivity(ActivityBase):
    kind: Literal["reflection"] = "reflection"
    learners: list[ShortText] = Field(min_length=1, max_length=10)
    facilitator: list[ShortText] = Field(min_length=1, max_length=10)


Activity = (
    PollActivity
    | WatchActivity
    | LevelActivity
    | CalculatorActivity
    | CodexActivity
    | QuizActivity
    | StudioActivity
    | DiscussionActivity
    | JustificationActivity
    | ReflectionActivity
)
ACTIVITY_KINDS: dict[str, type[ActivityBase]] = {
    "poll": PollActivity,
    "watch": WatchActivity,
    "level": LevelActivity,
    "calculator": CalculatorActivity,
    "codex": CodexActivity,
    "quiz": QuizActivity,
    "studio": StudioActivity,
    "discussion": DiscussionActivity,
    "justification": JustificationActivity,
    "reflection": ReflectionActivity,
}
DEFAULT_TITLES = {
    "poll": "A poll",
    "watch": "Watch a plan play",
    "level": "Play a level",
    "calculator": "The AI project cost calculator",
    "codex": "Read the codex",
    "quiz": "Quiz",
    "studio": "Design a strategy in the studio",
    "discussion": "Discussion",
    "justification": "Written justification",
    "reflection": "Reflection",
}


class Phase(Strict):
    name: ShortText
    minutes: Minutes
    goal: LongText | None = None
    activity: list[Annotated[Activity, Field(discriminator="kind")]] = Field(
        min_length=1, max_length=MAX_ACTIVITIES
    )


class CourseInfo(Strict):
    id: LevelId
    title: ShortText
    checkin_minutes: Annotated[float, Field(ge=0, le=MAX_PHASE_MINUTES)] = Field(
        0, description="A one-question pulse every N minutes of the course (0: none)."
    )
    checkin_question: ShortText = "How is your team doing? (1: lost, 5: on top of it)"


class Course(Strict):
    course: CourseInfo
    phase: list[Phase] = Field(min_length=1, max_length=MAX_PHASES)

    @property
    def minutes(self) -> float:
        return sum(p.minutes for p in self.phase)

    def steps(self) -> list[tuple[int, int, Activity]]:
        """Every activity in order, with its phase and its place in the phase."""
        return [(i, j, a) for i, p in enumerate(self.phase) for j, a in enumerate(p.activity)]


def courses_dir() -> Path:
    """The shipped courses: beside the levels, in a checkout and in the wheel alike.

    A levels folder of one's own ($FINOPS_TUI_LEVELS) may hold courses too; without any,
    the shipped ones still serve.
    """
    folder = levels_dir() / "courses"
    if folder.is_dir():
        return folder
    package = Path(finops_tui.__file__).resolve().parent
    checkout = package.parent / "levels" / "courses"
    return checkout if checkout.is_dir() else package / "_levels" / "courses"


def resolve_course_path(name: str | None) -> Path:
    """A course id (`finops-3h`), a path, or None for the shipped default."""
    name = name or DEFAULT_COURSE
    candidate = Path(name)
    if candidate.suffix == ".toml" or "/" in name or "\\" in name:
        return candidate
    path = courses_dir() / f"{name}.toml"
    if not path.exists():
        known = ", ".join(p.stem for p in sorted(courses_dir().glob("*.toml"))) or "none"
        raise ContentError([f"{name}: no such course (shipped courses: {known})"])
    return path


def is_course_data(data: dict) -> bool:
    """A TOML table that is a course (it has `[course]`) rather than a level."""
    return isinstance(data.get("course"), dict)


def load_course(path: Path | str) -> Course:
    """Parse and validate a course file; every problem names the file and the key."""
    path = Path(path)
    data = read_toml(path)
    return course_from_data(path, data)


def course_from_data(path: Path, data: dict) -> Course:
    problems = _activity_problems(path, data)
    course = None
    try:
        course = Course.model_validate(data)
    except ValidationError as exc:
        # Errors inside an activity were said above, in the words of the activity's kind.
        problems += [
            line
            for line in describe_validation(path, exc)
            if not _ACTIVITY_KEY.match(line.removeprefix(f"{path}: "))
        ]
    if problems or course is None:
        raise ContentError(problems or [f"{path}: not a valid course"])
    problems = _cross_checks(path, course)
    if problems:
        raise ContentError(problems)
    return course


_ACTIVITY_KEY = re.compile(r"^phase\[\d+\]\.activity\[\d+\]")


def _activity_problems(path: Path, data: dict) -> list[str]:
    """Each activity checked against its own kind, so an error names the kind's own keys."""
    problems: list[str] = []
    phases = data.get("phase")
    if not isinstance(phases, list):
        return problems  # the model says what is wrong with `phase` itself
    for i, phase in enumerate(phases):
        activities = phase.get("activity") if isinstance(phase, dict) else None
        if not isinstance(activities, list):
            continue
        for j, raw in enumerate(activities):
            where = f"phase[{i}].activity[{j}]"
            if not isinstance(raw, dict):
                problems.append(f"{path}: {where}: expected a table")
                continue
            kind = raw.get("kind")
            if kind not in ACTIVITY_KINDS:
                known = ", ".join(ACTIVITY_KINDS)
                problems.append(
                    f"{path}: {where}.kind: expected one of {known}, got {kind!r}"
                    if kind is not None
                    else f"{path}: {where}.kind: required key is missing (one of {known})"
                )
                continue
            try:
                ACTIVITY_KINDS[kind].model_validate(raw)
            except ValidationError as exc:
                problems.extend(describe_validation(path, exc, prefix=where))
    return problems


def _cross_checks(path: Path, course: Course) -> list[str]:
    """What the schema cannot see: the minutes add up, the levels, plans and topics exist."""
    problems = []
    if course.minutes > MAX_COURSE_MINUTES:
        problems.append(
            f"{path}: phase: the phases add up to {course.minutes:g} minutes; "
            f"a course is at most {MAX_COURSE_MINUTES:g}"
        )
    for i, phase in enumerate(course.phase):
        planned = sum(a.minutes for a in phase.activity)
        if planned > phase.minutes + 1e-9:
            problems.append(
                f"{path}: phase[{i}].activity: the activities take {planned:g} minutes; "
                f"{phase.name} has {phase.minutes:g}"
            )
        for j, activity in enumerate(phase.activity):
            problems.extend(_activity_checks(path, f"phase[{i}].activity[{j}]", activity))
    return problems


def _activity_checks(path: Path, where: str, activity: Activity) -> list[str]:
    level_id = getattr(activity, "level", None)
    if level_id is not None:
        try:
            level = load_level(resolve_level_path(level_id), check_plans=False)
        except ContentError as exc:
            return [f"{path}: {where}.level: {p}" for p in exc.problems]
        if isinstance(activity, WatchActivity) and activity.plan not in level.plans:
            known = ", ".join(level.plans)
            return [
                f"{path}: {where}.plan: {level_id} has no plan {activity.plan!r} (it has {known})"
            ]
        if isinstance(activity, QuizActivity) and not level.quiz:
            return [f"{path}: {where}.level: {level_id} has no quiz questions"]
    if isinstance(activity, CodexActivity):
        entries = codex()
        return [
            f"{path}: {where}.topics[{k}]: no codex entry {topic!r}"
            for k, topic in enumerate(activity.topics)
            if ALIASES.get(topic, topic) not in entries
        ]
    return []


def role_example(activity: CodexActivity, role: str) -> str | None:
    """The example for a role id (`it`, `finance`, `data-science`); None for no role."""
    if role not in ROLES:
        return None
    return getattr(activity.examples, role.replace("-", "_"))


def activity_from_spec(spec: dict) -> Activity | None:
    """An activity as the facilitator published it; None if it cannot be read (a newer version)."""
    model = ACTIVITY_KINDS.get(spec.get("kind", "")) if isinstance(spec, dict) else None
    if model is None:
        return None
    try:
        activity = model.model_validate(spec)
    except ValidationError:
        return None
    return cast(Activity, activity)
