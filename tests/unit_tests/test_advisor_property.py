"""The advisor over 1,000 seeds of every level: no contradiction, no tip that costs money.

The batch engine plays a thousand games of each shipped plan at once; each period is
resolved as played and with every change the advisor knows, in one kernel batch per
period (engine/what_if.py). The advisor's own rules then speak for each game from its
facts and its counterfactuals, and every tip is checked against both. Nothing here
names a level figure: whatever the levels' numbers, the advisor must stay true.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from finops_tui.engine.batch_state import BatchState
from finops_tui.engine.game import plan_decisions
from finops_tui.engine.kernel import initial_state
from finops_tui.engine.what_if import resolve_variants
from finops_tui.gameplay.advice_rules import LEAST_GAIN_USD, Tip, proposals
from finops_tui.gameplay.advisor import choose_tip
from finops_tui.gameplay.codex import codex
from finops_tui.gameplay.format import usd
from finops_tui.gameplay.turn_facts import TurnFacts, batch_facts
from tests.conftest import SHIPPED_LEVELS

SEEDS = np.arange(1000)
PLANS = ("par", "naive")


def rows_of(state: BatchState, rows: np.ndarray) -> BatchState:
    """The games at `rows` of a batch state."""
    return BatchState(
        **{
            name: (value if name == "turn" else np.asarray(value)[rows])
            for name, value in vars(state).items()
        }
    )


def contradictions(tip: Tip, f: TurnFacts) -> list[str]:
    """What in the tip's words the period's facts deny."""
    text, lower = tip.text, tip.text.lower()
    wrong = []
    if "clean period" in lower:
        wrong.append("the old generic line")
    if lower.startswith("a calm") or "no events" in lower:
        if f.events:
            wrong.append(f"calm, with {sorted(f.kinds)}")
        if f.spend_usd > f.budget_usd:
            wrong.append("calm, over budget")
    if "within budget" in lower and f.spend_usd > f.budget_usd:
        wrong.append("within budget, but over")
    if " over. " in text and f.spend_usd <= f.budget_usd:
        wrong.append("over budget, but within")
    if re.search(r"\bon (on-demand|spot|commit[\w ]*) capacity", lower):
        wrong.append("capacity named by pricing alone")
    if f.serves_through_api and ("serving on" in text or "serving GPUs" in text):
        wrong.append("serving capacity named for an API")
    if not f.trained and ("training on" in text or "Training ran" in text):
        wrong.append("training named while no training ran")
    if tip.concept not in codex():
        wrong.append(f"unknown concept {tip.concept}")
    return wrong


def costs_money(tip: Tip, f: TurnFacts) -> list[str]:
    """A recommendation that the engine says would not have paid this period."""
    w = tip.what_if
    if not tip.change:
        return [] if w is None else ["figures without a change"]
    if w is None:
        return ["a change without the engine's figures"]
    wrong = []
    if w.net_gain_usd < LEAST_GAIN_USD:
        wrong.append(f"net {w.net_gain_usd}")
    if w.score_change < 0:
        wrong.append(f"score {w.score_change}")
    if w.played.spend_usd != f.spend_usd:
        wrong.append("a counterfactual of another period")
    figure = usd(w.saving_usd) if w.saving_usd >= LEAST_GAIN_USD else usd(w.value_gain_usd)
    if figure not in tip.text:
        wrong.append(f"the engine's figure {figure} is not quoted")
    return wrong


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_the_advisor_never_contradicts_a_period_nor_recommends_a_loss(scenarios, name):
    scenario = scenarios[name]
    said: dict[str, int] = {}
    for plan in PLANS:
        state = initial_state(scenario, SEEDS)
        games = np.arange(SEEDS.size)
        for decisions in plan_decisions(scenario, scenario.level.plans[plan]):
            offered = proposals(scenario, decisions)
            batch = resolve_variants(scenario, state, decisions, [p.decisions for p in offered])
            played_rows = games * batch.width
            facts = batch_facts(scenario, decisions, state, batch.out, played_rows, games)
            for game, f in zip(games, facts, strict=True):
                tried = list(zip(offered, batch.what_ifs(game), strict=True))
                tip = choose_tip(scenario, f, tried)
                wrong = contradictions(tip, f) + costs_money(tip, f)
                assert not wrong, (plan, int(SEEDS[game]), f.turn, wrong, tip.text)
                said[tip.change or tip.concept] = said.get(tip.change or tip.concept, 0) + 1
            state = rows_of(batch.after, played_rows)
    assert said  # the advisor spoke every period of every game
