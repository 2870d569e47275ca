"""Game KPIs and the score: unit economics and business value, not raw dollars saved."""

from __future__ import annotations

import numpy as np

from finops_tui.engine.kernel import BatchState
from finops_tui.engine.level import Level
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.stages.commitments import obligation_cents


def game_kpis(scenario: Scenario, state: BatchState) -> dict[str, np.ndarray]:
    """The KPIs of the games so far, over the batch, as the level's scoring names them.

    When the level has ended, commitments still running are an obligation: their
    remaining cost (less any resale the level allows) counts in ROI and net value.
    """
    level = scenario.level
    owed = (
        obligation_cents(scenario, state.commitments, state.turn) / 100.0
        if state.turn >= level.turns
        else np.zeros(state.size)
    )
    spend = state.cum_spend / 100.0 + owed
    value = state.cum_value / 100.0
    played = max(state.turn, 1)
    effective = np.maximum(state.cum_effective, 1)
    if level.training is not None:
        quality = state.quality
        # A model shipped no better than the one it replaces was not delivered at all.
        on_time = np.where((state.shipped_turn > 0) & (quality > 0), state.ship_factor, 0.0)
    else:
        quality = np.where(
            state.cum_requests > 0,
            state.cum_served_quality / np.maximum(state.cum_requests - state.cum_missed, 1e-9),
            0.0,
        )
        on_time = np.ones(state.size)
    served = np.where(
        state.cum_requests > 0,
        1.0 - state.cum_missed / np.maximum(state.cum_requests, 1e-9),
        1.0,
    )
    delivered = np.ones(state.size)
    if level.training is not None:
        delivered = np.minimum(delivered, state.quality)
    if level.inference is not None:
        delivered = np.minimum(delivered, served)
    return {
        "delivered": delivered,
        "roi": np.where(spend > 0, (value - spend) / np.maximum(spend, 1e-9), 0.0),
        "net_value_usd": value - spend,
        "budget_adherence": state.turns_in_budget / played,
        "overspend_share": state.cum_overspend / np.maximum(state.cum_budget, 1),
        "waste_share": np.where(
            state.cum_resource_effective > 0,
            state.cum_waste / np.maximum(state.cum_resource_effective, 1),
            0.0,
        ),
        "allocation_coverage": np.where(
            state.cum_effective > 0, state.cum_allocated / effective, 0.0
        ),
        "forecast_accuracy": np.where(
            state.forecast_turns > 0,
            1.0 - state.forecast_error_sum / np.maximum(state.forecast_turns, 1),
            0.0,
        ),
        "model_quality": quality,
        "on_time": on_time,
        "sla_attainment": served,
        "unit_cost_per_1k_requests": np.where(
            state.cum_requests > 0,
            state.cum_inference_cost / 100.0 / np.maximum(state.cum_requests, 1e-9) * 1000.0,
            0.0,
        ),
        "co2e_kg": state.co2e_kg,
        "commitment_utilization": np.where(
            state.commit_capacity_hours > 0,
            state.commit_used_hours / np.maximum(state.commit_capacity_hours, 1e-9),
            1.0,
        ),
        "commitment_obligation_usd": owed,
        "safety": np.where(state.incidents > 0, 0.0, 1.0),
    }


# KPIs that measure the delivery itself; every other KPI (waste, budget, tags, unit
# cost...) measures how well something was delivered, and counts only as much as it was.
# Delivering at least this share (of the quality sought, of the requests answered in
# time) earns full credit for how it was done; less earns proportionally less.
FULL_CREDIT_DELIVERY = 0.5
DELIVERY_KPIS = frozenset({"roi", "net_value_usd", "model_quality", "on_time", "sla_attainment"})


def score_components(level: Level, kpis: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each scoring component's points, over the batch.

    Delivering nothing earns nothing: a model never trained or a product never served
    wastes nothing and stays within budget, and scores no points for it.
    """
    delivered = np.clip(np.asarray(kpis.get("delivered", 1.0)) / FULL_CREDIT_DELIVERY, 0.0, 1.0)
    out = {}
    for c in level.scoring.components:
        share = np.clip((kpis[c.kpi] - c.bad) / (c.good - c.bad), 0.0, 1.0)
        if c.kpi not in DELIVERY_KPIS:
            share = share * delivered
        out[c.kpi] = share * c.weight
    return out


def score(level: Level, kpis: dict[str, np.ndarray]) -> np.ndarray:
    """The score out of 100, rounded to a tenth so it is stable across machines."""
    total_weight = sum(c.weight for c in level.scoring.components)
    points = sum(score_components(level, kpis).values())
    return np.round(np.asarray(points) * 100.0 / total_weight, 1)


def stars(level: Level, scores: np.ndarray) -> np.ndarray:
    thresholds = np.asarray(level.scoring.stars)
    return (np.asarray(scores)[..., None] >= thresholds).sum(axis=-1)
