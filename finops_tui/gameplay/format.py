"""How the game shows money, shares and KPIs: one place, so every screen agrees."""

from __future__ import annotations

from finops_tui.content.targets import decimals_for, target_met
from finops_tui.engine.level import Level, ScoreComponent

PRICING_LABELS = {
    "on-demand": "On-demand",
    "spot": "Spot",
    "commit-1y": "Commit 1 year",
    "commit-3y": "Commit 3 years",
}
PRACTICE_LABELS = {
    "tagging": "Tagging",
    "budget_alerts": "Budget alerts",
    "anomaly_detection": "Anomaly detection",
    "shutdown_schedule": "Scheduled shutdown",
    "schedule_scope": "Schedule scope",
    "rightsizing": "Rightsizing review",
    "allocation": "Cost allocation",
    "safety_evaluation": "Safety evaluation",
}

# How each game KPI reads: its label, its kind (how to format it) and its codex entry.
KPI_INFO: dict[str, tuple[str, str, str]] = {
    "roi": ("Return on spend (ROI)", "ratio", "roi"),
    "net_value_usd": ("Net value", "usd", "roi"),
    "budget_adherence": ("Periods within budget", "pct", "budgets-alerts"),
    "overspend_share": ("Overspend", "pct", "budgets-alerts"),
    "waste_share": ("Waste", "pct", "waste"),
    "allocation_coverage": ("Spend with an owner", "pct", "allocation"),
    "forecast_accuracy": ("Forecast accuracy", "pct", "forecast-variance"),
    "model_quality": ("Model quality", "pct", "chinchilla"),
    "on_time": ("Shipped on time", "pct", "training-compute"),
    "sla_attainment": ("Requests within the SLA", "pct", "inference-memory"),
    "unit_cost_per_1k_requests": ("Unit cost per 1k requests", "usd2", "unit-economics"),
    "co2e_kg": ("Emissions", "kg", "carbon"),
    "commitment_utilization": ("Commitment utilization", "pct", "commitments"),
    "commitment_obligation_usd": ("Commitments owed", "usd", "commitments"),
    "safety": ("No safety incident", "pct", "responsible-ai"),
}


def usd(value: float | None) -> str:
    """$1,234 (whole dollars); negative amounts read -$1,234."""
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def usd_delta(value: float) -> str:
    """+$120 or -$1,419: a change, always signed."""
    if round(value) == 0:
        return "±$0"
    return ("+" if value > 0 else "-") + f"${abs(value):,.0f}"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


# Each kind's display: what it multiplies by, and its usual decimals.
KIND_SCALE: dict[str, tuple[float, int]] = {
    "pct": (100.0, 0),
    "usd": (1.0, 0),
    "usd2": (1.0, 2),
    "kg": (1.0, 0),
    "ratio": (1.0, 2),
}


def kpi_value(kpi: str, value: float | None, decimals: int | None = None) -> str:
    """A game KPI in its own unit: 73%, 6.13, $0.42, 190 kg (`decimals` to say more)."""
    if value is None:
        return "-"
    kind = KPI_INFO.get(kpi, ("", "ratio", ""))[1]
    n = KIND_SCALE.get(kind, KIND_SCALE["ratio"])[1] if decimals is None else decimals
    if kind == "pct":
        return f"{value:.{n}%}"
    if kind in ("usd", "usd2"):
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(value):,.{n}f}"
    if kind == "kg":
        return f"{value:,.{n}f} kg"
    return f"{value:.{n}f}"


def _decimals(component: ScoreComponent, value: float | None) -> int:
    kind = KPI_INFO.get(component.kpi, ("", "ratio", ""))[1]
    scale, base = KIND_SCALE.get(kind, KIND_SCALE["ratio"])
    return decimals_for(component, value, scale, base)


def kpi_against_target(component: ScoreComponent, value: float | None) -> str:
    """A scored KPI precise enough that a missed target never reads as the target."""
    return kpi_value(component.kpi, value, _decimals(component, value))


def kpi_label(kpi: str) -> str:
    return KPI_INFO.get(kpi, (kpi.replace("_", " "), "", ""))[0]


def kpi_concept(kpi: str) -> str:
    return KPI_INFO.get(kpi, ("", "", "finops-phases"))[2]


def target(component: ScoreComponent) -> str:
    """What a scoring component asks for: '>= 90%' or '<= $0.30'."""
    sign = ">=" if component.good > component.bad else "<="
    return f"{sign} {kpi_value(component.kpi, component.good, _decimals(component, None))}"


def met_mark(component: ScoreComponent, value: float | None) -> str:
    """' ✓' beside a value that met its target at full precision; blank otherwise."""
    return " ✓" if target_met(component, value) else "  "


def stars(count: int, out_of: int = 3) -> str:
    """Stars earned, filled and empty: two of three reads '★★☆'."""
    return "★" * count + "☆" * (out_of - count)


def gpu_label(label: str) -> str:
    """'NVIDIA H100 SXM 80GB' -> 'H100 80GB': short enough for a narrow terminal."""
    return label.removeprefix("NVIDIA ").replace(" SXM", "").strip()


def number_text(value: float) -> str:
    """A number as a player would type it: 20, 20.5, 0.25; never 2e+10."""
    value = round(value, 6)
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def period_name(level: Level) -> str:
    return level.period or "period"
