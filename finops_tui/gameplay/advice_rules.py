"""The advisor's rules: each turns this period's facts into a candidate tip. No Textual.

Two kinds of rule:
- an observation says what happened, in this period's own figures, and names the
  concept behind it; it recommends no change;
- a recommendation names one change and quotes the engine's counterfactual: the same
  period, from the same state on the same seed, with that one change. It is only made
  when the change would have been worth money (saved more than it cost, value included)
  and would not have lowered the score.

A candidate carries its stake (the money it is about); the advisor says the largest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from finops_tui.engine import physics
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.what_if import WhatIf
from finops_tui.gameplay.fields import PRACTICE_CONCEPTS
from finops_tui.gameplay.format import PRACTICE_LABELS, PRICING_LABELS, usd
from finops_tui.gameplay.turn_facts import TurnFacts


@dataclass(frozen=True)
class Tip:
    text: str
    concept: str
    # A recommendation's change and the engine's figures for it; None for an observation.
    change: str = ""
    what_if: WhatIf | None = None


@dataclass(frozen=True)
class Proposal:
    """A change the advisor may recommend, as the decisions it would have played."""

    key: str  # what changes: "training.pricing", "practices.rightsizing"
    phrase: str  # "with training on spot GPUs"
    concept: str
    decisions: Decisions


Candidate = tuple[float, Tip]  # (money at stake, the tip)
Observation = Callable[[Scenario, TurnFacts], Candidate | None]

# A recommendation must be worth at least a dollar: "$0 less" is not a saving.
LEAST_GAIN_USD = 1.0


# -- the changes the advisor knows ---------------------------------------------------------


def proposals(scenario: Scenario, d: Decisions) -> list[Proposal]:
    """Every single change the advisor could recommend from these decisions."""
    return [
        *_training_proposals(scenario, d),
        *_practice_proposals(scenario, d),
        *_serving_proposals(scenario, d),
    ]


def _with(d: Decisions, group: str, **changes) -> Decisions:
    return d.model_copy(update={group: getattr(d, group).model_copy(update=changes)})


def _training_proposals(scenario: Scenario, d: Decisions) -> Iterable[Proposal]:
    tr, t = scenario.level.training, d.training
    if tr is None or t.gpus <= 0:
        return
    if "spot" in tr.pricing and t.pricing != "spot":
        yield Proposal(
            "training.pricing",
            "with training on spot GPUs",
            "spot",
            _with(d, "training", pricing="spot"),
        )
    if t.pricing == "spot" and t.checkpoint_hours > 1:
        yield Proposal(
            "training.checkpoint_hours",
            "with a checkpoint every hour",
            "spot",
            _with(d, "training", checkpoint_hours=1.0),
        )


def _practice_proposals(scenario: Scenario, d: Decisions) -> Iterable[Proposal]:
    practices = d.practices
    for name in scenario.level.practices.enabled:
        if getattr(practices, name, None) is not False:
            continue  # only switches that are off (tagging and allocation are not switches)
        label = PRACTICE_LABELS.get(name, name.replace("_", " ")).lower()
        yield Proposal(
            f"practices.{name}",
            f"with {label} on",
            PRACTICE_CONCEPTS.get(name, "finops-phases"),
            _with(d, "practices", **{name: True}),
        )


def _serving_proposals(scenario: Scenario, d: Decisions) -> Iterable[Proposal]:
    inf, i = scenario.level.inference, d.inference
    if inf is None:
        return
    if not i.caching:
        yield Proposal(
            "inference.caching",
            "with the response cache on",
            "unit-economics",
            _with(d, "inference", caching=True),
        )
    if i.mode != "self-host":
        return
    if not i.batching:
        yield Proposal(
            "inference.batching",
            "with batching on",
            "inference-memory",
            _with(d, "inference", batching=True),
        )
    more = min(i.gpus + max(1, math.ceil(i.gpus / 4)), inf.max_gpus)
    if more > i.gpus:
        yield Proposal(
            "inference.gpus",
            f"with {more} serving GPUs instead of {i.gpus}",
            "inference-memory",
            _with(d, "inference", gpus=more),
        )


# -- recommendations: a change and what the engine says it was worth ----------------------


def worth_recommending(what_if: WhatIf) -> bool:
    """A change is recommended only if it saved money this period and cost no points."""
    return what_if.net_gain_usd >= LEAST_GAIN_USD and what_if.score_change >= 0


def counterfactual_sentence(proposal: Proposal, what_if: WhatIf, period: str) -> str:
    """'With rightsizing on, this month would have cost $680 less.' (the engine's figure)"""
    saving, gain = what_if.saving_usd, what_if.value_gain_usd
    head = proposal.phrase[0].upper() + proposal.phrase[1:]
    if saving >= LEAST_GAIN_USD:
        more = f" and delivered {usd(gain)} more value" if gain >= LEAST_GAIN_USD else ""
        return f"{head}, this {period} would have cost {usd(saving)} less{more}."
    cost = f"cost {usd(-saving)} more and " if -saving >= 0.5 else ""
    return (
        f"{head}, this {period} would have {cost}delivered {usd(gain)} more value: "
        f"{usd(what_if.net_gain_usd)} better."
    )


def recommendation(proposal: Proposal, what_if: WhatIf, facts: TurnFacts) -> Tip:
    """The tip for one change the engine says was worth it this period (its stake is
    `what_if.net_gain_usd`; ask `worth_recommending` first)."""
    why = _reason(proposal, facts)
    text = (
        f"{why + ' ' if why else ''}{counterfactual_sentence(proposal, what_if, facts.period)} "
        f"(The engine re-ran this {facts.period} in the same world with that one change.)"
    )
    return Tip(text, proposal.concept, change=proposal.key, what_if=what_if)


def _reason(proposal: Proposal, f: TurnFacts) -> str:
    """What in this period's facts the change answers, when the facts say."""
    key = proposal.key
    if key == "training.pricing":
        pricing = PRICING_LABELS.get(f.decisions.training.pricing, f.decisions.training.pricing)
        return f"Training ran on {pricing.lower()} GPUs ({usd(f.training_cost_usd)})."
    if key == "training.checkpoint_hours" and f.preemptions:
        return (
            f"Spot preemptions made you redo {f.lost_gpu_hours:,.0f} GPU-hours (checkpoints "
            f"every {f.decisions.training.checkpoint_hours:g} h)."
        )
    if key in ("practices.anomaly_detection", "practices.budget_alerts"):
        runaway = f.event_cost("runaway_job")
        if runaway > 0:
            return f"A runaway job cost {usd(runaway)}."
    if key in ("practices.shutdown_schedule", "practices.rightsizing") and f.dev_waste_usd >= 1:
        return f"Dev notebooks sat idle for {usd(f.dev_waste_usd)} of this bill."
    if key == "practices.safety_evaluation" and f.event_cost("safety_incident") > 0:
        return f"A safety incident cost {usd(f.event_cost('safety_incident'))}."
    if key == "inference.gpus" and f.sla_miss_rate > 0:
        return f"{f.sla_miss_rate:.1%} of requests missed the latency SLA."
    return ""


# -- observations: what happened, in this period's figures ---------------------------------


def unused_commitments(scenario: Scenario, f: TurnFacts) -> Candidate | None:
    if f.unused_commitment_usd < 1:
        return None
    return f.unused_commitment_usd, Tip(
        f"{usd(f.unused_commitment_usd)} of committed GPU-hours went unused this {f.period}. "
        "A commitment is billed for its whole term, used or not: it pays off only on a "
        "baseline you run every hour of it.",
        "commitments",
    )


def over_budget(scenario: Scenario, f: TurnFacts) -> Candidate | None:
    over = f.over_budget_usd
    if over <= 0:
        return None
    return over * 0.5, Tip(
        f"This {f.period} cost {usd(f.spend_usd)} against a {usd(f.budget_usd)} budget: "
        f"{usd(over)} over. The bill below shows which lines grew.",
        "budgets-alerts",
    )


def forecast_missed(scenario: Scenario, f: TurnFacts) -> Candidate | None:
    variance = f.forecast_variance
    if variance is None or variance <= 0.1 or f.forecast_usd <= 0:
        return None
    direction = "over" if f.spend_usd > f.forecast_usd else "under"
    return f.spend_usd * min(variance, 1.0) * 0.3, Tip(
        f"Your forecast for {f.period} {f.turn} was {usd(f.forecast_usd)}; the bill was "
        f"{usd(f.spend_usd)}, {variance:.0%} {direction} it. The turn screen estimates the "
        f"{f.period} your forecast is for, in a typical world with no surprises: start from "
        "it, then allow for the events you expect.",
        "forecast-variance",
    )


def allocation_gap(scenario: Scenario, f: TurnFacts) -> Candidate | None:
    coverage = f.allocation_coverage
    if "tagging" not in scenario.level.practices.enabled or coverage is None or coverage >= 0.9:
        return None
    # Tags save nothing by themselves: they make the money visible, so a small share.
    return f.untagged_usd * 0.1, Tip(
        f"{1 - coverage:.0%} of this bill ({usd(f.untagged_usd)}) had no owner. Untagged spend "
        "is nobody's: no team sees it, answers for it or can judge its return.",
        "allocation",
    )


def sla_misses(scenario: Scenario, f: TurnFacts) -> Candidate | None:
    if scenario.level.inference is None or f.sla_miss_rate <= 0.01:
        return None
    i = f.decisions.inference
    if f.serves_through_api:
        where = f"through the {i.api_model} API"
    else:
        where = f"on {i.gpus} x {i.gpu} ({PRICING_LABELS.get(i.pricing, i.pricing).lower()})"
    causes = (
        "traffic_surge",
        "capacity_shortage",
        "schedule_stopped_serving",
        "schedule_stopped_serving_nightly",
    )
    also = [e.title for e in f.events if e.kind in causes]
    context = f" This {f.period}: {'; '.join(also)}." if also else ""
    return f.value_usd * f.sla_miss_rate * 2 + 1, Tip(
        f"{f.sla_miss_rate:.1%} of requests served {where} missed the latency SLA.{context} "
        "Requests that miss it earn nothing.",
        "inference-memory",
    )


def runaway_job(scenario: Scenario, f: TurnFacts) -> Candidate | None:
    cost = f.event_cost("runaway_job")
    if cost < 1:
        return None
    p = f.decisions.practices
    if p.anomaly_detection:
        caught = "Anomaly detection caught it"
    elif p.budget_alerts:
        caught = "A budget alert caught it"
    else:
        caught = "Nobody noticed it until the bill arrived"
    return cost * 0.5, Tip(
        f"A runaway job cost {usd(cost)} this {f.period}. {caught}.",
        "anomaly-detection",
    )


def safety_incident(scenario: Scenario, f: TurnFacts) -> Candidate | None:
    cost = f.event_cost("safety_incident")
    if cost < 1:
        return None
    return cost * 0.5, Tip(
        f"A safety incident cost {usd(cost)} this {f.period}"
        f" ({'; '.join(e.title for e in f.events if e.kind == 'safety_incident')}).",
        "responsible-ai",
    )


def idle_dev_notebooks(scenario: Scenario, f: TurnFacts) -> Candidate | None:
    if f.dev_waste_usd <= 0.05 * max(f.spend_usd, 1.0):
        return None
    return f.dev_waste_usd * 0.3, Tip(
        f"Dev notebooks sat idle for {usd(f.dev_waste_usd)} of this bill: GPUs paid for "
        "hours nobody worked.",
        "scheduling",
    )


def lost_spot_work(scenario: Scenario, f: TurnFacts) -> Candidate | None:
    if not f.preemptions or f.lost_gpu_hours <= 0:
        return None
    t = f.decisions.training
    rate = scenario.catalog.gpus[t.gpu].price.rate(t.pricing)
    return f.lost_gpu_hours * rate * 0.5, Tip(
        f"{f.preemptions} spot preemption{'s' if f.preemptions > 1 else ''} made you redo "
        f"{f.lost_gpu_hours:,.0f} GPU-hours: each loses the work since the last checkpoint "
        f"(every {t.checkpoint_hours:g} h).",
        "spot",
    )


def training_behind(scenario: Scenario, f: TurnFacts) -> Candidate | None:
    """When, at this period's pace, the model ships after its deadline (or never)."""
    tr = scenario.level.training
    loss = f.loss
    if tr is None or loss is None or loss <= tr.target_loss or not f.trained:
        return None
    t = f.decisions.training
    needed = tokens_for_loss(t.params, tr.target_loss)
    stake = tr.value_usd * tr.late_penalty
    if needed is None:
        return stake, Tip(
            f"A {t.params / 1e9:g}B model can never reach loss {tr.target_loss:.3f}, whatever "
            "the data: its size limits it (Chinchilla). Only a bigger model reaches it.",
            "chinchilla",
        )
    pace = t.tokens
    left = max(needed - f.tokens_trained, 0.0)
    periods = math.inf if pace <= 0 else math.ceil(left / pace - 1e-9)
    finish = f.turn + periods
    if finish <= tr.deadline_turn:
        return None
    late = min(finish - tr.deadline_turn, scenario.level.turns) if periods < math.inf else 4
    if periods == math.inf or finish > scenario.level.turns:
        when = "it would not ship before the game ends"
    else:
        when = f"it ships in {f.period} {finish:.0f}"
    if f.turn >= tr.deadline_turn:
        head = (
            f"The model missed its deadline ({f.period} {tr.deadline_turn}): each {f.period} "
            f"late loses {tr.late_penalty:.0%} of its {usd(tr.value_usd)} value."
        )
    else:
        head = f"Loss {loss:.3f}, target {tr.target_loss:.3f} by {f.period} {tr.deadline_turn}."
    return stake * late, Tip(
        f"{head} About {needed / 1e9:,.0f}B tokens reach the target ({left / 1e9:,.0f}B to "
        f"go); at {pace / 1e9:,.0f}B a {f.period} {when}. Compute is 6 x params x tokens: "
        "finishing sooner takes more GPU-hours a period.",
        "training-compute",
    )


def tokens_for_loss(params: float, loss: float) -> float | None:
    """Tokens a model of `params` needs to reach `loss` (Chinchilla fit); None if never."""
    reducible = loss - physics.LOSS_E - physics.LOSS_A / params**physics.LOSS_ALPHA
    if reducible <= 0:
        return None
    return (physics.LOSS_B / reducible) ** (1 / physics.LOSS_BETA)


OBSERVATIONS: tuple[Observation, ...] = (
    training_behind,
    lost_spot_work,
    unused_commitments,
    idle_dev_notebooks,
    runaway_job,
    safety_incident,
    allocation_gap,
    over_budget,
    forecast_missed,
    sla_misses,
)


# -- when no rule has anything to say --------------------------------------------------------


def capacity_in_words(f: TurnFacts, scenario: Scenario) -> str:
    """What the period ran on, as the decisions say: never a capacity it did not buy."""
    parts = []
    t, i = f.decisions.training, f.decisions.inference
    if scenario.level.training is not None and f.trained:
        parts.append(
            f"training on {t.gpus} x {t.gpu} ({PRICING_LABELS.get(t.pricing, t.pricing).lower()})"
        )
    if scenario.level.inference is not None:
        if f.serves_through_api:
            parts.append(f"serving through the {i.api_model} API")
        else:
            pricing = PRICING_LABELS.get(i.pricing, i.pricing).lower()
            parts.append(f"serving on {i.gpus} x {i.gpu} ({pricing})")
    return " and ".join(parts)


def quiet_period(scenario: Scenario, f: TurnFacts, tried: list[Proposal]) -> Tip:
    """The closing line when no rule spoke: what the period was, and what was tried."""
    ran = capacity_in_words(f, scenario)
    ran = f" ({ran})" if ran else ""
    budget = (
        "within budget" if f.spend_usd <= f.budget_usd else f"{usd(f.over_budget_usd)} over budget"
    )
    if f.events:
        head = f"This {f.period}{ran}: {'; '.join(e.title for e in f.events)}; {budget}."
    else:
        head = f"A calm {f.period}{ran}: no events, {budget}."
    if tried:
        changes = ", ".join(p.phrase.removeprefix("with ") for p in tried)
        head += f" None of the changes the advisor tried ({changes}) would have paid off."
    return Tip(
        f"{head} FinOps is a loop: read the bill (Inform), buy and use better (Optimize), "
        "keep the habits that catch surprises (Operate).",
        "finops-phases",
    )
