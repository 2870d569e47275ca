"""The state of a batch of games between turns, as arrays with the batch first."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from finops_tui.engine.catalog import GPU_NAMES
from finops_tui.engine.scenario import Scenario

N_GPU = len(GPU_NAMES)


@dataclass(frozen=True)
class BatchState:
    """The state of a batch of games between turns; every field has the batch first."""

    turn: int
    seeds: np.ndarray
    cum_spend: np.ndarray  # cents
    cum_value: np.ndarray  # cents
    cum_budget: np.ndarray  # cents
    cum_overspend: np.ndarray  # cents
    cum_waste: np.ndarray  # cents (effective cost)
    cum_effective: np.ndarray  # cents
    cum_resource_effective: np.ndarray  # cents: what resources cost, practices left out
    cum_allocated: np.ndarray  # cents (effective cost with an owner)
    turns_in_budget: np.ndarray
    forecast_turns: np.ndarray
    forecast_error_sum: np.ndarray
    last_forecast: np.ndarray  # US$, 0 when none was made
    tokens_done: np.ndarray
    train_params: np.ndarray
    quality: np.ndarray  # 0..1 for the trained model
    shipped_turn: np.ndarray  # 0 while not shipped
    ship_factor: np.ndarray  # share of value kept for lateness when shipped
    cum_requests: np.ndarray
    cum_missed: np.ndarray
    cum_served_quality: np.ndarray  # requests x quality
    cum_inference_cost: np.ndarray  # cents
    energy_kwh: np.ndarray
    co2e_kg: np.ndarray
    commit_used_hours: np.ndarray
    commit_capacity_hours: np.ndarray
    incidents: np.ndarray
    dev_gpus: np.ndarray
    idle_gpus: np.ndarray
    price_mult: np.ndarray  # (batch, gpu)
    budget_mult: np.ndarray
    demand_mult: np.ndarray
    commitments: np.ndarray  # (batch, term [1y, 3y], gpu, period) GPUs committed
    committed: np.ndarray  # (batch, term, gpu) bool: ever committed, in any period

    @property
    def size(self) -> int:
        return int(self.seeds.shape[0])


def initial_state(scenario: Scenario, seeds: np.ndarray) -> BatchState:
    """The state of every game in the batch before its first turn."""
    seeds = np.asarray(seeds, dtype=np.int64)
    b = seeds.shape[0]
    level = scenario.level
    # A fresh array per field: no two fields may ever share memory.
    values: dict[str, object] = {f.name: np.zeros(b) for f in fields(BatchState)}
    values.update(
        turn=0,
        seeds=seeds,
        cum_spend=np.zeros(b, dtype=np.int64),
        cum_value=np.zeros(b, dtype=np.int64),
        cum_budget=np.zeros(b, dtype=np.int64),
        cum_overspend=np.zeros(b, dtype=np.int64),
        cum_waste=np.zeros(b, dtype=np.int64),
        cum_effective=np.zeros(b, dtype=np.int64),
        cum_resource_effective=np.zeros(b, dtype=np.int64),
        cum_allocated=np.zeros(b, dtype=np.int64),
        cum_inference_cost=np.zeros(b, dtype=np.int64),
        turns_in_budget=np.zeros(b, dtype=np.int64),
        forecast_turns=np.zeros(b, dtype=np.int64),
        shipped_turn=np.zeros(b, dtype=np.int64),
        incidents=np.zeros(b, dtype=np.int64),
        train_params=np.full(b, level.training.min_params if level.training else 0.0),
        dev_gpus=np.full(b, level.dev.gpus if level.dev else 0.0),
        price_mult=np.ones((b, N_GPU)),
        budget_mult=np.ones(b),
        demand_mult=np.ones(b),
        commitments=np.zeros((b, 2, N_GPU, scenario.horizon), dtype=np.int64),
        committed=np.zeros((b, 2, N_GPU), dtype=bool),
    )
    return BatchState(**values)  # type: ignore[arg-type]
