"""Stage 5a, commitments: top up what the player committed to, for the whole term.

Choosing `commit-1y` or `commit-3y` for a workload buys the GPUs it holds that are not
already committed; a purchase runs from this period to the end of its term and is
billed every period, used or not.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from finops_tui.engine.batch_state import N_GPU
from finops_tui.engine.decision_arrays import DecisionArrays
from finops_tui.engine.scenario import PRICING_INDEX, Scenario
from finops_tui.engine.stages.money import cents
from finops_tui.engine.stages.period import Period
from finops_tui.engine.stages.usage import Usage

TERMS = ("commit-1y", "commit-3y")


class Commitments(NamedTuple):
    schedule: np.ndarray  # (batch, term, gpu, period): GPUs committed, int
    ever: np.ndarray  # (batch, term, gpu): ever committed, in any period
    capacity_hours: np.ndarray  # (batch, term, gpu): GPU-hours committed this period


def buy_commitments(
    scenario: Scenario,
    period: Period,
    schedule: np.ndarray,
    ever: np.ndarray,
    usage: Usage,
    d: DecisionArrays,
) -> Commitments:
    """The commitments after this period's purchases. Inputs are never changed."""
    b = schedule.shape[0]
    now = period.turn - 1
    bought = schedule  # copied only when a purchase changes it
    held = ever
    onehot = np.arange(N_GPU)[None, :]
    for k, term in enumerate(TERMS):
        wanted = np.zeros((b, N_GPU))
        for workload, pricing in ((usage.training, d.t_pricing), (usage.inference, d.i_pricing)):
            pick = (pricing == PRICING_INDEX[term])[:, None] & (workload.gpu[:, None] == onehot)
            wanted += np.where(pick, workload.gpus[:, None], 0.0)
        shortfall = np.maximum(0, np.ceil(wanted) - bought[:, k, :, now]).astype(np.int64)
        if shortfall.any():
            if bought is schedule:
                bought = bought.copy()
            end = min(now + scenario.term_periods[k], scenario.horizon)
            bought[:, k, :, now:end] += shortfall[:, :, None]
            if held is ever:
                held = held.copy()
            held[:, k, :] |= shortfall > 0
    capacity = bought[:, :, :, now].astype(float) * period.hours
    return Commitments(bought, held, capacity)


def obligation_cents(scenario: Scenario, schedule: np.ndarray, turns_played: int) -> np.ndarray:
    """What the commitments still running after `turns_played` periods will cost, in
    cents, less the share the level lets a player recover by reselling them.

    Commitments are billed whether used or not, to the end of their term: buying one in
    the last month is no free discount, so the final result counts what is left.
    """
    remaining = schedule[:, :, :, turns_played:].sum(axis=3)  # (batch, term, gpu) GPU-periods
    rates = scenario.rates[[PRICING_INDEX[t] for t in TERMS]]  # (term, gpu)
    usd = remaining * scenario.level.period_hours * rates[None, :, :]
    kept = 1.0 - scenario.level.commitments.resale_share
    return cents(usd.sum(axis=(1, 2)) * kept)
