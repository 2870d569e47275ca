"""Reference plans a level is balanced against: every practice on, and no compute at all.

`all_on` is par with every practice the level offers switched on: if it scored as well
as par, practices would be free and "switch everything on" would be the answer.
`idle` buys no compute and switches every practice on: delivering nothing must earn
nothing, so it must never beat a plan that ships.
"""

from __future__ import annotations

import numpy as np

from finops_tui.engine.batch import BatchResult
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import plan_decisions, start_decisions
from finops_tui.engine.level import Plan
from finops_tui.engine.scenario import Scenario

# Each practice at full strength; allocation at its strongest, chargeback.
FULL_STRENGTH: dict[str, object] = {
    "tagging": 1.0,
    "budget_alerts": True,
    "anomaly_detection": True,
    "shutdown_schedule": True,
    # The schedule at its widest: the whole account stopped every night.
    "schedule_scope": "account",
    "rightsizing": True,
    "allocation": "chargeback",
    "safety_evaluation": True,
}


def every_practice_on(scenario: Scenario, decisions: Decisions) -> Decisions:
    """These decisions with every practice the level offers at full strength."""
    practices = decisions.practices.model_dump()
    for name in scenario.level.practices.enabled:
        practices[name] = FULL_STRENGTH[name]
    return decisions.model_copy(update={"practices": type(decisions.practices)(**practices)})


def all_on_decisions(scenario: Scenario) -> list[Decisions]:
    """Par's decisions, every turn, with every practice the level offers switched on."""
    par = plan_decisions(scenario, scenario.level.plans["par"])
    return [every_practice_on(scenario, d) for d in par]


def idle_decisions(scenario: Scenario) -> list[Decisions]:
    """No compute bought in any turn (no training, no serving GPUs), every practice on."""
    start = start_decisions(scenario)
    update: dict = {"training": start.training.model_copy(update={"gpus": 0, "tokens": 0.0})}
    inf = scenario.level.inference
    if inf is not None:
        # Self-hosting on no GPUs serves nothing and buys nothing; an API always buys.
        mode = "self-host" if "self-host" in inf.modes else start.inference.mode
        update["inference"] = start.inference.model_copy(
            update={"mode": mode, "gpus": 0, "caching": False}
        )
    idle = every_practice_on(scenario, start.model_copy(update=update))
    return [idle] * scenario.level.turns


def reference_plans(scenario: Scenario) -> dict[str, list[Decisions]]:
    """par, naive, all_on, idle and every alternative plan the level ships, by name."""
    level = scenario.level
    plans = {name: plan_decisions(scenario, level.plans[name]) for name in ("par", "naive")}
    plans["all_on"] = all_on_decisions(scenario)
    plans["idle"] = idle_decisions(scenario)
    for name in alternative_plans(level.plans):
        plans[name] = plan_decisions(scenario, level.plans[name])
    return plans


def alternative_plans(plans: dict[str, Plan]) -> list[str]:
    """The level's alternative plans: `alt`, `alt-...`, in the file's order."""
    return [name for name in plans if name.startswith("alt")]


def practice_share(result: BatchResult) -> np.ndarray:
    """Per seed, the share of the whole bill that paid for FinOps practices."""
    total = result.spend_cents.sum(axis=1)
    return np.where(total > 0, result.practice_cents.sum(axis=1) / np.maximum(total, 1), 0.0)
