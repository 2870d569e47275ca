"""What a FinOps practice costs: tools that are nearly free, and engineers' hours.

AWS Budgets bills a few cents per budget-day after the first two, and AWS Cost Anomaly
Detection has no charge (their pricing pages): the cost of a practice is people's time,
which grows with what it watches (GPUs) and whom it touches (the team). The hours
below are a game assumption, stated as one in the codex: a fixed part a month, a part
per GPU in the estate and a part per engineer on the team.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from finops_tui.engine.level import PracticeCosts


class Effort(NamedTuple):
    """Hours a month, and any tool fee, for one practice at full strength."""

    tool_usd: float  # a month
    hours: float  # a month, whatever the estate
    hours_per_gpu: float  # a month, per GPU in the estate
    hours_per_engineer: float  # a month, per engineer on the team


EFFORT: dict[str, Effort] = {
    # Tag every resource and keep the policy: grows with resources and people.
    "tagging": Effort(0.0, 0.5, 0.05, 0.1),
    # A few budgets at cents a day; someone reads the alerts.
    "budget_alerts": Effort(1.0, 0.25, 0.0, 0.0),
    # Free to switch on; each flag needs triage (see FALSE_POSITIVE_TRIAGE_HOURS).
    "anomaly_detection": Effort(0.0, 0.5, 0.01, 0.0),
    # Set up once, then everyone's exceptions ("keep my notebook up tonight").
    "shutdown_schedule": Effort(0.0, 0.5, 0.0, 0.1),
    # An engineer reviews every machine's utilisation: the costliest in hours.
    "rightsizing": Effort(0.0, 2.0, 0.1, 0.0),
    "showback": Effort(0.0, 1.0, 0.0, 0.1),
    # Invoices to teams: reconciliation every month, and more work per team.
    "chargeback": Effort(0.0, 3.0, 0.0, 0.3),
}
FALSE_POSITIVE_TRIAGE_HOURS = 1.0  # an engineer confirms the flagged job is legitimate
DISPUTE_HOURS_PER_ENGINEER = 2.0  # a month, per engineer, when no cost is tagged


def estate_gpus(
    training_gpus: np.ndarray, serving_gpus: np.ndarray, dev_gpus: np.ndarray
) -> np.ndarray:
    """The GPUs the practices watch this period: training, self-hosted serving, dev."""
    return training_gpus + serving_gpus + dev_gpus


def practice_usd(
    name: str, costs: PracticeCosts, gpus: np.ndarray, strength: np.ndarray | float = 1.0
) -> np.ndarray:
    """A month of one practice for an estate of `gpus`: its tool fee and its team time."""
    e = EFFORT[name]
    hours = e.hours + e.hours_per_gpu * gpus + e.hours_per_engineer * costs.team
    return (e.tool_usd + hours * costs.engineer_usd_per_hour) * strength


def dispute_hours(costs: PracticeCosts, tagging: np.ndarray) -> np.ndarray:
    """Hours a month teams spend disputing charges for cost no tag assigns to them.

    Chargeback before tagging is mature bills teams for cost nobody can prove is theirs.
    """
    maturity = max(costs.chargeback_maturity, 1e-9)
    untagged = np.clip((maturity - tagging) / maturity, 0.0, 1.0)
    return DISPUTE_HOURS_PER_ENGINEER * costs.team * untagged


def practice_hours_table(costs: PracticeCosts, gpus: float) -> dict[str, float]:
    """Each practice's hours a month for an estate of `gpus`: what the form shows."""
    return {
        name: e.hours + e.hours_per_gpu * gpus + e.hours_per_engineer * costs.team
        for name, e in EFFORT.items()
    }
