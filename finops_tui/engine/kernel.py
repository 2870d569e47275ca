"""The cost engine's kernel: one budget period for a batch of games at once.

Every quantity is an array over the batch (seeds, or decision variants, or both), so
the same code resolves one game (a batch of one) or ten thousand. Money is added up in
integer cents: each ledger line is rounded once, and totals are sums of lines.

`resolve` is a pipeline of pure stages (finops_tui/engine/stages/), each a function
from explicit arrays to a small named tuple of arrays:

1. world.py        the world's events: this turn's draws, scheduled and random events
2. training.py     training: 6ND GPU-hours, checkpoints, spot preemptions, shipping
3. inference.py    inference: demand, an API or our own GPUs, the latency SLA
4. side_work.py    idle, dev and runaway work, and the practices that catch them
5. commitments.py  commitments bought, for their whole term
   billing.py      the ledger lines: compute, commitments, services, practices
6. totals.py       totals and KPIs, and the state carried to the next turn
7. outcomes.py     what each event did, in hours and cents
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finops_tui.engine.batch_state import BatchState, initial_state
from finops_tui.engine.decision_arrays import DecisionArrays
from finops_tui.engine.practices import estate_gpus
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.stages.billing import (
    bill_commitments,
    bill_compute,
    bill_practices,
    bill_services,
    current_rates,
)
from finops_tui.engine.stages.commitments import buy_commitments
from finops_tui.engine.stages.inference import serve
from finops_tui.engine.stages.money import Line
from finops_tui.engine.stages.outcomes import EventOutcome, event_outcomes
from finops_tui.engine.stages.period import Period
from finops_tui.engine.stages.side_work import dev_environment, idle_clusters, runaway_jobs
from finops_tui.engine.stages.totals import add_up, next_state, turn_kpis
from finops_tui.engine.stages.training import train
from finops_tui.engine.stages.usage import Usage
from finops_tui.engine.stages.world import turn_draws, world_events

__all__ = [
    "BatchState",
    "DecisionArrays",
    "EventOutcome",
    "Line",
    "TurnOutput",
    "initial_state",
    "resolve",
]


@dataclass(frozen=True)
class TurnOutput:
    """What one period did, over the batch: its ledger lines, events and KPIs."""

    lines: dict[str, Line]
    events: list[EventOutcome]
    kpis: dict[str, np.ndarray]
    spend: np.ndarray  # cents billed this period
    budget: np.ndarray  # cents
    value: np.ndarray  # cents


def resolve(
    scenario: Scenario,
    state: BatchState,
    decisions: DecisionArrays,
    *,
    quiet: bool = False,
    draws: dict[str, np.ndarray] | None = None,
) -> tuple[BatchState, TurnOutput]:
    """Resolve one period for every game in the batch: the bill, the events, the KPIs.

    `quiet` plays a calm, typical world (median draws, no random events) for estimates.
    `draws` are this turn's `turn_uniforms` for the batch's seeds, when the caller has
    them already (a forecast asks for the same futures at every decision change).
    """
    level = scenario.level
    d = decisions.broadcast(state.size)
    period = Period.of(scenario, state.turn + 1)
    u = draws if draws is not None and not quiet else turn_draws(state.seeds, period.turn, quiet)

    world = world_events(level, state, d, period.turn, u)
    training = train(
        scenario, period, state, d, world.shortage, u["preemption"], u["practice_failure"]
    )
    inference = serve(
        scenario,
        period,
        d,
        world.demand_mult,
        world.surge,
        world.shortage,
        u["demand_noise"][:, 0],
        u["inference_preemption"][:, 0],
        np.where(training.shipped_turn > 0, training.quality, 0.0),
        u["practice_failure"][:, 1],
    )
    dev = dev_environment(scenario, period, state.dev_gpus, d)
    idle = idle_clusters(
        scenario,
        period,
        state.idle_gpus,
        world.new_idle,
        world.idle_start,
        d,
        u["idle_cluster"][:, 3],
    )
    runaway = runaway_jobs(scenario, period, world.runaway_gpus, world.runaway_start, d)
    usage = Usage(training.usage, inference.usage, dev.usage, idle.usage, runaway.usage)

    commitments = buy_commitments(scenario, period, state.commitments, state.committed, usage, d)
    rates = current_rates(scenario, world.price_mult)
    compute = bill_compute(usage, commitments.capacity_hours, rates, d.p_tagging)
    shared_owner = np.where(d.p_allocation > 0, d.p_tagging, 0.0)
    lines = {
        **compute.lines,
        **bill_commitments(commitments, compute, rates, shared_owner),
        **bill_services(period, training, inference, d.p_tagging),
        **bill_practices(
            level.practices,
            period,
            d,
            world.incident_cost,
            estate_gpus(training.usage.gpus, inference.usage.gpus, dev.gpus),
            training.flagged,
        ),
    }

    totals = add_up(
        scenario,
        period,
        lines,
        world.budget_mult,
        training.value + inference.value,
        usage,
        compute,
        commitments,
        (
            training.energy_kwh,
            inference.energy_kwh,
            dev.energy_kwh,
            idle.energy_kwh,
            runaway.energy_kwh,
        ),
        state.last_forecast,
    )
    new_state = next_state(
        state, period, totals, d.forecast, world, training, inference, dev, idle, commitments
    )
    return new_state, TurnOutput(
        lines=lines,
        events=event_outcomes(level, world, lines, runaway, idle, rates),
        kpis=turn_kpis(totals, training, inference, dev, idle),
        spend=totals.spend,
        budget=totals.budget,
        value=totals.value,
    )
