"""The cost engine's kernel: one budget period for a batch of games at once.

Every quantity is an array over the batch (seeds, or decision variants, or both), so
the same code resolves one game (a batch of one) or ten thousand. Money is added up in
integer cents: each ledger line is rounded once, and totals are sums of lines.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from finops_tui.engine.batch_state import BatchState, initial_state
from finops_tui.engine.decision_arrays import DecisionArrays
from finops_tui.engine.rng import STREAMS
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
from finops_tui.engine.stages.money import Line, cents
from finops_tui.engine.stages.period import Period
from finops_tui.engine.stages.side_work import dev_environment, idle_clusters, runaway_jobs
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

WORKLOADS = ("training", "inference", "dev", "idle", "runaway")
SPOT, ON_DEMAND, COMMIT_1Y, COMMIT_3Y = "spot", "on-demand", "commit-1y", "commit-3y"
MAX_PREEMPTIONS = STREAMS["preemption"][1] - 1
HOURS_PER_WEEK = 168.0


@dataclass(frozen=True)
class EventOutcome:
    """What one event of the level did this turn, over the batch."""

    index: int  # position in the level's scheduled list, or in its random list
    scheduled: bool
    occurred: np.ndarray
    magnitude: np.ndarray
    hours: np.ndarray
    cost: np.ndarray  # cents


@dataclass(frozen=True)
class TurnOutput:
    lines: dict[str, Line]
    events: list[EventOutcome]
    kpis: dict[str, np.ndarray]
    spend: np.ndarray  # cents billed this period
    budget: np.ndarray  # cents
    value: np.ndarray  # cents


def _pick(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """table[i] for each game's index (empty tables give zeros)."""
    if table.shape[0] == 0:
        return np.zeros(index.shape)
    return table[index]


def _poisson_inverse(u: np.ndarray, lam: np.ndarray, cap: int) -> np.ndarray:
    """The Poisson(lam) count at quantile u, capped; monotone in lam for a fixed u."""
    lam = np.maximum(lam, 0.0)
    pmf = np.exp(-lam)
    cdf = pmf.copy()
    count = np.zeros(u.shape, dtype=np.int64)
    for k in range(1, cap + 1):
        above = u >= cdf
        if not above.any():
            break  # the CDF only grows: no count can increase any more
        count += above
        pmf = pmf * lam / k
        cdf = cdf + pmf
    return count


def resolve(
    scenario: Scenario,
    state: BatchState,
    decisions: DecisionArrays,
    *,
    quiet: bool = False,
    draws: dict[str, np.ndarray] | None = None,
) -> tuple[BatchState, TurnOutput]:
    """Resolve one period for every game in the batch: the bill, the events, the KPIs.

    `draws` are this turn's `turn_uniforms` for the batch's seeds, when the caller has
    them already (a forecast asks for the same futures at every decision change).
    """
    level = scenario.level
    b = state.size
    t = state.turn + 1
    d = decisions.broadcast(b)
    u = draws if draws is not None and not quiet else turn_draws(state.seeds, t, quiet)
    rows = np.arange(b)

    # --- The world this turn: persistent changes, then this period's shocks.
    world = world_events(level, state, d, t, u)
    price_mult, budget_mult, demand_mult = world.price_mult, world.budget_mult, world.demand_mult
    surge, shortage, incident_cost = world.surge, world.shortage, world.incident_cost
    runaway_gpus, runaway_start = world.runaway_gpus, world.runaway_start
    new_idle, idle_start = world.new_idle, world.idle_start

    od_rate = scenario.rates[0][None, :] * price_mult  # (b, gpu)

    # --- Training: GPU-hours from 6ND, checkpoints, spot preemptions, shipping.
    period = Period.of(scenario, t)
    training = train(scenario, period, state, d, shortage, u["preemption"])
    usage: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    usage["training"] = training.usage[:4]
    tokens_done, train_params, quality = (
        training.tokens_done,
        training.train_params,
        training.quality,
    )
    shipped_turn, ship_factor, value = training.shipped_turn, training.ship_factor, training.value
    lost_gpu_h, preemptions = training.lost_gpu_hours, training.preemptions
    train_energy, loss = training.energy_kwh, training.loss

    # --- Inference: demand, the API or our own GPUs, the latency SLA.
    inference = serve(
        scenario,
        period,
        d,
        demand_mult,
        surge,
        shortage,
        u["demand_noise"][:, 0],
        u["inference_preemption"][:, 0],
    )
    requests, missed, served_quality = (
        inference.requests,
        inference.missed,
        inference.served_quality,
    )
    inf_energy = inference.energy_kwh
    usage["inference"] = inference.usage[:4]
    value = value + inference.value

    # --- Dev environment, forgotten clusters and runaway jobs.
    dev = dev_environment(scenario, period, state.dev_gpus, d)
    idle = idle_clusters(
        scenario, period, state.idle_gpus, new_idle, idle_start, d, u["idle_cluster"][:, 3]
    )
    runaway = runaway_jobs(scenario, period, runaway_gpus, runaway_start, d)
    dev_gpus = dev.gpus
    idle_gpus, idle_hours_new, idle_gpu_idx = idle.gpus, idle.new_hours, idle.usage.gpu
    runaway_hours = runaway.hours
    usage["dev"] = dev.usage[:4]
    usage["idle"] = idle.usage[:4]
    usage["runaway"] = runaway.usage[:4]
    costs = level.practices

    # --- Commitments and billing.
    all_usage = Usage(training.usage, inference.usage, dev.usage, idle.usage, runaway.usage)
    bought = buy_commitments(scenario, period, state.commitments, state.committed, all_usage, d)
    commitments, ever_committed = bought.schedule, bought.ever
    capacity_h = bought.capacity_hours
    rates = current_rates(scenario, world.price_mult)
    od_rate = rates.on_demand
    tagged = d.p_tagging
    compute = bill_compute(all_usage, capacity_h, rates, tagged)
    used_by_term = compute.used_hours
    shared_owner = np.where(d.p_allocation > 0, tagged, 0.0)
    lines = {
        **compute.lines,
        **bill_commitments(bought, compute, rates, shared_owner),
        **bill_services(period, training, inference, tagged),
        **bill_practices(costs, period, d, incident_cost),
    }

    # --- Totals and KPIs.
    spend = sum(line.billed for line in lines.values())
    effective = sum(line.effective for line in lines.values())
    allocated = sum(line.allocated for line in lines.values())
    waste = sum(line.waste for line in lines.values())
    base_budget = level.budget_for(t)
    budget = cents(base_budget * budget_mult)
    value_cents = cents(value)
    inference_cost = sum(lines[k].effective for k in lines if k.startswith("inference."))
    commit_used_h = used_by_term.sum(axis=(1, 2))
    commit_cap_h = capacity_h.sum(axis=(1, 2))
    eligible_h = sum(usage[w][2] for w in WORKLOADS)
    energy = (
        train_energy + inf_energy + dev.energy_kwh + idle.energy_kwh + runaway.energy_kwh
    ) * scenario.catalog.energy.pue
    co2e = energy * scenario.catalog.energy.grid_kg_co2e_per_kwh

    forecast_made = state.last_forecast > 0
    spend_usd = spend / 100.0
    forecast_error = np.where(
        forecast_made,
        np.abs(spend_usd - state.last_forecast) / np.maximum(state.last_forecast, 1e-9),
        1.0,
    )
    counts_forecast = t > 1

    new_state = replace(
        state,
        turn=t,
        cum_spend=state.cum_spend + spend,
        cum_value=state.cum_value + value_cents,
        cum_budget=state.cum_budget + budget,
        cum_overspend=state.cum_overspend + np.maximum(0, spend - budget),
        cum_waste=state.cum_waste + waste,
        cum_effective=state.cum_effective + effective,
        cum_allocated=state.cum_allocated + allocated,
        turns_in_budget=state.turns_in_budget + (spend <= budget),
        forecast_turns=state.forecast_turns + int(counts_forecast),
        forecast_error_sum=state.forecast_error_sum
        + (np.minimum(forecast_error, 1.0) if counts_forecast else 0.0),
        last_forecast=np.asarray(d.forecast, dtype=float).copy(),
        tokens_done=tokens_done,
        train_params=train_params,
        quality=quality,
        shipped_turn=shipped_turn,
        ship_factor=ship_factor,
        cum_requests=state.cum_requests + requests,
        cum_missed=state.cum_missed + missed,
        cum_served_quality=state.cum_served_quality + served_quality,
        cum_inference_cost=state.cum_inference_cost + inference_cost,
        energy_kwh=state.energy_kwh + energy,
        co2e_kg=state.co2e_kg + co2e,
        commit_used_hours=state.commit_used_hours + commit_used_h,
        commit_capacity_hours=state.commit_capacity_hours + commit_cap_h,
        incidents=state.incidents + (incident_cost > 0),
        dev_gpus=dev_gpus,
        idle_gpus=idle_gpus,
        price_mult=price_mult,
        budget_mult=budget_mult,
        demand_mult=demand_mult,
        commitments=commitments,
        committed=ever_committed,
    )

    events: list[EventOutcome] = []
    for scheduled, i, on, size in world.fired:
        event = (level.events.scheduled if scheduled else level.events.random)[i]
        ev_hours, ev_cost = np.zeros(b), np.zeros(b, dtype=np.int64)
        if event.kind == "runaway_job":
            ev_hours, ev_cost = (
                runaway_hours,
                _workload_cost(lines, "runaway", b),
            )
        elif event.kind == "idle_cluster":
            ev_hours, ev_cost = (
                idle_hours_new,
                cents(new_idle * idle_hours_new * od_rate[rows, idle_gpu_idx]),
            )
        elif event.kind == "safety_incident":
            ev_cost = cents(incident_cost)
        events.append(EventOutcome(i, scheduled, on, size, ev_hours, ev_cost))

    kpis = {
        "spend_usd": spend / 100.0,
        "budget_usd": budget / 100.0,
        "value_usd": value_cents / 100.0,
        "waste_usd": waste / 100.0,
        "allocation_coverage": np.where(effective > 0, allocated / np.maximum(effective, 1), 1.0),
        "commitment_coverage": np.where(
            eligible_h > 0, commit_used_h / np.maximum(eligible_h, 1e-12), 0.0
        ),
        "commitment_utilization": np.where(
            commit_cap_h > 0, commit_used_h / np.maximum(commit_cap_h, 1e-12), np.nan
        ),
        "forecast_variance": np.where(forecast_made, forecast_error, np.nan),
        "loss": loss,
        "model_quality": quality,
        "tokens_trained": tokens_done,
        "preemptions": preemptions.astype(float),
        "lost_gpu_hours": lost_gpu_h,
        "requests": requests,
        "sla_miss_rate": np.where(requests > 0, missed / np.maximum(requests, 1e-12), 0.0),
        "unit_cost_per_1k_requests": np.where(
            requests > 0, inference_cost / 100.0 / np.maximum(requests, 1e-12) * 1000.0, 0.0
        ),
        "idle_gpus": idle_gpus,
        "dev_gpus": dev_gpus,
        "energy_kwh": energy,
        "co2e_kg": co2e,
    }
    return new_state, TurnOutput(lines, events, kpis, spend, budget, value_cents)


def _workload_cost(lines: dict[str, Line], workload: str, b: int) -> np.ndarray:
    """The effective cost of one workload's compute, whichever way it was bought."""
    total = np.zeros(b, dtype=np.int64)
    for option in (ON_DEMAND, SPOT, COMMIT_1Y, COMMIT_3Y):
        line = lines.get(f"{workload}.{option}")
        if line is not None:
            total = total + line.effective
    return total
