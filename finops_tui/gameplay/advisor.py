"""Reading a period's bill like a FinOps advisor: the big lines, the breakdowns, one tip.

Pure: no Textual. Every sentence of the tip is derived from the period's own facts
(turn_facts.py) by a named rule (advice_rules.py); a tip that recommends a change
quotes the engine's counterfactual for the period and is only given when the change
would have paid. The tip is the one with the most money at stake, and it only ever
suggests decisions the level offers.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import check_decisions
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState, LedgerLine, TurnRecord
from finops_tui.engine.what_if import WhatIf, resolve_variants, state_before
from finops_tui.gameplay.advice_rules import (
    OBSERVATIONS,
    Proposal,
    Tip,
    proposals,
    quiet_period,
    recommendation,
    tokens_for_loss,
    worth_recommending,
)
from finops_tui.gameplay.roles import role
from finops_tui.gameplay.turn_facts import TurnFacts, turn_facts

__all__ = [
    "ROLE_FRAMES",
    "CostLine",
    "Tip",
    "advise",
    "breakdown",
    "choose_tip",
    "frame_tip",
    "large_lines",
    "merged_lines",
    "tokens_for_loss",
]

PRICING_CATEGORY_LABELS = {
    "Standard": "Standard (on-demand)",
    "Dynamic": "Dynamic (spot)",
    "Committed": "Committed",
    "Other": "Other",
}


@dataclass(frozen=True)
class CostLine:
    """A line of the bill with its allocated and unallocated parts merged."""

    description: str
    cause: str
    cost_usd: float
    wasted_usd: float


def merged_lines(lines: tuple[LedgerLine, ...]) -> list[CostLine]:
    """The bill's lines, tagged and untagged halves together, largest first."""
    cost: dict[tuple[str, str], float] = defaultdict(float)
    waste: dict[tuple[str, str], float] = defaultdict(float)
    for line in lines:
        key = (line.charge_description, line.cause)
        cost[key] += line.effective_usd
        waste[key] += line.wasted_cents / 100.0
    merged = [CostLine(d, c, cost[(d, c)], waste[(d, c)]) for d, c in cost]
    return sorted(merged, key=lambda m: -m.cost_usd)


def large_lines(record: TurnRecord, share: float = 0.1, at_least: int = 3) -> list[CostLine]:
    """The lines that make the bill: each over `share` of it, and at least the top few."""
    merged = [m for m in merged_lines(record.lines) if m.cost_usd >= 0.5]
    total = sum(m.cost_usd for m in merged) or 1.0
    return [m for i, m in enumerate(merged) if i < at_least or m.cost_usd >= share * total]


def breakdown(lines: tuple[LedgerLine, ...]) -> dict[str, list[tuple[str, float]]]:
    """Effective cost by service, by pricing category, and allocated or not."""
    groups: dict[str, dict[str, float]] = {
        "Service": defaultdict(float),
        "Pricing": defaultdict(float),
        "Owner": defaultdict(float),
    }
    for line in lines:
        groups["Service"][line.service_name] += line.effective_usd
        groups["Pricing"][PRICING_CATEGORY_LABELS[line.pricing_category]] += line.effective_usd
    owned = sum(line.effective_usd for line in lines if line.allocated)
    total = sum(line.effective_usd for line in lines)
    groups["Owner"]["Allocated (tagged)"] = owned
    groups["Owner"]["Unallocated"] = total - owned
    return {
        name: sorted(values.items(), key=lambda item: -item[1])
        if name != "Owner"
        else list(values.items())
        for name, values in groups.items()
    }


def advise(scenario: Scenario, state: GameState, record: TurnRecord) -> Tip:
    """One tip about a period of `state`'s game, tied to a FinOps concept.

    The period is re-resolved from the state it started in, as played and with each
    change the advisor knows, in one kernel batch: the facts and the counterfactuals
    come from the same engine output as the record's bill.
    """
    if len(state.history) < record.turn - 1:
        raise ValueError(f"period {record.turn} is not a period of this game")
    played = (*state.decisions[: record.turn - 1], record.decisions)
    return _advise(scenario, state.seed, played)


@functools.lru_cache(maxsize=32)
def _advise(scenario: Scenario, seed: int, decisions: tuple[Decisions, ...]) -> Tip:
    # Kept: the report, the watch screen and the codex key ask about the same period.
    played = decisions[-1]
    before = state_before(scenario, seed, decisions[:-1])
    offered = proposals(scenario, played)
    game = GameState(
        level_id=scenario.level.id,
        seed=seed,
        turns=scenario.level.turns,
        history=(),
        batch=before,
    )
    batch = resolve_variants(scenario, before, played, [p.decisions for p in offered])
    facts = turn_facts(scenario, played, before, batch.out, batch.row(0))
    tried = list(zip(offered, batch.what_ifs(0), strict=True))
    return choose_tip(
        scenario,
        facts,
        tried,
        playable=lambda proposal: not check_decisions(scenario, game, proposal.decisions),
    )


def choose_tip(
    scenario: Scenario,
    facts: TurnFacts,
    tried: list[tuple[Proposal, WhatIf]],
    playable: Callable[[Proposal], bool] | None = None,
) -> Tip:
    """The tip with the most money at stake: a worthwhile change, or the period's main fact.

    `playable` says whether the level would accept a change (a hard cap previews the
    period, milliseconds each), so it is asked only of the recommendation about to be
    given; one the level would refuse is not recommended, nor counted as tried.
    """
    # A recommendation's words are written only for the one given (the property test
    # asks a thousand games a period).
    candidates: list[tuple[float, Tip | tuple[Proposal, WhatIf]]] = [
        (what_if.net_gain_usd, (proposal, what_if))
        for proposal, what_if in tried
        if worth_recommending(what_if)
    ]
    for rule in OBSERVATIONS:
        found = rule(scenario, facts)
        if found is not None:
            candidates.append(found)
    refused: set[str] = set()
    for _stake, found in sorted(candidates, key=lambda c: -c[0]):
        if isinstance(found, Tip):
            return found
        proposal, what_if = found
        if playable is None or playable(proposal):
            return recommendation(proposal, what_if, facts)
        refused.add(proposal.key)
    return quiet_period(scenario, facts, [p for p, _ in tried if p.key not in refused])


# The same fact, in the terms of the role reading it: one line per (role, concept).
ROLE_FRAMES: dict[str, dict[str, str]] = {
    "finance": {
        "spot": "Spot buys the same GPU-hours at a lower rate: preemptions and shortages are "
        "the price of the discount.",
        "commitments": "An unused commitment is a sunk cost: it hits the budget and the ROI "
        "with nothing delivered in return.",
        "scheduling": "Idle machines are pure overhead on the budget: no team gets value "
        "from them.",
        "rightsizing": "Oversized machines raise every period's run rate, and so the forecast.",
        "anomaly-detection": "A surprise line like this is what breaks a forecast and a "
        "budget: catching it early caps the loss.",
        "budgets-alerts": "A budget without an alert is only read after the money is gone.",
        "responsible-ai": "An incident is an unbudgeted liability: evaluation is the cheaper "
        "insurance.",
        "allocation": "Spend nobody owns cannot be charged back, budgeted by team or judged "
        "on its return.",
        "forecast-variance": "Forecast accuracy is what makes Finance trust the next budget "
        "request.",
        "inference-memory": "Missed SLAs lose the revenue the service exists for: capacity is "
        "part of the business case.",
        "unit-economics": "Unit cost tells you whether growth makes money or loses it.",
        "training-compute": "The spend only pays back when the model ships: every period late "
        "loses value.",
        "chinchilla": "Money spent on a model that cannot reach its target never pays back.",
        "finops-phases": "Keep the forecast honest and every dollar owned.",
    },
    "it": {
        "spot": "Spot capacity can be reclaimed at any moment: with checkpoints and restart "
        "automation it is the cheapest capacity you can run.",
        "commitments": "Commit only to the baseline you run around the clock; cover peaks with "
        "on-demand or spot.",
        "scheduling": "Idle environments are capacity run for no one: automate their shutdown "
        "outside working hours.",
        "rightsizing": "Size machines to measured use: utilization is the number to watch.",
        "anomaly-detection": "A runaway job is an operational incident: alerting on spend is "
        "alerting on a failure.",
        "budgets-alerts": "Alerts are monitoring for money: route them to whoever can stop "
        "the workload.",
        "responsible-ai": "Evaluation is a release gate, like tests: skip it and the failure "
        "moves to production.",
        "allocation": "Tags are your inventory: an untagged resource is hard to own, resize "
        "or shut down.",
        "forecast-variance": "Capacity plans and spend forecasts come from the same drivers: "
        "GPU-hours, rates, commitments.",
        "inference-memory": "The SLA is a capacity question: replicas, batching and "
        "quantization decide it.",
        "unit-economics": "Cost per 1k requests is the efficiency of the platform you run.",
        "training-compute": "Throughput is GPUs x utilization: schedule the capacity the "
        "deadline needs.",
        "chinchilla": "Compute spent on a model too small to reach its target is capacity wasted.",
        "finops-phases": "Keep utilization high and nothing idle.",
    },
    "data-science": {
        "spot": "A preemption costs the work since your last checkpoint: checkpoint often and "
        "the discount comes almost free.",
        "commitments": "Reserved GPUs only pay off for training you will really run every period.",
        "scheduling": "Notebooks left running spend compute that could train the model.",
        "rightsizing": "Smaller machines for exploration leave budget for the real training runs.",
        "anomaly-detection": "A runaway job eats the compute meant for your next experiment.",
        "budgets-alerts": "An alert stops a forgotten experiment before it spends the "
        "training budget.",
        "responsible-ai": "Evaluation is part of model quality: an unsafe model is not a "
        "finished one.",
        "allocation": "Tag your experiments so their cost lands on the model they serve.",
        "forecast-variance": "Estimate a run from params x tokens before you launch it.",
        "inference-memory": "The model must fit the GPU and answer in time: quantization and "
        "batching trade a little quality for a lot of throughput.",
        "unit-economics": "Every request runs your model: a smaller model or a cache changes "
        "the cost of each answer.",
        "training-compute": "Tokens per period decide when the model reaches its target loss.",
        "chinchilla": "Model size caps the loss you can reach: grow parameters and tokens "
        "together (about 20 tokens per parameter).",
        "finops-phases": "Keep the experiments lean: an idle notebook is compute your model "
        "did not get.",
    },
}


def frame_tip(tip: Tip, role_id: str | None) -> Tip:
    """The tip as the role reads it: a line in the role's terms, then the same facts."""
    found = role(role_id)
    if found is None:
        return tip
    frame = ROLE_FRAMES[found.id].get(tip.concept, f"What matters to you: {found.cares}.")
    return Tip(f"{found.name} lens: {frame}\n\n{tip.text}", tip.concept)
