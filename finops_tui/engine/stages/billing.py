"""Stage 5b, billing: every workload's GPU-hours, the commitments, services and practices.

Commitments cover matching non-spot usage first (the cheaper 3-year ones before the
1-year ones), on-demand pays for the rest, spot is billed at its own rate. A purchase
is billed in full; what no usage consumed is reported as Unused, and is waste.
"""

from __future__ import annotations

from dataclasses import fields
from typing import NamedTuple

import numpy as np

from finops_tui.engine.batch_state import N_GPU
from finops_tui.engine.catalog import GPU_NAMES
from finops_tui.engine.decision_arrays import DecisionArrays
from finops_tui.engine.level import PracticeCosts
from finops_tui.engine.practices import FALSE_POSITIVE_TRIAGE_HOURS, dispute_hours, practice_usd
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.stages.commitments import TERMS, Commitments
from finops_tui.engine.stages.inference import Inference
from finops_tui.engine.stages.money import Line, cents, owned_line, usage_line
from finops_tui.engine.stages.period import Period
from finops_tui.engine.stages.training import Training
from finops_tui.engine.stages.usage import Usage

_LINE_FIELDS = tuple(f.name for f in fields(Line))


class Rates(NamedTuple):
    """US$ per GPU-hour."""

    on_demand: np.ndarray  # (batch, gpu): list prices, after price events
    spot: np.ndarray  # (batch, gpu)
    committed: np.ndarray  # (term, gpu): fixed when bought, so no price events


def current_rates(scenario: Scenario, price_mult: np.ndarray) -> Rates:
    return Rates(
        on_demand=scenario.rates[0][None, :] * price_mult,
        spot=scenario.rates[1][None, :] * price_mult,
        committed=scenario.rates[[2, 3]],
    )


class ComputeBill(NamedTuple):
    lines: dict[str, Line]
    used_hours: np.ndarray  # (batch, term, gpu): committed GPU-hours used
    used_cents: np.ndarray  # (batch, term, gpu): their effective cost
    left_hours: np.ndarray  # (batch, term, gpu): committed GPU-hours nobody used


def bill_compute(
    usage: Usage, capacity_hours: np.ndarray, rates: Rates, tagged: np.ndarray
) -> ComputeBill:
    """Each workload's GPU-hours: from commitments first, then on-demand; spot apart."""
    b = capacity_hours.shape[0]
    rows = np.arange(b)
    left = capacity_hours.copy()
    used_hours = np.zeros((b, 2, N_GPU))
    used_cents = np.zeros((b, 2, N_GPU), dtype=np.int64)
    lines: dict[str, Line] = {}
    terms = (1, 0) if capacity_hours.any() else ()  # 3-year commitments are cheaper: first
    for name, use in zip(Usage._fields, usage, strict=True):
        gpu, spot_h, share = use.gpu, use.spot_hours, use.waste_share
        if not (use.other_hours.any() or spot_h.any()):
            continue  # nothing in the whole batch: no line to bill
        remaining_h = use.other_hours.copy()
        list_rate = rates.on_demand[rows, gpu]
        for k in terms:
            avail = left[rows, k, gpu]
            take = np.minimum(remaining_h, avail)
            left[rows, k, gpu] = avail - take
            used_hours[rows, k, gpu] += take
            remaining_h = remaining_h - take
            effective = cents(take * rates.committed[k][gpu])
            np.add.at(used_cents, (rows, k, gpu), effective)
            lines[f"{name}.{TERMS[k]}"] = usage_line(
                take, cents(take * list_rate), np.zeros(b, dtype=np.int64), effective, tagged, share
            )
        od_cents = cents(remaining_h * list_rate)
        lines[f"{name}.on-demand"] = usage_line(
            remaining_h, od_cents, od_cents, od_cents, tagged, share
        )
        spot_cents = cents(spot_h * rates.spot[rows, gpu])
        lines[f"{name}.spot"] = usage_line(
            spot_h, cents(spot_h * list_rate), spot_cents, spot_cents, tagged, share
        )
    return ComputeBill(lines, used_hours, used_cents, left)


def bill_commitments(
    commitments: Commitments, compute: ComputeBill, rates: Rates, shared_owner: np.ndarray
) -> dict[str, Line]:
    """Each commitment ever bought: its purchase this period, and the part left Unused.

    `shared_owner` is the share of unused commitments allocated to an owner.
    """
    capacity_h = commitments.capacity_hours
    purchase = cents(capacity_h * rates.committed[None, :, :])
    unused = purchase - compute.used_cents
    zero = np.zeros(capacity_h.shape[0], dtype=np.int64)
    # (term, gpu): which commitments exist at all, in any game and any period. Kept as
    # a small flag per game: scanning the schedule of a thousand-game forecast each
    # turn was a tenth of the forecast's time.
    held = commitments.ever.any(axis=0)
    lines: dict[str, Line] = {}
    for k, term in enumerate(TERMS):
        for g, gpu in enumerate(GPU_NAMES):
            if not held[k, g]:
                continue
            lines[f"commitment.{term}.{gpu}"] = Line(
                quantity=capacity_h[:, k, g],
                list_cost=purchase[:, k, g],
                billed=purchase[:, k, g],
                effective=zero,
                allocated=zero,
                waste=zero,
            )
            lines[f"commitment.{term}.{gpu}.unused"] = Line(
                quantity=compute.left_hours[:, k, g],
                list_cost=zero,
                billed=zero,
                effective=unused[:, k, g],
                allocated=cents(unused[:, k, g] * shared_owner / 100.0),
                waste=unused[:, k, g],
            )
    return lines


def bill_services(
    period: Period, training: Training, inference: Inference, tagged: np.ndarray
) -> dict[str, Line]:
    """Services that are not GPU-hours: checkpoint storage, API tokens, the cache."""
    return {
        "training.storage": owned_line(
            training.storage_usd, tagged, training.storage_gb * period.month_share
        ),
        "inference.api-input": owned_line(
            inference.api_input_usd, tagged, inference.api_input_tokens / 1e6
        ),
        "inference.api-output": owned_line(
            inference.api_output_usd, tagged, inference.api_output_tokens / 1e6
        ),
        "inference.cache": owned_line(inference.cache_usd, tagged),
    }


def bill_practices(
    costs: PracticeCosts,
    period: Period,
    d: DecisionArrays,
    incident_cost: np.ndarray,
    gpus: np.ndarray | None = None,
    flagged: np.ndarray | None = None,
) -> dict[str, Line]:
    """What each FinOps practice in force cost this period, and any safety incident.

    `gpus` is the estate the practices watch; `flagged` says where anomaly detection
    flagged a legitimate job, whose review takes an engineer's hours.
    """
    b = incident_cost.shape[0]
    gpus = np.zeros(b) if gpus is None else gpus
    flagged = np.zeros(b, dtype=bool) if flagged is None else flagged
    rate = costs.engineer_usd_per_hour
    triage = np.where(flagged, FALSE_POSITIVE_TRIAGE_HOURS * rate, 0.0)
    chargeback = practice_usd("chargeback", costs, gpus) + dispute_hours(costs, d.p_tagging) * rate
    allocation = np.select(
        [d.p_allocation == 1, d.p_allocation == 2],
        [practice_usd("showback", costs, gpus), chargeback],
        0.0,
    )
    practice_usd_by_name = {
        "tagging": practice_usd("tagging", costs, gpus, d.p_tagging),
        "budget_alerts": practice_usd("budget_alerts", costs, gpus, d.p_alerts),
        "anomaly_detection": practice_usd("anomaly_detection", costs, gpus, d.p_anomaly) + triage,
        "shutdown_schedule": practice_usd("shutdown_schedule", costs, gpus, d.p_shutdown),
        "rightsizing": practice_usd("rightsizing", costs, gpus, d.p_rightsizing),
        "allocation": allocation,
        "safety_evaluation": costs.safety_evaluation_usd * d.p_safety,
    }
    owner = np.ones(incident_cost.shape[0])
    # The practices' lines in one pass: seven rows of one array, not seven small arrays.
    practice = owned_line(
        np.stack(np.broadcast_arrays(*practice_usd_by_name.values())) * period.month_share, owner
    )
    lines = {
        f"practice.{name}": Line(*(getattr(practice, field)[i] for field in _LINE_FIELDS))
        for i, name in enumerate(practice_usd_by_name)
    }
    lines["incident.safety"] = owned_line(incident_cost, owner)
    return lines
