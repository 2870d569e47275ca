"""Role lenses: the same game seen by IT, Finance or Data Science. No Textual here.

A lens changes what leads, never what is true: the dashboards put the role's own
measures first, and the advisor frames the same fact in the role's terms.
"""

from __future__ import annotations

from dataclasses import dataclass

from finops_tui.engine.level import Level
from finops_tui.engine.state import GameState
from finops_tui.gameplay.format import KPI_INFO, kpi_concept, kpi_label, kpi_value, pct, usd


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    cares: str  # what the role answers for, in one line
    metrics: tuple[str, ...]  # what leads its dashboards, in order


ROLES: dict[str, Role] = {
    "it": Role(
        "it",
        "IT",
        "capacity, commitments, utilization and the service level",
        (
            "commitment_utilization",
            "commitment_coverage",
            "waste_share",
            "waste_usd",
            "sla_attainment",
            "unit_cost_per_1k_requests",
        ),
    ),
    "finance": Role(
        "finance",
        "Finance",
        "spend against budget, forecasts, who pays, and the return",
        ("spend_vs_budget", "budget_adherence", "forecast_accuracy", "allocation_coverage", "roi"),
    ),
    "data-science": Role(
        "data-science",
        "Data Science",
        "model quality, training progress, lost work and shipping on time",
        ("model_quality", "loss", "tokens_trained", "lost_gpu_hours", "on_time"),
    ),
}
# The order the lens key cycles through; "" is no lens (the level's own order).
LENS_CYCLE: tuple[str, ...] = ("", "it", "finance", "data-science")

# Measures a lens shows that are not game KPIs: label, unit and codex entry.
METRIC_INFO: dict[str, tuple[str, str, str]] = {
    "spend_vs_budget": ("Spend vs budget", "pct", "budgets-alerts"),
    "commitment_coverage": ("Commitment coverage (last)", "pct", "commitments"),
    "waste_usd": ("Waste so far", "usd", "waste"),
    "loss": ("Model loss (last)", "loss", "chinchilla"),
    "tokens_trained": ("Tokens trained", "tokens", "training-compute"),
    "lost_gpu_hours": ("GPU-hours lost", "hours", "spot"),
}


@dataclass(frozen=True)
class LeadMetric:
    key: str
    label: str
    value: str


def role(role_id: str | None) -> Role | None:
    """The role of a lens id; None for no lens (or an unknown id)."""
    return ROLES.get(role_id or "")


def next_lens(current: str | None) -> str:
    """The lens after `current` in the cycle: none, IT, Finance, Data Science, none..."""
    now = current if current in LENS_CYCLE else ""
    return LENS_CYCLE[(LENS_CYCLE.index(now) + 1) % len(LENS_CYCLE)]


def lens_name(role_id: str | None) -> str:
    found = role(role_id)
    return found.name if found is not None else "none"


def relevant(metric: str, level: Level) -> bool:
    """Whether a measure means something in this level (what it offers and scores)."""
    training, inference = level.training, level.inference
    pricing = set(training.pricing if training else []) | set(
        inference.pricing if inference else []
    )
    scored = {c.kpi for c in level.scoring.components}
    if metric in ("model_quality", "loss", "tokens_trained", "on_time", "lost_gpu_hours"):
        if training is None:
            return False
        return metric != "lost_gpu_hours" or "spot" in training.pricing
    if metric in ("sla_attainment", "unit_cost_per_1k_requests"):
        return inference is not None
    if metric in ("commitment_utilization", "commitment_coverage"):
        return bool(pricing & {"commit-1y", "commit-3y"})
    if metric == "forecast_accuracy":
        return metric in scored  # the forecast is only asked for when it is scored
    return True


def lead_keys(role_id: str | None, level: Level) -> list[str]:
    """The measures a lens puts first in this level, in the role's order."""
    found = role(role_id)
    if found is None:
        return []
    return [m for m in found.metrics if relevant(m, level)]


def lead_first(keys: list[str], role_id: str | None, level: Level) -> list[str]:
    """`keys` with the lens's measures first (adding the ones `keys` lacks), the rest after."""
    lead = lead_keys(role_id, level)
    return lead + [k for k in keys if k not in lead]


def metric_value(metric: str, state: GameState) -> float | None:
    """A measure of the game so far; None before the first period."""
    history = state.history
    if not history:
        return None
    if metric in KPI_INFO:
        return state.game_kpis.get(metric)
    last = history[-1].kpis
    if metric == "spend_vs_budget":
        budget = sum(r.budget_usd for r in history)
        return sum(r.spend_usd for r in history) / budget if budget else None
    if metric == "waste_usd":
        return sum(r.kpis.get("waste_usd") or 0.0 for r in history)
    if metric == "lost_gpu_hours":
        return sum(r.kpis.get("lost_gpu_hours") or 0.0 for r in history)
    return last.get(metric)


def metric_text(metric: str, value: float | None) -> str:
    """A measure in its own unit: 97%, $1,234, 2.31, 20.5B tokens, 1,234 GPU-h."""
    if metric in KPI_INFO or metric not in METRIC_INFO:
        return kpi_value(metric, value)
    if value is None:
        return "-"
    kind = METRIC_INFO[metric][1]
    if kind == "pct":
        return pct(value)
    if kind == "usd":
        return usd(value)
    if kind == "loss":
        return f"{value:.3f}"
    if kind == "tokens":
        return f"{value / 1e9:,.1f}B"
    return f"{value:,.0f} GPU-h"


def metric_label(metric: str) -> str:
    return METRIC_INFO[metric][0] if metric in METRIC_INFO else kpi_label(metric)


def metric_concept(metric: str) -> str:
    return METRIC_INFO[metric][2] if metric in METRIC_INFO else kpi_concept(metric)


def lead_metrics(role_id: str | None, level: Level, state: GameState) -> list[LeadMetric]:
    """The lens's measures for this game so far, ready to show."""
    return [
        LeadMetric(key, metric_label(key), metric_text(key, metric_value(key, state)))
        for key in lead_keys(role_id, level)
    ]
