"""The single-game API: new_game, resolve_turn, and their helpers.

A single game is the batch kernel with a batch of one, so one game and a batch of
ten thousand always agree.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np

from finops_tui.engine import physics
from finops_tui.engine.catalog import deep_merge
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.fit import training_fit
from finops_tui.engine.kernel import BatchState, DecisionArrays, TurnOutput, initial_state, resolve
from finops_tui.engine.ledger import build_ledger, workload_gpu
from finops_tui.engine.level import Event, Plan, PlanTurn
from finops_tui.engine.rng import MAX_SEED
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.scoring import game_kpis, score, stars
from finops_tui.engine.state import EventRecord, GameState, Problem, TurnRecord, TurnResult


class InvalidDecisions(ValueError):
    """The decisions cannot be played this turn; `problems` says why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def new_game(scenario: Scenario, seed: int) -> GameState:
    """A fresh game of `scenario` in the world drawn from `seed`."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and {MAX_SEED}, got {seed}")
    batch = initial_state(scenario, np.array([seed]))
    return _state(scenario, seed, (), batch, _game_result(scenario, batch))


def resolve_turn(scenario: Scenario, state: GameState, decisions: Decisions) -> TurnResult:
    """Play one period: bill it line by line, draw its events, update the KPIs."""
    if state.finished:
        raise ValueError("the game is over: every turn has been played")
    problems = check_decisions(scenario, state, decisions)
    if problems:
        raise InvalidDecisions(problems)
    arrays = DecisionArrays.from_decisions(scenario, [decisions])
    batch, out = resolve(scenario, state.batch, arrays)
    result = _game_result(scenario, batch)
    record = _record(scenario, state.batch, batch, decisions, out, result)
    return TurnResult(
        state=_state(scenario, state.seed, (*state.history, record), batch, result),
        record=record,
    )


def preview_turn(scenario: Scenario, state: GameState, decisions: Decisions) -> TurnRecord:
    """The bill of this period in a calm, typical world: no random events, median luck."""
    return preview_turn_and_state(scenario, state, decisions)[0]


def preview_turn_and_state(
    scenario: Scenario, state: GameState, decisions: Decisions
) -> tuple[TurnRecord, BatchState]:
    """The calm period's bill, and the kernel state after it (to estimate the next one)."""
    arrays = DecisionArrays.from_decisions(scenario, [decisions])
    batch, out = resolve(scenario, state.batch, arrays, quiet=True)
    record = _record(scenario, state.batch, batch, decisions, out, _game_result(scenario, batch))
    return record, batch


def play(scenario: Scenario, seed: int, decisions: Iterable[Decisions]) -> GameState:
    """Replay a sequence of decisions from the start; the state is a pure function of them."""
    state = new_game(scenario, seed)
    for turn_decisions in decisions:
        state = resolve_turn(scenario, state, turn_decisions).state
    return state


@functools.lru_cache(maxsize=64)
def start_decisions(scenario: Scenario) -> Decisions:
    """The decisions a player finds at turn 1: the level's `start`, over the defaults."""
    return apply_changes(default_decisions(scenario), scenario.level.start)


def counterfactual(
    scenario: Scenario, seed: int, decisions: Iterable[Decisions], change: PlanTurn
) -> GameState:
    """The same game on the same seed with `change` applied to every turn's decisions.

    A turn whose changed decisions the level refuses keeps the player's own decisions.
    """
    state = new_game(scenario, seed)
    for own in decisions:
        changed = apply_changes(own, change)
        if check_decisions(scenario, state, changed):
            changed = own
        state = resolve_turn(scenario, state, changed).state
    return state


def default_decisions(scenario: Scenario) -> Decisions:
    level = scenario.level
    base: dict = {}
    if level.training is not None:
        base["training"] = {"gpu": level.training.gpus[0], "params": level.training.min_params}
    if level.inference is not None:
        inf = level.inference
        base["inference"] = {
            "mode": inf.modes[0],
            "api_model": next(iter(inf.apis), ""),
            "model": next(iter(inf.models), ""),
            "gpu": inf.gpus[0] if inf.gpus else "l4",
        }
    return Decisions.model_validate(base)


def apply_changes(previous: Decisions, change: PlanTurn) -> Decisions:
    """The decisions after a plan turn's changes; what the change leaves out carries over."""
    # Only decisions: a plan step's rationale is for people, never played.
    update = {
        k: v
        for k, v in change.model_dump().items()
        if k in Decisions.model_fields and v not in ({}, None)
    }
    return Decisions.model_validate(deep_merge(previous.model_dump(), update))


def plan_decisions(scenario: Scenario, plan: Plan) -> list[Decisions]:
    """A plan's decisions for every turn of the level; its last turn repeats to the end."""
    decisions = []
    current = start_decisions(scenario)
    for turn in range(scenario.level.turns):
        if turn < len(plan.turn):
            current = apply_changes(current, plan.turn[turn])
        decisions.append(current)
    return decisions


def check_decisions(scenario: Scenario, state: GameState, decisions: Decisions) -> list[Problem]:
    """Why these decisions cannot be played this turn (an empty list when they can)."""
    level = scenario.level
    problems: list[Problem] = []

    def need(ok: bool, key: str, message: str) -> None:
        if not ok:
            problems.append(Problem(key=key, message=message))

    tr, t = level.training, decisions.training
    if tr is not None:
        need(
            t.gpu in tr.gpus, "training.gpu", f"{t.gpu} is not offered here; choose {_or(tr.gpus)}"
        )
        need(
            t.pricing in tr.pricing,
            "training.pricing",
            f"{t.pricing} is not offered here; choose {_or(tr.pricing)}",
        )
        need(t.gpus <= tr.max_gpus, "training.gpus", f"at most {tr.max_gpus} GPUs, got {t.gpus}")
        need(
            tr.min_params <= t.params <= tr.max_params,
            "training.params",
            f"must be between {tr.min_params:.3g} and {tr.max_params:.3g}, got {t.params:.3g}",
        )
        if t.gpus > 0 and t.gpu in tr.gpus:
            fit = training_fit(scenario.catalog, t.params, t.gpu, t.gpus, tr.gpus)
            need(fit.fits, "training.gpus", fit.reason)
    inf, i = level.inference, decisions.inference
    if inf is not None:
        need(
            i.mode in inf.modes,
            "inference.mode",
            f"{i.mode} is not offered; choose {_or(inf.modes)}",
        )
        if i.mode == "api":
            need(
                i.api_model in inf.apis,
                "inference.api_model",
                f"{i.api_model or 'nothing'} is not offered; choose {_or(list(inf.apis))}",
            )
        else:
            problems.extend(_check_self_host(scenario, decisions))
            own = inf.models.get(i.model)
            need(
                own is None or not own.trained or bool(state.batch.shipped_turn[0] > 0),
                "inference.model",
                f"{i.model} is the model you are training: it can be served once it has shipped",
            )
    start = start_decisions(scenario).practices
    for name in type(decisions.practices).model_fields:
        if name not in level.practices.enabled:
            need(
                getattr(decisions.practices, name) == getattr(start, name),
                f"practices.{name}",
                "this practice is not part of this level",
            )
    if level.budget.hard_cap and not problems and not state.finished:
        estimate = preview_turn(scenario, state, decisions)
        need(
            estimate.spend_usd <= estimate.budget_usd,
            "budget",
            f"the estimated spend ${estimate.spend_usd:,.0f} is over the hard cap "
            f"${estimate.budget_usd:,.0f}",
        )
    return problems


def _check_self_host(scenario: Scenario, decisions: Decisions) -> list[Problem]:
    inf, i = scenario.level.inference, decisions.inference
    assert inf is not None
    problems = []
    if i.model not in inf.models:
        return [Problem(key="inference.model", message=f"choose {_or(list(inf.models))}")]
    if i.gpu not in inf.gpus:
        problems.append(Problem(key="inference.gpu", message=f"choose {_or(inf.gpus)}"))
    if i.pricing not in inf.pricing:
        problems.append(Problem(key="inference.pricing", message=f"choose {_or(inf.pricing)}"))
    if i.quant not in inf.quants:
        problems.append(Problem(key="inference.quant", message=f"choose {_or(inf.quants)}"))
    if not 1 <= i.gpus <= inf.max_gpus:
        problems.append(
            Problem(key="inference.gpus", message=f"between 1 and {inf.max_gpus}, got {i.gpus}")
        )
    fit = serving_fit(scenario, decisions)
    if fit is not None:
        problems.append(Problem(key="inference.gpus", message=fit))
    return problems


def serving_fit(scenario: Scenario, decisions: Decisions) -> str | None:
    """Why the self-hosted model does not fit its GPUs, in plain words; None if it fits."""
    inf, i = scenario.level.inference, decisions.inference
    if inf is None or i.model not in inf.models:
        return None
    params = (
        decisions.training.params if inf.models[i.model].trained else inf.models[i.model].params
    )
    spec = scenario.catalog.gpus[i.gpu]
    need_gb = float(physics.serving_memory_gb(params, i.quant, inf.context_tokens))
    group = int(physics.gpus_per_replica(params, i.quant, inf.context_tokens, spec.memory_gb))
    weights = float(physics.weights_gb(params, i.quant))
    usable = 8 * spec.memory_gb * physics.USABLE_MEMORY
    if group == 0:
        return (
            f"{i.model} at {i.quant} needs {need_gb:.0f} GB ({weights:.0f} GB of weights plus "
            f"KV cache); even 8 x {i.gpu} hold only {usable:.0f}"
            " GB usable. Quantize further or pick a GPU with more memory"
        )
    if i.gpus < group:
        return (
            f"{i.model} at {i.quant} needs {need_gb:.0f} GB, so one replica takes {group} x "
            f"{i.gpu} ({spec.memory_gb:g} GB each); you have {i.gpus}"
        )
    return None


def _or(options) -> str:
    options = list(options)
    return ", ".join(options[:-1]) + (" or " if len(options) > 1 else "") + options[-1]


def _game_result(scenario: Scenario, batch: BatchState) -> tuple[dict[str, float], float, int]:
    """The game's KPIs, score and stars after the turns in `batch` (none yet: 0 and 0)."""
    level = scenario.level
    kpis = game_kpis(scenario, batch)
    if batch.turn == 0:
        return {k: float(v[0]) for k, v in kpis.items()}, 0.0, 0
    s = score(level, kpis)
    return {k: float(v[0]) for k, v in kpis.items()}, float(s[0]), int(stars(level, s)[0])


def _state(
    scenario: Scenario,
    seed: int,
    history: tuple,
    batch: BatchState,
    result: tuple[dict[str, float], float, int],
) -> GameState:
    kpis, game_score, game_stars = result
    return GameState(
        level_id=scenario.level.id,
        seed=seed,
        turns=scenario.level.turns,
        history=history,
        game_kpis=kpis,
        score=game_score,
        stars=game_stars,
        batch=batch,
    )


def _record(
    scenario: Scenario,
    before: BatchState,
    after: BatchState,
    decisions: Decisions,
    out: TurnOutput,
    result: tuple[dict[str, float], float, int],
) -> TurnRecord:
    """One period's record; its score and stars are the game's after this period."""
    turn = after.turn
    kpis = {}
    for key, value in out.kpis.items():
        v = float(value[0])
        kpis[key] = None if math.isnan(v) else v
    return TurnRecord(
        turn=turn,
        decisions=decisions,
        spend_usd=int(out.spend[0]) / 100.0,
        budget_usd=int(out.budget[0]) / 100.0,
        value_usd=int(out.value[0]) / 100.0,
        lines=build_ledger(scenario, turn, decisions, out, after.price_mult[0]),
        events=tuple(_event_records(scenario, before, decisions, out, turn)),
        kpis=kpis,
        score=result[1],
        stars=result[2],
    )


FALSE_POSITIVE_TITLE = "Anomaly detection flagged the training run"
SCHEDULE_STOP_TITLE = "The shutdown schedule stopped the training run"
SERVING_STOP_TITLE = "The shutdown schedule stopped the serving fleet for a night"
NIGHT_STOP_TITLE = "The account-wide schedule stopped the training run every night"
NIGHT_SERVING_TITLE = "The account-wide schedule took the serving fleet down every night"


def _schedule_on_hours(scenario: Scenario) -> float:
    """The hours a week a shutdown schedule leaves machines on (the dev environment's)."""
    dev = scenario.level.dev
    return dev.schedule_on_hours_per_week if dev else 60.0


def _practice_failures(scenario: Scenario, decisions: Decisions, out: TurnOutput, turn: int):
    """A practice that misfired this period, as an event the report can tell.

    Not one of the level's events, so it has no `source`.
    """
    costs, t = scenario.level.practices, decisions.training
    if out.kpis["false_positives"][0] > 0:
        yield EventRecord(
            turn=turn,
            kind="anomaly_false_positive",
            title=FALSE_POSITIVE_TITLE,
            text="Its spending spike looked like an anomaly: the job was paused for its "
            "owner's review, and its GPUs were held (and billed) while it waited.",
            effect=f"{t.gpus} x {t.gpu} held for up to {costs.anomaly_review_hours:g} h",
        )
    whole_account = decisions.practices.shutdown_schedule and (
        decisions.practices.schedule_scope == "account"
    )
    if out.kpis["schedule_stops"][0] > 0 and whole_account:
        yield EventRecord(
            turn=turn,
            kind="schedule_stopped_run_nightly",
            title=NIGHT_STOP_TITLE,
            text="The schedule covers the whole account and the run has no opt-out tag: each "
            "evening it stopped the run, which lost the work since its last checkpoint and "
            "waited for the morning. It trained only in working hours.",
            effect=f"trained {_schedule_on_hours(scenario):g} h a week; checkpoints every "
            f"{t.checkpoint_hours:g} h bounded each night's loss",
        )
    elif out.kpis["schedule_stops"][0] > 0:
        yield EventRecord(
            turn=turn,
            kind="schedule_stopped_run",
            title=SCHEDULE_STOP_TITLE,
            text="The run was not exempted from the evening shutdown: it lost the work since "
            "its last checkpoint and waited for the morning to restart.",
            effect=f"checkpoints every {t.checkpoint_hours:g} h bounded the work lost",
        )
    if out.kpis["serving_stops"][0] > 0 and whole_account:
        i = decisions.inference
        yield EventRecord(
            turn=turn,
            kind="schedule_stopped_serving_nightly",
            title=NIGHT_SERVING_TITLE,
            text="The schedule covers the whole account and the fleet has no opt-out tag: "
            "every request between the evening and the morning missed the latency SLA.",
            effect=f"{i.gpus} x {i.gpu} off every night",
        )
    elif out.kpis["serving_stops"][0] > 0:
        i = decisions.inference
        yield EventRecord(
            turn=turn,
            kind="schedule_stopped_serving",
            title=SERVING_STOP_TITLE,
            text="The serving fleet was not exempted from the evening shutdown: traffic went "
            "on, and every request until the morning missed the latency SLA.",
            effect=f"{i.gpus} x {i.gpu} off until the morning",
        )


def _event_records(scenario, before: BatchState, decisions: Decisions, out: TurnOutput, turn):
    yield from _practice_failures(scenario, decisions, out, turn)
    level = scenario.level
    for outcome in out.events:
        if not bool(outcome.occurred[0]):
            continue
        event = (level.events.scheduled if outcome.scheduled else level.events.random)[
            outcome.index
        ]
        size = float(outcome.magnitude[0])
        cost = int(outcome.cost[0]) / 100.0
        yield EventRecord(
            turn=turn,
            kind=event.kind,
            source=f"{'scheduled' if outcome.scheduled else 'random'}[{outcome.index}]",
            title=event.title,
            text=event.text,
            effect=_effect(scenario, event, decisions, size, float(outcome.hours[0]), cost),
            magnitude=size,
            cost_usd=cost,
        )
    idle_before = float(before.idle_gpus[0])
    if idle_before > 0:
        gpu = workload_gpu(scenario, decisions, "idle")
        yield EventRecord(
            turn=turn,
            kind="idle_cluster",
            title="The forgotten cluster is still running",
            text="Nobody has found its owner yet. Tags and anomaly detection would.",
            effect=f"{idle_before:.0f} x {gpu} idle all period",
        )
    preemptions = int(out.kpis["preemptions"][0])
    if preemptions:
        lost = float(out.kpis["lost_gpu_hours"][0])
        yield EventRecord(
            turn=turn,
            kind="spot_preemption",
            title=f"{preemptions} spot preemption{'s' if preemptions > 1 else ''}",
            text="Each preemption loses the work done since the last checkpoint.",
            effect=f"{lost:,.0f} GPU-hours of training redone",
        )


def _effect(scenario, event: Event, decisions: Decisions, size: float, hours: float, cost: float):
    kind = event.kind
    if kind == "runaway_job":
        gpu = workload_gpu(scenario, decisions, "runaway")
        p = decisions.practices
        if p.anomaly_detection:
            how = "until anomaly detection caught it"
        elif p.budget_alerts:
            how = "until a budget alert caught it"
        else:
            how = "and nobody noticed until the bill arrived"
        return f"{size:.0f} x {gpu} ran {hours:,.0f} h {how}: ${cost:,.0f}"
    if kind == "idle_cluster":
        gpu = workload_gpu(scenario, decisions, "idle")
        return f"{size:.0f} x {gpu} left running idle: ${cost:,.0f} this period"
    if kind == "traffic_surge":
        return f"demand x{size:.2f} this period"
    if kind == "capacity_shortage":
        return f"no spot capacity for {size:.0%} of the period"
    if kind == "price_change":
        target = event.gpu or "all GPUs"
        return f"prices for {target} x{size:.2f} from now on"
    if kind == "budget_change":
        return f"budget x{size:.2f} from now on"
    if kind == "demand_change":
        return f"demand x{size:.2f} from now on"
    if kind == "safety_incident":
        return f"incident costs ${size:,.0f}"
    return ""
