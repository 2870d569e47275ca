"""Reading a period's bill like a FinOps advisor: the big lines, the breakdowns, one tip.

Pure: no Textual. The tip is the one with the most money (or score) at stake, and it
only ever suggests decisions the level offers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from finops_tui.engine import physics
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import LedgerLine, TurnRecord
from finops_tui.gameplay.format import PRICING_LABELS, usd
from finops_tui.gameplay.roles import role

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


@dataclass(frozen=True)
class Tip:
    text: str
    concept: str


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


def advise(scenario: Scenario, record: TurnRecord) -> Tip:
    """One tip for the next period, tied to a FinOps concept."""
    level = scenario.level
    d = record.decisions
    k = record.kpis
    enabled = set(level.practices.enabled)
    spend = max(record.spend_usd, 1.0)
    merged = merged_lines(record.lines)
    candidates: list[tuple[float, Tip]] = []

    def cost_of(prefix: str) -> float:
        return sum(m.cost_usd for m in merged if m.description.startswith(prefix))

    tr = level.training
    if tr is not None and d.training.gpus > 0:
        training_cost = cost_of("Training:")
        if d.training.pricing == "on-demand" and "spot" in tr.pricing:
            gpu = scenario.catalog.gpus[d.training.gpu].price
            saving = training_cost * (1 - gpu.spot / gpu.on_demand)
            candidates.append(
                (
                    saving,
                    Tip(
                        f"Training ran on on-demand GPUs. The same GPU-hours on spot cost "
                        f"{1 - gpu.spot / gpu.on_demand:.0%} less (about {usd(saving)} this "
                        f"period); checkpoint often so a preemption costs little.",
                        "spot",
                    ),
                )
            )
        lost = k.get("lost_gpu_hours") or 0.0
        if lost > 0 and d.training.checkpoint_hours > 1:
            rate = scenario.catalog.gpus[d.training.gpu].price.rate(d.training.pricing)
            candidates.append(
                (
                    lost * rate,
                    Tip(
                        f"Preemptions made you redo {lost:,.0f} GPU-hours. With checkpoints "
                        f"every {d.training.checkpoint_hours:g} h, each one loses up to that "
                        "much work: checkpoint more often.",
                        "spot",
                    ),
                )
            )
        behind = _training_behind(scenario, record)
        if behind is not None:
            candidates.append(behind)

    unused = sum(m.cost_usd for m in merged if m.description.startswith("Unused"))
    if unused > 0:
        candidates.append(
            (
                unused,
                Tip(
                    f"{usd(unused)} of committed hours went unused. A commitment is billed "
                    "used or not: commit only to the baseline you will run for the whole term.",
                    "commitments",
                ),
            )
        )

    dev_waste = sum(m.wasted_usd for m in merged if m.description.startswith("Dev notebooks"))
    if dev_waste > 0.05 * spend:
        if "shutdown_schedule" in enabled and not d.practices.shutdown_schedule:
            candidates.append(
                (
                    dev_waste,
                    Tip(
                        f"Dev notebooks sat idle for {usd(dev_waste)} of this bill. A shutdown "
                        "schedule turns them off outside working hours.",
                        "scheduling",
                    ),
                )
            )
        elif "rightsizing" in enabled and not d.practices.rightsizing:
            candidates.append(
                (
                    dev_waste * 0.5,
                    Tip(
                        "Dev environments are still oversized. A rightsizing review removes "
                        "the machines nobody needs.",
                        "rightsizing",
                    ),
                )
            )

    for event in record.events:
        if event.kind == "runaway_job" and event.cost_usd > 0:
            if "anomaly_detection" in enabled and not d.practices.anomaly_detection:
                candidates.append(
                    (
                        event.cost_usd * 0.8,
                        Tip(
                            f"A runaway job cost {usd(event.cost_usd)}. Anomaly detection "
                            "catches one within hours instead of at the end of the month.",
                            "anomaly-detection",
                        ),
                    )
                )
            elif "budget_alerts" in enabled and not d.practices.budget_alerts:
                candidates.append(
                    (
                        event.cost_usd * 0.6,
                        Tip(
                            f"A runaway job cost {usd(event.cost_usd)}. A budget alert would "
                            "have stopped it within a day.",
                            "budgets-alerts",
                        ),
                    )
                )
        if event.kind == "safety_incident" and not d.practices.safety_evaluation:
            candidates.append(
                (
                    event.cost_usd,
                    Tip(
                        "The incident cost far more than the evaluation you cut. Treat "
                        "evaluation as insurance.",
                        "responsible-ai",
                    ),
                )
            )

    coverage = k.get("allocation_coverage")
    if "tagging" in enabled and coverage is not None and coverage < 0.9:
        untagged = spend * (1 - coverage)
        candidates.append(
            (
                untagged * 0.3,
                Tip(
                    f"{1 - coverage:.0%} of this bill ({usd(untagged)}) has no owner. Untagged "
                    "spend is nobody's: tag resources so each team sees, and answers for, "
                    "its costs.",
                    "allocation",
                ),
            )
        )

    if record.spend_usd > record.budget_usd:
        over = record.spend_usd - record.budget_usd
        if "budget_alerts" in enabled and not d.practices.budget_alerts:
            tip = Tip(
                f"You went {usd(over)} over budget. Budget alerts warn the owner while "
                "there is still time to act.",
                "budgets-alerts",
            )
        else:
            tip = Tip(
                f"You went {usd(over)} over budget. Estimate next period from its drivers "
                "(GPU-hours x rate, commitments, practices) before you commit to it.",
                "forecast-variance",
            )
        candidates.append((over, tip))

    variance = k.get("forecast_variance")
    if variance is not None and variance > 0.1:
        candidates.append(
            (
                spend * min(variance, 1.0) * 0.3,
                Tip(
                    f"Your forecast was off by {variance:.0%}. The live estimate on the turn "
                    "screen is a calm-world forecast: start from it, then allow for events.",
                    "forecast-variance",
                ),
            )
        )

    inf = level.inference
    if inf is not None:
        miss = k.get("sla_miss_rate") or 0.0
        if miss > 0.01:
            candidates.append(
                (
                    record.value_usd * miss * 2 + 1,
                    Tip(
                        f"{miss:.0%} of requests missed the latency SLA: the fleet is too "
                        "small for the peak. Add GPUs, turn batching on, or quantize.",
                        "inference-memory",
                    ),
                )
            )
        serving_cost = sum(
            m.cost_usd
            for m in merged
            if m.description.startswith("Inference") or m.description.endswith("tokens")
        )
        if not d.inference.caching and serving_cost > 10 * inf.cache_usd:
            candidates.append(
                (
                    serving_cost * inf.cache_hit_rate * 0.5 + 1,
                    Tip(
                        f"A response cache answers about {inf.cache_hit_rate:.0%} of requests "
                        f"for {usd(inf.cache_usd)} a period: a direct cut in unit cost.",
                        "unit-economics",
                    ),
                )
            )

    if candidates:
        return max(candidates, key=lambda c: c[0])[1]
    pricing = PRICING_LABELS.get(d.training.pricing if tr else d.inference.pricing, "")
    return Tip(
        f"A clean period{f' on {pricing.lower()} capacity' if pricing else ''}. FinOps is a "
        "loop: read the bill (Inform), buy and use better (Optimize), keep the habits "
        "that catch surprises (Operate).",
        "finops-phases",
    )


def tokens_for_loss(params: float, loss: float) -> float | None:
    """Tokens a model of `params` needs to reach `loss` (Chinchilla fit); None if never."""
    reducible = loss - physics.LOSS_E - physics.LOSS_A / params**physics.LOSS_ALPHA
    if reducible <= 0:
        return None
    return (physics.LOSS_B / reducible) ** (1 / physics.LOSS_BETA)


def _training_behind(scenario: Scenario, record: TurnRecord) -> tuple[float, Tip] | None:
    """A tip when, at this period's pace, the model ships after its deadline."""
    tr = scenario.level.training
    loss = record.kpis.get("loss")
    done = record.kpis.get("tokens_trained") or 0.0
    if tr is None or loss is None or loss <= tr.target_loss:
        return None
    t = record.decisions.training
    needed = tokens_for_loss(t.params, tr.target_loss)
    stake = tr.value_usd * tr.late_penalty
    if needed is None:
        return stake, Tip(
            f"A {t.params / 1e9:g}B model can never reach loss {tr.target_loss:.3f}, whatever "
            "the data: its size limits it (Chinchilla). Train a bigger model.",
            "chinchilla",
        )
    pace = t.tokens if t.gpus > 0 else 0.0
    left = max(needed - done, 0.0)
    periods = math.inf if pace <= 0 else math.ceil(left / pace - 1e-9)
    finish = record.turn + periods
    if finish <= tr.deadline_turn:
        return None
    late = min(finish - tr.deadline_turn, scenario.level.turns) if periods < math.inf else 4
    if periods == math.inf or finish > scenario.level.turns:
        when = "it would not ship before the game ends"
    else:
        when = f"it ships in period {finish:.0f}"
    if record.turn >= tr.deadline_turn:
        head = (
            f"The model missed its deadline (period {tr.deadline_turn}): each period late "
            f"loses {tr.late_penalty:.0%} of its {usd(tr.value_usd)} value."
        )
    else:
        head = f"Loss {loss:.3f}, target {tr.target_loss:.3f} by period {tr.deadline_turn}."
    return stake * late, Tip(
        f"{head} About {needed / 1e9:,.0f}B tokens reach the target ({left / 1e9:,.0f}B to "
        f"go); at {pace / 1e9:,.0f}B a period {when}. Compute is 6 x params x tokens: buy "
        "the GPU-hours to go faster.",
        "training-compute",
    )


# The same fact, in the terms of the role reading it: one line per (role, concept).
ROLE_FRAMES: dict[str, dict[str, str]] = {
    "finance": {
        "spot": "Same work at a lower rate: the cheapest saving on this bill, and the value "
        "delivered does not change.",
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
        "finops-phases": "The run is on track: keep the experiments lean.",
    },
}


def frame_tip(tip: Tip, role_id: str | None) -> Tip:
    """The tip as the role reads it: a line in the role's terms, then the same facts."""
    found = role(role_id)
    if found is None:
        return tip
    frame = ROLE_FRAMES[found.id].get(tip.concept, f"What matters to you: {found.cares}.")
    return Tip(f"{found.name} lens: {frame}\n\n{tip.text}", tip.concept)
