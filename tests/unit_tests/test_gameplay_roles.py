"""Role lenses without an app: which measures lead, and how they read."""

from __future__ import annotations

import pytest

from finops_tui.engine.game import plan_decisions
from finops_tui.gameplay.format import KPI_INFO
from finops_tui.gameplay.roles import (
    LENS_CYCLE,
    METRIC_INFO,
    ROLES,
    lead_first,
    lead_keys,
    lead_metrics,
    lens_name,
    metric_concept,
    metric_label,
    metric_text,
    metric_value,
    next_lens,
    role,
)
from finops_tui.gameplay.session import GameSession
from tests.conftest import SHIPPED_LEVELS


def played(scenario, turns: int = 2, plan: str = "naive") -> GameSession:
    session = GameSession.start(scenario, seed=3)
    for decisions in plan_decisions(scenario, scenario.level.plans[plan])[:turns]:
        session.resolve(decisions)
    return session


def test_the_lens_key_cycles_none_it_finance_data_science():
    seen = [""]
    for _ in range(len(LENS_CYCLE)):
        seen.append(next_lens(seen[-1]))
    assert seen == ["", "it", "finance", "data-science", ""]
    assert next_lens("[b]nobody[/b]") == "it"  # an unknown lens starts the cycle again
    assert next_lens(None) == "it"


def test_unknown_lenses_are_no_lens():
    assert role("") is None and role(None) is None and role("ceo") is None
    assert lens_name("ceo") == "none"
    assert [lens_name(r) for r in ROLES] == ["IT", "Finance", "Data Science"]


def test_every_measure_has_a_label_and_a_concept():
    for found in ROLES.values():
        for metric in found.metrics:
            assert metric in KPI_INFO or metric in METRIC_INFO, metric
            assert metric_label(metric)
            assert metric_concept(metric)


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_a_lens_leads_only_with_what_the_level_has(scenarios, name):
    level = scenarios[name].level
    for role_id, found in ROLES.items():
        keys = lead_keys(role_id, level)
        assert keys == [m for m in found.metrics if m in keys]  # the role's own order
        if level.training is None:
            assert not {"model_quality", "loss", "tokens_trained", "on_time"} & set(keys)
        if "lost_gpu_hours" in keys:
            assert "spot" in level.training.pricing
        if "forecast_accuracy" in keys:
            assert "forecast_accuracy" in {c.kpi for c in level.scoring.components}
        if {"commitment_utilization", "commitment_coverage"} & set(keys):
            offered = set(level.training.pricing if level.training else []) | set(
                level.inference.pricing if level.inference else []
            )
            assert offered & {"commit-1y", "commit-3y"}
    assert lead_keys("", level) == []


def test_a_chatbot_without_training_gives_data_science_nothing_to_lead(scenarios):
    assert lead_keys("data-science", scenarios["chatbot-at-scale"].level) == []


def test_lead_first_puts_the_lens_first_without_repeats(scenarios):
    level = scenarios["sandbox"].level
    keys = ["score", "roi", "waste_share"]
    ordered = lead_first(keys, "finance", level)
    lead = lead_keys("finance", level)
    assert ordered[: len(lead)] == lead
    assert ordered[len(lead) :] == ["score", "waste_share"]
    assert lead_first(keys, None, level) == keys


def test_measures_are_none_before_the_first_period(scenarios):
    session = GameSession.start(scenarios["sandbox"], seed=3)
    for found in ROLES.values():
        for metric in found.metrics:
            assert metric_value(metric, session.state) is None
    assert {m.value for m in lead_metrics("it", session.level, session.state)} == {"-"}


def test_measures_add_up_over_the_periods_played(scenarios):
    session = played(scenarios["spot-or-reserved"], turns=3)
    history = session.state.history
    spend = sum(r.spend_usd for r in history)
    budget = sum(r.budget_usd for r in history)
    assert metric_value("spend_vs_budget", session.state) == pytest.approx(spend / budget)
    assert metric_value("waste_usd", session.state) == pytest.approx(
        sum(r.kpis.get("waste_usd") or 0.0 for r in history)
    )
    assert metric_value("loss", session.state) == history[-1].kpis.get("loss")


def test_lead_metrics_are_the_lead_keys_ready_to_show(scenarios):
    session = played(scenarios["spot-or-reserved"])
    for role_id in ROLES:
        shown = lead_metrics(role_id, session.level, session.state)
        assert [m.key for m in shown] == lead_keys(role_id, session.level)
        assert all(m.label == metric_label(m.key) for m in shown)


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [
        ("spend_vs_budget", 0.974, "97%"),
        ("waste_usd", 1234.4, "$1,234"),
        ("loss", 2.3104, "2.310"),
        ("tokens_trained", 20.5e9, "20.5B"),
        ("lost_gpu_hours", 1234.4, "1,234 GPU-h"),
        ("lost_gpu_hours", None, "-"),
    ],
)
def test_measures_read_in_their_own_unit(metric, value, text):
    assert metric_text(metric, value) == text


def test_the_lens_key_cycles_through_every_role_and_back() -> None:
    seen = [""]
    while (following := next_lens(seen[-1])) != "":
        seen.append(following)
    assert seen == ["", "it", "finance", "data-science"]
