"""The justification's rubric without an app: a checklist of four items, never a grade."""

from __future__ import annotations

import time

import pytest

from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.format import usd
from finops_tui.gameplay.rubric import (
    RUBRIC,
    game_figures,
    justification_feedback,
    quoted_numbers,
    rubric_record,
)
from finops_tui.gameplay.session import GameSession


@pytest.fixture(scope="module")
def finished(scenarios):
    scenario = scenarios["spot-or-reserved"]
    state = play(scenario, 3, plan_decisions(scenario, scenario.level.plans["par"]))
    return scenario, state


@pytest.fixture(scope="module")
def figures(finished):
    return game_figures(finished[1])


def _good_case(state) -> str:
    roi = state.game_kpis["roi"]
    return (
        f"We spent {usd(state.spend_usd)} and shipped on time. Spot with hourly checkpoints "
        f"saved about $180,000 against on-demand. The return was an ROI of {roi:.2f}. "
        "We ask you to approve the same guardrails for the next project."
    )


def test_a_case_with_all_four_items_has_them_all(finished, figures):
    feedback = justification_feedback(_good_case(finished[1]), figures)
    assert feedback.present == [item.id for item in RUBRIC] and feedback.missing == []
    figures_check = feedback.checks[0]
    assert "spend" in figures_check.note and "ROI" in figures_check.note
    assert "spot capacity" in feedback.checks[1].note


def test_nothing_written_is_all_missing_and_says_so(figures):
    feedback = justification_feedback("   \n ", figures)
    assert feedback.present == []
    assert {c.note for c in feedback.checks} == {"not written yet"}


def test_feedback_says_what_is_missing_not_a_grade(figures):
    feedback = justification_feedback("We used tags everywhere. It went well.", figures)
    notes = {c.item.id: (c.present, c.note) for c in feedback.checks}
    assert notes["figures"] == (False, "missing: quote " + RUBRIC[0].hint)
    assert notes["practice"][0] is False and "add what it saved" in notes["practice"][1]
    assert notes["value"][0] is False and notes["ask"][0] is False
    assert set(feedback.record()) == {item.id for item in RUBRIC}
    assert all(isinstance(v, bool) for v in feedback.record().values())  # a checklist


def test_numbers_that_are_not_the_games_do_not_count_as_its_figures(figures):
    feedback = justification_feedback("We spent $1,234,567,890 and got 3.7% back.", figures)
    check = feedback.checks[0]
    assert not check.present and "none is one of the game's" in check.note


def test_rounded_figures_count(finished, figures):
    state = finished[1]
    thousands = f"${state.spend_usd / 1000:,.0f}k"
    assert justification_feedback(f"We spent {thousands}.", figures).checks[0].present
    share = f"{state.spend_usd / sum(r.budget_usd for r in state.history):.0%}"
    assert justification_feedback(f"We used {share} of the budget.", figures).checks[0].present


def test_a_practice_needs_what_it_saved_in_the_same_sentence(figures):
    apart = "We scheduled the notebooks. Later, we saved 40% on training."
    together = "The shutdown schedule cut idle notebook spend by 60%."
    assert not justification_feedback(apart, figures).checks[1].present
    assert justification_feedback(together, figures).checks[1].present


def test_words_inside_other_words_do_not_count(figures):
    text = "I spotted a tagline in the alertness report."
    assert not justification_feedback(text, figures).checks[1].present


def test_number_reading():
    got = {q.shown: (q.kind, q.value) for q in quoted_numbers("$41.2k, 85%, 2.4x, 12,000, 7")}
    assert got["$41.2k"] == ("usd", pytest.approx(41_200))
    assert got["85%"] == ("share", pytest.approx(0.85))
    assert got["2.4x"] == ("ratio", pytest.approx(2.4))
    assert got["12,000"] == ("usd", 12_000)
    assert got["7"][0] == "number"


@pytest.mark.parametrize(
    "text",
    [
        "[bold red]We saved[/] $5 [link=http://x]ROI[/link] \x1b[31m please\x00\x07",
        "\u202e\u200b" * 500 + "approve",
        "$" * 50_000 + "9" * 50_000,
        ("We saved 10% with spot. " * 5_000)[:100_000],
        "1," * 50_000,
    ],
)
def test_hostile_text_is_read_quickly_and_never_raises(figures, text):
    started = time.perf_counter()
    feedback = justification_feedback(text, figures)
    assert time.perf_counter() - started < 2.0
    assert len(feedback.checks) == len(RUBRIC)
    assert justification_feedback(text, figures) == feedback  # the same text, the same list


def test_markup_is_read_as_words(figures):
    feedback = justification_feedback("[b]We request[/b] more budget.", figures)
    assert feedback.checks[3].present


def test_the_session_keeps_the_checklist_with_the_text(finished):
    scenario, state = finished
    session = GameSession(scenario, state, "Team Red")
    session.write(justification=_good_case(state))
    assert session.learning.rubric == {item.id: True for item in RUBRIC}
    session.write(justification="")
    assert session.learning.rubric == {}


def test_a_saved_checklist_reads_in_rubric_order():
    assert list(rubric_record({"ask": True, "figures": True})) == [i.id for i in RUBRIC]
    assert rubric_record({"ask": True}) == {
        "figures": False,
        "practice": False,
        "value": False,
        "ask": True,
    }
