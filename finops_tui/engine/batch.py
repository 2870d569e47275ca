"""Many games at once: thousands of seeds (or decision variants) in one pass.

The batch engine is the same kernel as the single game, so for every seed its bill,
KPIs and events equal those of `play(scenario, seed, decisions)` exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from finops_tui.engine.decisions import Decisions
from finops_tui.engine.kernel import BatchState, DecisionArrays, initial_state, resolve
from finops_tui.engine.rng import MAX_SEED, turn_uniforms
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.scoring import game_kpis, score, stars

# The FinOps practices' ledger lines; the safety evaluation is a release cost, not FinOps.
FINOPS_LINES = frozenset(
    f"practice.{name}"
    for name in (
        "tagging",
        "budget_alerts",
        "anomaly_detection",
        "shutdown_schedule",
        "rightsizing",
        "allocation",
    )
)


@dataclass(frozen=True)
class BatchResult:
    """Per-seed outcomes of a batch of games; arrays have the seeds first."""

    seeds: np.ndarray
    score: np.ndarray
    stars: np.ndarray
    spend_cents: np.ndarray  # (seeds, turns)
    budget_cents: np.ndarray  # (seeds, turns)
    value_cents: np.ndarray  # (seeds, turns)
    practice_cents: np.ndarray  # (seeds, turns): what the FinOps practices cost (FINOPS_LINES)
    events: np.ndarray  # (seeds, turns, events of the level): did each event fire
    kpis: dict[str, np.ndarray]  # game KPIs at the end
    state: BatchState

    def quantiles(self, qs: Sequence[float] = (0.1, 0.5, 0.9)) -> dict[float, float]:
        return {q: float(np.quantile(self.score, q)) for q in qs}


def play_batch(
    scenario: Scenario,
    seeds: Sequence[int] | np.ndarray,
    decisions: Sequence[Decisions] | Sequence[Sequence[Decisions]],
    start: BatchState | None = None,
    draws: Sequence[dict[str, np.ndarray]] | None = None,
) -> BatchResult:
    """Play every seed through the same decisions (or, per turn, one decision per seed).

    `decisions[t]` is one Decisions for all seeds, or a sequence with one per seed
    (decision variants). `start` continues from a state of the same batch size.
    `draws[t]`, when given, are the seeds' `turn_uniforms` for the turn played t-th.
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    if seeds.ndim != 1 or seeds.size == 0:
        raise ValueError("seeds must be a non-empty list of integers")
    if seeds.min() < 0 or seeds.max() > MAX_SEED:
        raise ValueError(f"seeds must be between 0 and {MAX_SEED}")
    state = initial_state(scenario, seeds) if start is None else start
    spend, budget, value, practice, fired = [], [], [], [], []
    previous, arrays = None, None
    for i, turn_decisions in enumerate(decisions):
        if turn_decisions is not previous:  # a plan that keeps its decisions converts once
            batch = (
                [turn_decisions] if isinstance(turn_decisions, Decisions) else list(turn_decisions)
            )
            arrays = DecisionArrays.from_decisions(scenario, batch).broadcast(seeds.size)
            previous = turn_decisions
        state, out = resolve(scenario, state, arrays, draws=None if draws is None else draws[i])
        spend.append(out.spend)
        budget.append(out.budget)
        value.append(out.value)
        practice.append(sum(v.billed for k, v in out.lines.items() if k in FINOPS_LINES))
        fired.append(
            np.stack([e.occurred for e in out.events], axis=1)
            if out.events
            else np.zeros((seeds.size, 0), dtype=bool)
        )
    kpis = game_kpis(scenario, state)
    scores = score(scenario.level, kpis)
    return BatchResult(
        seeds=seeds,
        score=scores,
        stars=stars(scenario.level, scores),
        spend_cents=np.stack(spend, axis=1),
        budget_cents=np.stack(budget, axis=1),
        value_cents=np.stack(value, axis=1),
        practice_cents=np.stack(practice, axis=1),
        events=np.stack(fired, axis=1),
        kpis=kpis,
        state=state,
    )


def distribution(values: np.ndarray) -> dict[str, float]:
    """Mean, spread and percentiles of a batch's scores (or any figure)."""
    values = np.asarray(values, dtype=float)
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
    return {
        "mean": round(float(values.mean()), 2),
        "std": round(float(values.std()), 2),
        "min": round(float(values.min()), 2),
        "p10": round(float(p10), 2),
        "p50": round(float(p50), 2),
        "p90": round(float(p90), 2),
        "max": round(float(values.max()), 2),
    }


def luck_share(scores_by_plan: Sequence[np.ndarray]) -> float:
    """The share of the score variance, across plans and seeds, that comes from the seed.

    Total variance splits into the spread between plans (skill: what the team chose)
    and the spread across seeds within a plan (luck: the world it drew).
    """
    pooled = np.concatenate([np.asarray(s, dtype=float) for s in scores_by_plan])
    total = pooled.var()
    if total == 0:
        return 0.0
    within = np.mean([np.asarray(s, dtype=float).var() for s in scores_by_plan])
    return float(within / total)


@dataclass(frozen=True)
class Fan:
    """Spend quantiles of the turns still to play, over many possible futures."""

    turns: tuple[int, ...]  # the turns forecast, from the one being decided
    p10: tuple[float, ...]  # US$ per turn
    p50: tuple[float, ...]
    p90: tuple[float, ...]
    total_p10: float  # US$ over the rest of the game
    total_p50: float
    total_p90: float
    futures: int


FUTURE_SEED_STRIDE = 0x9E3779B1  # spreads future seeds far from the game's own


def future_seeds(base: int, futures: int) -> np.ndarray:
    """The seeds of the futures that continue the game of seed `base`."""
    steps = np.arange(1, futures + 1, dtype=np.int64)
    return (base + FUTURE_SEED_STRIDE * steps) % (MAX_SEED + 1)


def futures_of(state: BatchState, futures: int) -> BatchState:
    """One game's state, copied into `futures` games that go on under the future seeds."""
    tiled = BatchState(
        **{
            name: (value if name == "turn" else np.repeat(np.asarray(value), futures, axis=0))
            for name, value in vars(state).items()
        }
    )
    return replace(tiled, seeds=future_seeds(int(state.seeds[0]), futures))


@functools.lru_cache(maxsize=16)
def _future_draws(base: int, futures: int, turn: int) -> dict[str, np.ndarray]:
    """The futures' draws for one turn: the same at every decision change, so kept.

    Sixteen turns of a thousand futures are about 6 MB. The arrays are read-only, so
    no caller can change the world another forecast sees.
    """
    draws = turn_uniforms(future_seeds(base, futures), turn)
    for values in draws.values():
        values.flags.writeable = False
    return draws


def forecast_fan(
    scenario: Scenario, state: BatchState, decisions: Decisions, futures: int = 1000
) -> Fan:
    """What the rest of the game may cost if these decisions are kept, over `futures` worlds.

    `state` is a single game's kernel state; each future continues it under another
    seed, so the fan shows the spread of luck, not of the player's choices.
    """
    if state.size != 1:
        raise ValueError("forecast_fan continues one game")
    remaining = scenario.level.turns - state.turn
    if remaining <= 0:
        return Fan((), (), (), (), 0.0, 0.0, 0.0, futures)
    base = int(state.seeds[0])
    draws = [
        _future_draws(base, futures, turn)
        for turn in range(state.turn + 1, state.turn + 1 + remaining)
    ]
    start = futures_of(state, futures)
    result = play_batch(scenario, start.seeds, [decisions] * remaining, start=start, draws=draws)
    spend = result.spend_cents / 100.0
    p10, p50, p90 = np.quantile(spend, [0.1, 0.5, 0.9], axis=0)
    totals = np.quantile(spend.sum(axis=1), [0.1, 0.5, 0.9])
    return Fan(
        turns=tuple(range(state.turn + 1, scenario.level.turns + 1)),
        p10=tuple(float(x) for x in p10),
        p50=tuple(float(x) for x in p50),
        p90=tuple(float(x) for x in p90),
        total_p10=float(totals[0]),
        total_p50=float(totals[1]),
        total_p90=float(totals[2]),
        futures=futures,
    )
