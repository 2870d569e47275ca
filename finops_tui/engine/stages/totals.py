"""Stage 6, totals and KPIs: the period's sums, the state carried to the next turn.

Totals are sums of whole-cent ledger lines, so the bill always adds up to the cent.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from finops_tui.engine.batch_state import BatchState
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.stages.billing import ComputeBill
from finops_tui.engine.stages.commitments import Commitments
from finops_tui.engine.stages.inference import Inference
from finops_tui.engine.stages.money import Line, cents
from finops_tui.engine.stages.period import Period
from finops_tui.engine.stages.side_work import DevEnvironment, IdleClusters
from finops_tui.engine.stages.training import Training
from finops_tui.engine.stages.usage import Usage
from finops_tui.engine.stages.world import World

# Lines that are not resources: a practice's hours cannot be idle, so they must not
# dilute the waste share of what the resources cost.
OVERHEAD_LINES = ("practice.", "incident.")


class Totals(NamedTuple):
    """The period's totals over the batch. Money in integer cents."""

    spend: np.ndarray  # billed
    effective: np.ndarray
    resource_effective: np.ndarray  # effective cost of resources: no practice, no incident
    allocated: np.ndarray  # effective cost with an owner
    waste: np.ndarray  # effective cost that bought nothing
    budget: np.ndarray
    value: np.ndarray
    inference_cost: np.ndarray  # effective
    commitment_used_hours: np.ndarray
    commitment_capacity_hours: np.ndarray
    eligible_hours: np.ndarray  # GPU-hours a commitment could have covered
    energy_kwh: np.ndarray  # facility energy: the GPUs' PUE-adjusted power x hours
    co2e_kg: np.ndarray
    forecast_made: np.ndarray  # bool: a forecast of this period was made last turn
    forecast_error: np.ndarray  # |spend - forecast| / forecast (1 when none was made)


def add_up(
    scenario: Scenario,
    period: Period,
    lines: dict[str, Line],
    budget_mult: np.ndarray,
    value_usd: np.ndarray,
    usage: Usage,
    compute: ComputeBill,
    commitments: Commitments,
    device_kwh: tuple[np.ndarray, ...],
    last_forecast: np.ndarray,
) -> Totals:
    """The period's totals; `device_kwh` is each workload's energy, PUE-adjusted power."""
    # The lines' money columns as one array: summing integer cents in any order is exact.
    money = np.array(
        [(line.billed, line.effective, line.allocated, line.waste) for line in lines.values()]
    )
    spend, effective, allocated, waste = money.sum(axis=0)
    energy = sum(device_kwh[1:], device_kwh[0])  # power_w is PUE-adjusted: once only
    forecast_made = last_forecast > 0
    forecast_error = np.where(
        forecast_made,
        np.abs(spend / 100.0 - last_forecast) / np.maximum(last_forecast, 1e-9),
        1.0,
    )
    return Totals(
        spend=spend,
        effective=effective,
        resource_effective=effective
        - sum(
            (line.effective for k, line in lines.items() if k.startswith(OVERHEAD_LINES)),
            np.zeros_like(effective),
        ),
        allocated=allocated,
        waste=waste,
        budget=cents(scenario.level.budget_for(period.turn) * budget_mult),
        value=cents(value_usd),
        inference_cost=sum(lines[k].effective for k in lines if k.startswith("inference.")),
        commitment_used_hours=compute.used_hours.sum(axis=(1, 2)),
        commitment_capacity_hours=commitments.capacity_hours.sum(axis=(1, 2)),
        eligible_hours=sum(use.other_hours for use in usage),
        energy_kwh=energy,
        co2e_kg=energy * scenario.catalog.energy.grid_kg_co2e_per_kwh,
        forecast_made=forecast_made,
        forecast_error=forecast_error,
    )


def next_state(
    state: BatchState,
    period: Period,
    totals: Totals,
    forecast: np.ndarray,
    world: World,
    training: Training,
    inference: Inference,
    dev: DevEnvironment,
    idle: IdleClusters,
    commitments: Commitments,
) -> BatchState:
    """The state after this period: running sums grow, the world's changes persist."""
    counts_forecast = period.turn > 1  # the first turn has no forecast to score
    return replace(
        state,
        turn=period.turn,
        cum_spend=state.cum_spend + totals.spend,
        cum_value=state.cum_value + totals.value,
        cum_budget=state.cum_budget + totals.budget,
        cum_overspend=state.cum_overspend + np.maximum(0, totals.spend - totals.budget),
        cum_waste=state.cum_waste + totals.waste,
        cum_effective=state.cum_effective + totals.effective,
        cum_resource_effective=state.cum_resource_effective + totals.resource_effective,
        cum_allocated=state.cum_allocated + totals.allocated,
        turns_in_budget=state.turns_in_budget + (totals.spend <= totals.budget),
        forecast_turns=state.forecast_turns + int(counts_forecast),
        forecast_error_sum=state.forecast_error_sum
        + (np.minimum(totals.forecast_error, 1.0) if counts_forecast else 0.0),
        last_forecast=np.asarray(forecast, dtype=float).copy(),
        tokens_done=training.tokens_done,
        train_params=training.train_params,
        quality=training.quality,
        shipped_turn=training.shipped_turn,
        ship_factor=training.ship_factor,
        cum_requests=state.cum_requests + inference.requests,
        cum_missed=state.cum_missed + inference.missed,
        cum_served_quality=state.cum_served_quality + inference.served_quality,
        cum_inference_cost=state.cum_inference_cost + totals.inference_cost,
        energy_kwh=state.energy_kwh + totals.energy_kwh,
        co2e_kg=state.co2e_kg + totals.co2e_kg,
        commit_used_hours=state.commit_used_hours + totals.commitment_used_hours,
        commit_capacity_hours=state.commit_capacity_hours + totals.commitment_capacity_hours,
        incidents=state.incidents + (world.incident_cost > 0),
        dev_gpus=dev.gpus,
        idle_gpus=idle.gpus,
        price_mult=world.price_mult,
        budget_mult=world.budget_mult,
        demand_mult=world.demand_mult,
        commitments=commitments.schedule,
        committed=commitments.ever,
    )


def turn_kpis(
    totals: Totals,
    training: Training,
    inference: Inference,
    dev: DevEnvironment,
    idle: IdleClusters,
) -> dict[str, np.ndarray]:
    """The period's KPIs, per game (NaN where a KPI has no meaning this period)."""
    requests, missed = inference.requests, inference.missed
    effective, allocated = totals.effective, totals.allocated
    used_h, eligible_h = totals.commitment_used_hours, totals.eligible_hours
    capacity_h = totals.commitment_capacity_hours
    return {
        "spend_usd": totals.spend / 100.0,
        "budget_usd": totals.budget / 100.0,
        "value_usd": totals.value / 100.0,
        "waste_usd": totals.waste / 100.0,
        "allocation_coverage": np.where(effective > 0, allocated / np.maximum(effective, 1), 1.0),
        "commitment_coverage": np.where(
            eligible_h > 0, used_h / np.maximum(eligible_h, 1e-12), 0.0
        ),
        "commitment_utilization": np.where(
            capacity_h > 0, used_h / np.maximum(capacity_h, 1e-12), np.nan
        ),
        "forecast_variance": np.where(totals.forecast_made, totals.forecast_error, np.nan),
        "loss": training.loss,
        "model_quality": training.quality,
        "tokens_trained": training.tokens_done,
        "preemptions": training.preemptions.astype(float),
        "false_positives": training.flagged.astype(float),
        "schedule_stops": training.stopped.astype(float),
        "serving_stops": inference.stopped.astype(float),
        "lost_gpu_hours": training.lost_gpu_hours,
        "requests": requests,
        "sla_miss_rate": np.where(requests > 0, missed / np.maximum(requests, 1e-12), 0.0),
        "unit_cost_per_1k_requests": np.where(
            requests > 0,
            totals.inference_cost / 100.0 / np.maximum(requests, 1e-12) * 1000.0,
            0.0,
        ),
        "idle_gpus": idle.gpus,
        "dev_gpus": dev.gpus,
        "energy_kwh": totals.energy_kwh,
        "co2e_kg": totals.co2e_kg,
    }
