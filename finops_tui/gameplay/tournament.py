"""A tournament of strategies: every plan on the same seeds, ranked by mean score.

Pure: no Textual, no files. The plans come in as decisions per turn; each plays one
batch over the same seeds (common random numbers), so a difference in score is the
plan's, not the luck of the draw. P10 is the risk (a bad year), beside the return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from finops_tui.engine.batch import BatchResult, play_batch
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.scenario import Scenario

DEFAULT_SEEDS = 1000


@dataclass(frozen=True)
class PlanOutcome:
    """One plan over a batch of seeds: its score distribution, spend and KPIs (means)."""

    plan: str
    seeds: int
    mean: float
    p10: float
    p50: float
    p90: float
    spend_mean: float  # US$ over the whole game
    budget_mean: float  # US$ over the whole game
    roi_mean: float
    kpis: dict[str, float] = field(default_factory=dict)  # each game KPI's mean over seeds


@dataclass(frozen=True)
class TournamentRow:
    rank: int
    outcome: PlanOutcome

    def as_json(self) -> dict[str, object]:
        o = self.outcome
        return {
            "plan": o.plan,
            "mean": round(o.mean, 2),
            "p10": round(o.p10, 2),
            "p90": round(o.p90, 2),
            "spend_mean": round(o.spend_mean, 2),
            "rank": self.rank,
            "p50": round(o.p50, 2),
            "budget_mean": round(o.budget_mean, 2),
            "roi_mean": round(o.roi_mean, 4),
            "seeds": o.seeds,
        }


def outcome_of(plan: str, result: BatchResult) -> PlanOutcome:
    """A batch's result, summed up per plan."""
    p10, p50, p90 = np.quantile(result.score, [0.1, 0.5, 0.9])
    kpis = {}
    for key, values in result.kpis.items():
        finite = np.asarray(values, dtype=float)
        finite = finite[np.isfinite(finite)]
        kpis[key] = float(finite.mean()) if finite.size else float("nan")
    return PlanOutcome(
        plan=plan,
        seeds=int(result.seeds.size),
        mean=float(result.score.mean()),
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        spend_mean=float(result.spend_cents.sum(axis=1).mean() / 100.0),
        budget_mean=float(result.budget_cents.sum(axis=1).mean() / 100.0),
        roi_mean=kpis.get("roi", float("nan")),
        kpis=kpis,
    )


def play_outcome(
    scenario: Scenario, plan: str, decisions: Sequence[Decisions], seeds: np.ndarray
) -> PlanOutcome:
    """One plan's outcome over `seeds`, in one batch."""
    return outcome_of(plan, play_batch(scenario, seeds, list(decisions)))


def _order(o: PlanOutcome) -> tuple[float, float, float]:
    # Rounded as shown: two plans that read the same are tied, not split by float noise.
    return (-round(o.mean, 2), -round(o.p10, 2), round(o.spend_mean, 2))


def rank_outcomes(outcomes: Sequence[PlanOutcome]) -> list[TournamentRow]:
    """Best mean score first; on a tie, the lower risk (higher P10), then the lower spend.

    Plans equal on all three share a rank (1, 1, 3), listed by name.
    """
    ordered = sorted(outcomes, key=lambda o: (_order(o), o.plan))
    rows: list[TournamentRow] = []
    for i, outcome in enumerate(ordered):
        tied = rows and _order(rows[-1].outcome) == _order(outcome)
        rows.append(TournamentRow(rows[-1].rank if tied else i + 1, outcome))
    return rows


def tournament_seeds(first: int, count: int) -> np.ndarray:
    """`count` seeds from `first` on, never past the last seed the engine knows."""
    seeds = np.arange(first, first + count, dtype=np.int64)
    return seeds[seeds <= 2**32 - 1]


def play_tournament(
    scenario: Scenario,
    entries: Sequence[tuple[str, Sequence[Decisions]]],
    seeds: np.ndarray,
) -> list[TournamentRow]:
    """Every (name, decisions) on the same seeds, ranked."""
    return rank_outcomes([play_outcome(scenario, name, d, seeds) for name, d in entries])


def tournament_table(rows: Sequence[TournamentRow], title: str) -> str:
    """The ranking as text: return (mean) with risk (P10) and spend beside it."""
    width = max([len(r.outcome.plan) for r in rows] + [4])
    width = min(width, 40)
    lines = [
        title,
        "",
        f"{'#':>3}  {'plan':<{width}}  {'mean':>6}  {'P10':>6}  {'P90':>6}  "
        f"{'spend':>13}  {'budget':>13}  {'ROI':>6}",
    ]
    for row in rows:
        o = row.outcome
        name = o.plan if len(o.plan) <= width else "…" + o.plan[-(width - 1) :]
        lines.append(
            f"{row.rank:>3}  {name:<{width}}  {o.mean:>6.1f}  {o.p10:>6.1f}  {o.p90:>6.1f}  "
            f"{_usd(o.spend_mean):>13}  {_usd(o.budget_mean):>13}  {o.roi_mean:>6.2f}"
        )
    return "\n".join(lines)


def _usd(value: float) -> str:
    return f"${value:,.0f}"
