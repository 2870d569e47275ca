"""The level format: a case study, its world, its scoring, its quiz and its plans.

These models are the single source of truth for `levels/*.toml`; `finops-tui schema`
publishes their JSON Schema for editors.
"""

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from finops_tui.engine.catalog import (
    PRICING_OPTIONS,
    Fraction,
    GpuName,
    LatencyTarget,
    NonNegative,
    Positive,
    Pricing,
    Strict,
)
from finops_tui.engine.decisions import Decisions, Quantization

Difficulty = Literal["intro", "easy", "medium", "hard", "expert"]
Turn = Annotated[int, Field(ge=1, le=120)]

EventKind = Literal[
    "runaway_job",
    "idle_cluster",
    "traffic_surge",
    "capacity_shortage",
    "price_change",
    "budget_change",
    "demand_change",
    "safety_incident",
    "message",
]
RANDOM_EVENT_KINDS = (
    "runaway_job",
    "idle_cluster",
    "traffic_surge",
    "capacity_shortage",
    "price_change",
    "safety_incident",
)

# What the magnitude of each kind of event means, and its valid range.
MAGNITUDE: dict[str, tuple[str, float, float]] = {
    "runaway_job": ("GPUs left running", 1, 100_000),
    "idle_cluster": ("GPUs forgotten", 1, 100_000),
    "traffic_surge": ("demand multiplier this period", 1, 100),
    "capacity_shortage": ("share of the period without spot capacity", 0, 1),
    "price_change": ("multiplier on GPU prices from now on", 0.05, 10),
    "budget_change": ("multiplier on the budget from now on", 0.05, 10),
    "demand_change": ("multiplier on demand from now on", 0.05, 100),
    "safety_incident": ("cost of the incident in US$", 0, 1e9),
    "message": ("unused", 0, 0),
}

KPI_NAMES = (
    "roi",
    "net_value_usd",
    "budget_adherence",
    "overspend_share",
    "waste_share",
    "allocation_coverage",
    "forecast_accuracy",
    "model_quality",
    "on_time",
    "sla_attainment",
    "unit_cost_per_1k_requests",
    "co2e_kg",
    "commitment_utilization",
    "commitment_obligation_usd",
    "safety",
)
KpiName = Literal[
    "roi",
    "net_value_usd",
    "budget_adherence",
    "overspend_share",
    "waste_share",
    "allocation_coverage",
    "forecast_accuracy",
    "model_quality",
    "on_time",
    "sla_attainment",
    "unit_cost_per_1k_requests",
    "co2e_kg",
    "commitment_utilization",
    "commitment_obligation_usd",
    "safety",
]
PRACTICES = (
    "tagging",
    "budget_alerts",
    "anomaly_detection",
    "shutdown_schedule",
    "rightsizing",
    "allocation",
    "safety_evaluation",
)
# A level may also offer the shutdown schedule's scope ("schedule_scope": dev notebooks
# only, or the whole account); it is not offered by default, so a level that leaves
# `enabled` out keeps today's notebooks-only schedule (and its level hash).
Practice = Literal[
    "tagging",
    "budget_alerts",
    "anomaly_detection",
    "shutdown_schedule",
    "schedule_scope",
    "rightsizing",
    "allocation",
    "safety_evaluation",
]


class Budget(Strict):
    per_period_usd: Positive
    per_turn_usd: list[Positive] = Field(
        default_factory=list, description="Optional budget for each turn; overrides the default."
    )
    hard_cap: bool = Field(False, description="Refuse decisions whose estimate exceeds it.")


class CommitmentEnd(Strict):
    """What a commitment still running when the level ends costs the final result."""

    resale_share: Fraction = Field(
        0.0,
        description="Share of the remaining term's cost recovered by reselling it (0: the "
        "remaining cost is owed in full). A game assumption: resale terms vary.",
    )


class TrainingWorkload(Strict):
    """A model to train. Its presence enables the training decisions."""

    gpus: list[GpuName] = Field(min_length=1, description="GPU types the player may choose.")
    pricing: list[Pricing] = Field(default_factory=lambda: list(PRICING_OPTIONS), min_length=1)
    max_gpus: Annotated[int, Field(ge=1, le=100_000)] = 512
    min_params: Annotated[float, Field(ge=1e6, allow_inf_nan=False)] = 7e9
    max_params: Annotated[float, Field(ge=1e6, allow_inf_nan=False)] = 7e9
    target_loss: Positive = Field(description="The loss at which the model is good enough to ship.")
    baseline_loss: Positive = Field(description="The loss of the model it replaces: no value.")
    deadline_turn: Turn
    value_usd: NonNegative = Field(description="Business value of shipping on time at target.")
    late_penalty: Fraction = Field(0.25, description="Share of the value lost per turn late.")
    mfu: Annotated[float, Field(gt=0, le=0.9, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _ranges(self) -> "TrainingWorkload":
        if self.max_params < self.min_params:
            raise ValueError("max_params must be at least min_params")
        if self.target_loss >= self.baseline_loss:
            raise ValueError("target_loss must be below baseline_loss")
        return self


class ServedModel(Strict):
    params: Annotated[float, Field(ge=1e6, le=1e13, allow_inf_nan=False)]
    quality: Fraction
    label: str = ""
    trained: bool = Field(
        False,
        description="The model trained in this level: served at the size of the training "
        "decision, once it has shipped, at `quality` times how far training got.",
    )


class ApiOption(Strict):
    quality: Fraction


class InferenceWorkload(Strict):
    """The product's traffic. Its presence enables the inference decisions."""

    requests_per_day: Positive
    growth_per_turn: Annotated[float, Field(ge=-0.9, le=10, allow_inf_nan=False)] = 0.0
    demand_noise: Fraction = Field(0.0, description="Random +/- share on demand each period.")
    input_tokens: Positive = 500
    output_tokens: Positive = 250
    context_tokens: Positive = 2048
    latency_target: LatencyTarget = Field(
        "interactive",
        description="interactive (chat: the catalog's interactive_share of the offline "
        "maximum throughput) or batch (offline jobs: the published maximum).",
    )
    peak_factor: Annotated[float, Field(ge=1, le=20, allow_inf_nan=False)] = 1.8
    cache_hit_rate: Fraction = 0.25
    cache_usd: NonNegative = Field(300, description="Cost of running the response cache.")
    value_per_1k_requests: NonNegative
    modes: list[Literal["self-host", "api"]] = Field(
        default_factory=lambda: ["api", "self-host"], min_length=1
    )
    gpus: list[GpuName] = Field(default_factory=list)
    pricing: list[Pricing] = Field(default_factory=lambda: list(PRICING_OPTIONS), min_length=1)
    max_gpus: Annotated[int, Field(ge=1, le=100_000)] = 64
    quants: list[Quantization] = Field(default_factory=lambda: ["fp16", "int8", "int4"])
    models: dict[str, ServedModel] = Field(default_factory=dict)
    apis: dict[str, ApiOption] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _options(self) -> "InferenceWorkload":
        if "self-host" in self.modes and (not self.models or not self.gpus):
            raise ValueError("self-host needs at least one model and one GPU type")
        if "api" in self.modes and not self.apis:
            raise ValueError("the api mode needs at least one entry in apis")
        return self


class DevEnvironment(Strict):
    """Shared notebooks and dev clusters: where idle spend hides."""

    gpu: GpuName
    gpus: Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
    used_hours_per_week: Annotated[float, Field(ge=0, le=168, allow_inf_nan=False)] = 50
    sprawl_per_turn: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)] = 0.1
    overprovisioned_share: Fraction = Field(0.3, description="What a rightsizing review removes.")
    schedule_on_hours_per_week: Annotated[float, Field(ge=1, le=168, allow_inf_nan=False)] = 60


class PracticeCosts(Strict):
    """What each FinOps practice costs (mostly team time) and how each one can fail.

    Native budgets and anomaly detection are nearly free in money; what a practice
    costs is engineers' hours, which grow with the GPUs it watches and the team it
    touches (finops_tui/engine/practices.py holds the hours; a game assumption).
    """

    enabled: list[Practice] = Field(
        default_factory=lambda: list(PRACTICES), description="Practices the player may change."
    )
    engineer_usd_per_hour: NonNegative = Field(
        100,
        description="Loaded cost of an engineer-hour spent on a practice (a game assumption: "
        "about a $180k loaded salary over 1,800 hours).",
    )
    team: Annotated[int, Field(ge=1, le=10_000)] = Field(
        5, description="Engineers whose work the practices touch (tags, schedules, disputes)."
    )
    safety_evaluation_usd: NonNegative = 0
    alert_detection_hours: Positive = Field(
        24,
        description="Hours a budget alert takes to reach a tagged owner; an untagged line's "
        "alert goes to a shared inbox and takes up to three times as long.",
    )
    anomaly_detection_hours: Positive = 4
    idle_detection_hours: Positive = Field(
        48,
        description="Hours anomaly detection takes to flag a forgotten, idle cluster (a game "
        "assumption: an idle cluster is a steady cost, not a spike, so slower than a runaway).",
    )
    anomaly_false_positive: Fraction = Field(
        0.3,
        description="Chance a period's training spend is flagged as an anomaly by mistake; "
        "the job is paused, its GPUs held, while its owner reviews it.",
    )
    anomaly_review_hours: NonNegative = Field(24, description="How long a flagged job waits.")
    schedule_stop: Fraction = Field(
        0.25,
        description="Chance a period that the shutdown schedule misses an exemption: it stops "
        "the training run (which loses the work since its last checkpoint) and the self-hosted "
        "serving fleet (whose requests miss the SLA until the morning).",
    )
    chargeback_maturity: Fraction = Field(
        0.9,
        description="Tag coverage below which chargeback causes disputes over untagged cost.",
    )


class Event(Strict):
    """A scheduled event (with `turn`) or a random one (with `probability`)."""

    kind: EventKind
    title: str
    text: str = ""
    turn: Turn | None = None
    probability: Fraction | None = None
    from_turn: Turn = 1
    to_turn: Turn | None = None
    magnitude: float | tuple[float, float] = 0.0
    gpu: GpuName | None = None
    mitigated_by: Practice | None = Field(
        None, description="For safety incidents: the practice that makes them rarer."
    )
    mitigation: Fraction = Field(0.1, description="Probability multiplier when mitigated.")

    @model_validator(mode="after")
    def _shape(self) -> "Event":
        if (self.turn is None) == (self.probability is None):
            raise ValueError("an event needs exactly one of turn (scheduled) or probability")
        if self.probability is not None and self.kind not in RANDOM_EVENT_KINDS:
            raise ValueError(f"a {self.kind} event cannot be random; give it a turn")
        meaning, low, high = MAGNITUDE[self.kind]
        values = self.magnitude if isinstance(self.magnitude, tuple) else (self.magnitude,)
        for value in values:
            if not (low <= value <= high):
                raise ValueError(f"magnitude ({meaning}) must be between {low} and {high}")
        if isinstance(self.magnitude, tuple) and self.magnitude[0] > self.magnitude[1]:
            raise ValueError("magnitude range must be [low, high]")
        return self

    @property
    def low(self) -> float:
        return self.magnitude[0] if isinstance(self.magnitude, tuple) else self.magnitude

    @property
    def high(self) -> float:
        return self.magnitude[1] if isinstance(self.magnitude, tuple) else self.magnitude


class Events(Strict):
    scheduled: list[Event] = Field(default_factory=list)
    random: list[Event] = Field(default_factory=list)

    @model_validator(mode="after")
    def _kinds(self) -> "Events":
        for i, event in enumerate(self.scheduled):
            if event.turn is None:
                raise ValueError(f"scheduled[{i}] needs a turn")
        seen: set[str] = set()
        for i, event in enumerate(self.random):
            if event.probability is None:
                raise ValueError(f"random[{i}] needs a probability")
            if event.kind in seen:
                raise ValueError(f"random[{i}]: only one random {event.kind} event per level")
            seen.add(event.kind)
        return self


class ScoreComponent(Strict):
    kpi: KpiName
    weight: Positive
    bad: float = Field(description="The value that earns nothing.")
    good: float = Field(description="The value that earns the full weight.")
    label: str = ""

    @model_validator(mode="after")
    def _distinct(self) -> "ScoreComponent":
        if self.bad == self.good:
            raise ValueError("bad and good must differ")
        return self


class Scoring(Strict):
    components: list[ScoreComponent] = Field(min_length=1)
    stars: tuple[float, float, float] = Field(description="Scores (0-100) for 1, 2 and 3 stars.")

    @field_validator("stars")
    @classmethod
    def _increasing(cls, v: tuple[float, float, float]) -> tuple[float, float, float]:
        if not (0 <= v[0] < v[1] < v[2] <= 100):
            raise ValueError("stars must be increasing scores between 0 and 100")
        return v


# The course's concepts a quiz question checks (the Evaluate phase reports on each).
CourseConcept = Literal[
    "finops",
    "ai-lifecycle",
    "cost-optimization",
    "roi",
    "resource-allocation",
    "scalability",
    "financial-accountability",
    "collaboration",
]
# The roles a question speaks to when it is role-specific (the ids of the role lenses).
QuizRole = Literal["it", "finance", "data-science"]
QUIZ_TIERS: dict[int, str] = {1: "basic", 2: "intermediate", 3: "advanced"}


class QuizQuestion(Strict):
    question: str
    choices: list[str] = Field(min_length=2, max_length=6)
    answer: Annotated[int, Field(ge=0)]
    explanation: str
    concept: str = Field("", description="The codex entry the explanation links to.")
    level: Annotated[int, Field(ge=1, le=3)] = Field(
        1, description="The tier: 1 basic, 2 intermediate, 3 advanced."
    )
    course: list[CourseConcept] = Field(
        min_length=1, description="The course concepts the question checks."
    )
    roles: list[QuizRole] = Field(
        default_factory=list, description="Roles it speaks to, if role-specific; empty: all."
    )

    @model_validator(mode="after")
    def _answer_in_range(self) -> "QuizQuestion":
        if self.answer >= len(self.choices):
            raise ValueError("answer must be the index of one of the choices")
        if len({c.strip().casefold() for c in self.choices}) != len(self.choices):
            raise ValueError("choices must all differ (they are shuffled for each learner)")
        return self


class PlanTurn(Strict):
    """Changes to the decisions from this turn on; anything left out carries over."""

    training: dict = Field(default_factory=dict)
    inference: dict = Field(default_factory=dict)
    practices: dict = Field(default_factory=dict)
    forecast_usd: NonNegative | None = None


MAX_RATIONALE = 280  # characters: a sentence or two, as a team would say it aloud


def _no_control_characters(text: str) -> str:
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise ValueError("one line of text: control characters (such as newlines) are not allowed")
    return text


Rationale = Annotated[str, Field(max_length=MAX_RATIONALE), AfterValidator(_no_control_characters)]


class PlanStep(PlanTurn):
    """One turn of a plan: its changes, and why (for the team; the engine never reads it)."""

    rationale: Rationale = ""


class Plan(Strict):
    title: str = ""
    description: str = ""
    turn: list[PlanStep] = Field(min_length=1)


class Counterfactual(Strict):
    """A what-if for the debrief: the player's own decisions with one change, same seed."""

    label: str = Field(description="e.g. 'with spot and hourly checkpoints'")
    change: PlanTurn = Field(description="Applied to the player's decisions in every turn.")
    lesson: str = ""


class AdvancedSetting(Strict):
    """How the advanced setting of a level differs from the standard one."""

    budget_multiplier: Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)] = 0.85
    event_probability_multiplier: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 1.5
    demand_noise: Fraction | None = Field(None, description="Replaces inference.demand_noise.")
    events: Events = Field(default_factory=Events, description="Events added to the level.")


Setting = Literal["standard", "advanced"]
SETTINGS: tuple[str, ...] = ("standard", "advanced")


class Level(Strict):
    format: Literal[1] = 1
    id: str
    title: str
    difficulty: Difficulty
    turns: Turn
    period: str = "month"
    period_hours: Annotated[float, Field(gt=0, le=8760, allow_inf_nan=False)] = 730
    summary: str
    briefing: str
    objectives: list[str] = Field(min_length=1)
    debrief: str
    lessons: list[str] = Field(min_length=1)
    budget: Budget
    commitments: CommitmentEnd = CommitmentEnd()
    training: TrainingWorkload | None = None
    inference: InferenceWorkload | None = None
    dev: DevEnvironment | None = None
    practices: PracticeCosts = PracticeCosts()
    prices: dict = Field(default_factory=dict, description="Overrides of the price catalog.")
    events: Events = Events()
    scoring: Scoring
    quiz: list[QuizQuestion] = Field(default_factory=list)
    start: PlanTurn = Field(default_factory=PlanTurn, description="The decisions at turn 1.")
    plans: dict[str, Plan]
    counterfactuals: list[Counterfactual] = Field(default_factory=list)
    advanced: AdvancedSetting = AdvancedSetting()
    seats: dict[Literal["it", "finance", "data-science"], list[str]] = Field(
        default_factory=dict,
        description="Which decisions each seat of a seated team owns, where the level "
        "differs from the defaults (e.g. it = ['forecast_usd']). Not read by the engine.",
    )
    setting: Setting = Field("standard", description="Set by the engine; never in a file.")
    injected: list[Event] = Field(
        default_factory=list, description="Set by the engine: events a facilitator injected."
    )

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", v):
            raise ValueError("must be lowercase letters, digits and dashes")
        return v

    @field_validator("seats")
    @classmethod
    def _seat_keys(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        given: dict[str, str] = {}
        for seat, keys in v.items():
            for key in keys:
                if not is_decision_key(key):
                    raise ValueError(f"{seat}: {key!r} is not a decision (e.g. 'training.gpus')")
                if key in given:
                    raise ValueError(f"{seat}: {key!r} is already given to {given[key]}")
                given[key] = seat
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Level":
        if self.training is None and self.inference is None:
            raise ValueError("a level needs a training or an inference workload")
        for name in ("par", "naive"):
            if name not in self.plans:
                raise ValueError(f"plans.{name} is missing: every level ships par and naive")
        if self.budget.per_turn_usd and len(self.budget.per_turn_usd) != self.turns:
            raise ValueError("budget.per_turn_usd needs one entry per turn")
        for i, event in enumerate(self.events.scheduled):
            if event.turn is not None and event.turn > self.turns:
                raise ValueError(f"events.scheduled[{i}].turn is after the last turn")
        if self.training is not None and self.training.deadline_turn > self.turns:
            raise ValueError("training.deadline_turn is after the last turn")
        trained = [
            m for m, s in (self.inference.models if self.inference else {}).items() if s.trained
        ]
        if trained and self.training is None:
            raise ValueError(f"inference.models.{trained[0]}.trained needs a training workload")
        return self

    def at_setting(self, setting: str) -> "Level":
        """This level at the standard or the advanced setting: tighter budget, more events."""
        if setting == self.setting:
            return self
        if setting != "advanced" or self.setting != "standard":
            raise ValueError(f"unknown setting {setting!r}; choose standard or advanced")
        adv = self.advanced
        data = self.model_dump()
        data["setting"] = "advanced"
        budget = data["budget"]
        budget["per_period_usd"] *= adv.budget_multiplier
        budget["per_turn_usd"] = [b * adv.budget_multiplier for b in budget["per_turn_usd"]]
        for event in data["events"]["random"]:
            event["probability"] = min(1.0, event["probability"] * adv.event_probability_multiplier)
        extra = adv.events.model_dump()
        data["events"]["scheduled"] += extra["scheduled"]
        data["events"]["random"] += extra["random"]
        if adv.demand_noise is not None and data["inference"] is not None:
            data["inference"]["demand_noise"] = adv.demand_noise
        return Level.model_validate(data)

    def with_injected(self, events: list[Event]) -> "Level":
        """This level with events a facilitator injected; each needs a turn.

        Injected events are part of the game's inputs: a save keeps them, so a replay
        meets them too.
        """
        if not events:
            return self
        data = self.model_dump()
        added = [e.model_dump() for e in events]
        data["events"]["scheduled"] += added
        data["injected"] += added
        return Level.model_validate(data)

    def budget_for(self, turn: int) -> float:
        """The base budget of a turn (1-based), before budget events."""
        if self.budget.per_turn_usd:
            return self.budget.per_turn_usd[turn - 1]
        return self.budget.per_period_usd


def is_decision_key(key: str) -> bool:
    """Whether `key` names one decision: 'training.gpus', 'forecast_usd'."""
    section, _, name = key.partition(".")
    field = Decisions.model_fields.get(section)
    if field is None:
        return False
    if not name:
        return field.annotation in (float, int, bool, str) or section == "forecast_usd"
    model = field.annotation
    return isinstance(model, type) and name in getattr(model, "model_fields", {})
