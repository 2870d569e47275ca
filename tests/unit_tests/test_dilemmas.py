"""Every practice is a trade-off: the balance bars, the failure modes, delivering nothing.

Through the batch engine, over 300 seeds per plan: fast enough for every level.
"""

from __future__ import annotations

import numpy as np
import pytest

from finops_tui.engine import plan_decisions
from finops_tui.engine.batch import play_batch
from finops_tui.engine.reference_plans import (
    all_on_decisions,
    alternative_plans,
    idle_decisions,
    practice_share,
)

from ..conftest import SHIPPED_LEVELS

SEEDS = np.arange(300)
EXEMPT_FROM_ALL_ON = ("tutorial", "sandbox")


def mean_score(scenario, decisions) -> float:
    return float(play_batch(scenario, SEEDS, decisions).score.mean())


def par_of(scenario):
    return plan_decisions(scenario, scenario.level.plans["par"])


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_a_plan_that_buys_no_compute_scores_at_most_30_and_never_beats_naive(scenarios, name):
    scenario = scenarios[name]
    idle = play_batch(scenario, SEEDS, idle_decisions(scenario)).score
    naive = play_batch(scenario, SEEDS, plan_decisions(scenario, scenario.level.plans["naive"]))
    assert idle.mean() <= 30
    assert (idle <= naive.score).all()


@pytest.mark.parametrize(
    "name",
    [n for n in SHIPPED_LEVELS if n not in EXEMPT_FROM_ALL_ON],
)
def test_par_beats_every_practice_on_by_three_points(scenarios, name):
    scenario = scenarios[name]
    assert (
        mean_score(scenario, par_of(scenario))
        >= mean_score(scenario, all_on_decisions(scenario)) + 3
    )


@pytest.mark.parametrize("name", [n for n in SHIPPED_LEVELS if n != "tutorial"])
def test_every_competitive_level_ships_an_alternative_within_five_points_of_par(scenarios, name):
    scenario = scenarios[name]
    level = scenario.level
    alternatives = alternative_plans(level.plans)
    assert alternatives, f"{name} ships no plans.alt"
    par = mean_score(scenario, par_of(scenario))
    close = [
        alt
        for alt in alternatives
        if abs(mean_score(scenario, plan_decisions(scenario, level.plans[alt])) - par) <= 5
    ]
    assert close, f"no alternative of {name} scores within 5 points of par ({par:.1f})"


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_par_spends_a_plausible_share_on_finops_practices(scenarios, name):
    scenario = scenarios[name]
    share = practice_share(play_batch(scenario, SEEDS[:50], par_of(scenario))).mean()
    assert share <= 0.25, f"{name}: par spends {share:.0%} on practices"


def test_anomaly_detection_sometimes_pauses_a_legitimate_run_and_holds_its_gpus(scenarios):
    scenario = scenarios["foundation-budget"]
    par = par_of(scenario)
    with_anomaly = [
        d.model_copy(
            update={"practices": d.practices.model_copy(update={"anomaly_detection": True})}
        )
        for d in par
    ]
    plain = play_batch(scenario, SEEDS[:100], par)
    flagged = play_batch(scenario, SEEDS[:100], with_anomaly)
    # A false flag holds 48 H100s for a day: some seeds pay for it, none gains.
    assert (flagged.kpis["waste_share"] >= plain.kpis["waste_share"]).all()
    assert (flagged.kpis["waste_share"] > plain.kpis["waste_share"] + 0.01).mean() > 0.5


def test_a_shutdown_schedule_stop_costs_a_run_without_checkpoints_more(scenarios):
    scenario = scenarios["runaway-fine-tune"]
    par = par_of(scenario)

    def with_checkpoints(hours: float):
        return [
            d.model_copy(
                update={
                    "training": d.training.model_copy(
                        update={"checkpoint_hours": hours, "pricing": "on-demand"}
                    )
                }
            )
            for d in par
        ]

    hourly = play_batch(scenario, SEEDS, with_checkpoints(1.0)).state
    never = play_batch(scenario, SEEDS, with_checkpoints(720.0)).state
    # Same seeds, same stops: the run without checkpoints loses more of its work.
    assert never.cum_waste.sum() > hourly.cum_waste.sum()


def test_chargeback_before_tagging_is_mature_costs_dispute_hours(scenarios):
    scenario = scenarios["public-sector"]
    par = par_of(scenario)

    def charged(tagging: float):
        return [
            d.model_copy(
                update={
                    "practices": d.practices.model_copy(
                        update={"allocation": "chargeback", "tagging": tagging}
                    )
                }
            )
            for d in par
        ]

    mature = play_batch(scenario, SEEDS[:20], charged(0.95)).practice_cents.sum()
    early = play_batch(scenario, SEEDS[:20], charged(0.5)).practice_cents.sum()
    assert early > mature  # fewer tags, less tagging time, but the disputes cost more


def test_practice_failures_are_drawn_from_the_seed_not_the_plan(scenarios):
    scenario = scenarios["foundation-budget"]
    par = par_of(scenario)
    all_on = all_on_decisions(scenario)
    a = play_batch(scenario, SEEDS[:50], all_on)
    b = play_batch(scenario, SEEDS[:50], all_on)
    assert np.array_equal(a.spend_cents, b.spend_cents)
    assert np.array_equal(a.score, b.score)
    assert not np.array_equal(a.spend_cents, play_batch(scenario, SEEDS[:50], par).spend_cents)


def test_no_debrief_says_excellent_beside_a_missed_target():
    from finops_tui.ui.screens.debrief import verdict

    assert verdict(95.0, (40, 65, 85)).startswith("Excellent")
    assert "Excellent" not in verdict(95.0, (40, 65, 85), missed=1)
    assert "with 1 target missed" in verdict(95.0, (40, 65, 85), missed=1)
    assert "with 2 targets missed" in verdict(95.0, (40, 65, 85), missed=2)


def test_the_sandbox_can_serve_the_model_it_trained_once_it_has_shipped(scenarios):
    from finops_tui.engine import check_decisions, new_game, resolve_turn

    scenario = scenarios["sandbox"]
    plan = plan_decisions(scenario, scenario.level.plans["alt-own"])
    state = new_game(scenario, 7)
    early = plan[0].model_copy(
        update={"inference": plan[0].inference.model_copy(update={"model": "ours"})}
    )
    (problem,) = check_decisions(scenario, state, early)
    assert problem.key == "inference.model" and "once it has shipped" in problem.message
    for decisions in plan:
        state = resolve_turn(scenario, state, decisions).state
    assert state.history[4].kpis["model_quality"] == 1.0  # shipped in month 5
    # Served from month 6: the answers are the trained model's, and they earn value.
    assert state.history[5].decisions.inference.model == "ours"
    assert state.history[5].value_usd > 0


def test_a_trained_model_needs_a_training_workload(scenarios):
    data = scenarios["chatbot-at-scale"].level.model_dump()
    data["inference"]["models"]["open-8b"]["trained"] = True
    from pydantic import ValidationError

    from finops_tui.engine.level import Level

    with pytest.raises(ValidationError, match="needs a training workload"):
        Level.model_validate(data)


def test_a_practice_that_misfires_is_told_in_the_turns_events(scenarios):
    from finops_tui.engine import play

    scenario = scenarios["foundation-budget"]
    state = play(scenario, 0, all_on_decisions(scenario))
    told = [e for r in state.history for e in r.events if e.kind == "anomaly_false_positive"]
    flagged = sum(r.kpis["false_positives"] for r in state.history)
    assert told and len(told) == flagged
    assert all(e.source == "" and "held" in e.effect for e in told)  # not a level event


def test_the_form_quotes_practice_hours_never_zero():
    from finops_tui.gameplay.fields import hours_text

    assert hours_text(0.25) == "<1 h"
    assert hours_text(2.6) == "~3 h"


@pytest.mark.parametrize(
    "name", ["foundation-budget", "runaway-fine-tune", "sandbox", "spot-or-reserved"]
)
def test_one_game_and_the_batch_agree_when_practices_misfire(scenarios, name):
    from finops_tui.engine import play

    scenario = scenarios[name]
    decisions = all_on_decisions(scenario)
    batch = play_batch(scenario, SEEDS[:8], decisions)
    for i, seed in enumerate(SEEDS[:8]):
        single = play(scenario, int(seed), decisions)
        spend = [round(r.spend_usd * 100) for r in single.history]
        assert spend == batch.spend_cents[i].tolist()
        assert single.score == float(batch.score[i])


def test_a_schedule_that_misses_the_serving_fleet_stops_it_for_a_night(scenarios):
    from finops_tui.engine import play

    scenario = scenarios["chatbot-at-scale"]
    par = par_of(scenario)
    scheduled = [
        d.model_copy(
            update={"practices": d.practices.model_copy(update={"shutdown_schedule": True})}
        )
        for d in par
    ]
    plain = play_batch(scenario, SEEDS, par)
    stopped = play_batch(scenario, SEEDS, scheduled)
    # Nothing to schedule here but production: the same seeds, never better served.
    assert (stopped.kpis["sla_attainment"] <= plain.kpis["sla_attainment"]).all()
    assert stopped.score.mean() <= plain.score.mean() - 3
    # On an API there is no fleet to stop: the months before self-hosting are untouched.
    state = play(scenario, 3, scheduled)
    for record in state.history:
        told = [e for e in record.events if e.kind == "schedule_stopped_serving"]
        assert len(told) == int(record.kpis["serving_stops"])
        if record.decisions.inference.mode == "api":
            assert not told
        else:
            for e in told:
                assert e.source == "" and "missed the latency SLA" in e.text
    assert any(r.kpis["serving_stops"] for r in state.history)


def test_no_shipped_sandbox_plan_beats_par_by_more_than_five_points(scenarios):
    # The API plan may win where traffic is spiky; par, sized to its peak, stays close.
    scenario = scenarios["sandbox"]
    par = mean_score(scenario, par_of(scenario))
    for name in alternative_plans(scenario.level.plans):
        plan = plan_decisions(scenario, scenario.level.plans[name])
        assert mean_score(scenario, plan) <= par + 5, name


def test_the_advisor_names_the_schedule_when_it_stopped_the_serving_fleet(scenarios):
    from finops_tui.gameplay.advisor import advise
    from finops_tui.gameplay.session import GameSession

    scenario = scenarios["chatbot-at-scale"]
    session = GameSession.start(scenario, seed=3)
    named = 0
    for d in par_of(scenario):
        d = d.model_copy(
            update={"practices": d.practices.model_copy(update={"shutdown_schedule": True})}
        )
        record = session.resolve(d)
        tip = advise(scenario, session.state, record)
        if record.kpis["serving_stops"] and "missed the latency SLA" in tip.text:
            assert "stopped the serving fleet for a night" in tip.text
            named += 1
    assert named


def with_scope(decisions, scope: str):
    """These decisions with the shutdown schedule on, at `scope`, every turn."""
    return [
        d.model_copy(
            update={
                "practices": d.practices.model_copy(
                    update={"shutdown_schedule": True, "schedule_scope": scope}
                )
            }
        )
        for d in decisions
    ]


def test_a_whole_account_schedule_stops_the_run_every_night_and_loses_the_deadline(scenarios):
    scenario = scenarios["spot-or-reserved"]
    par = par_of(scenario)
    notebooks = play_batch(scenario, SEEDS, with_scope(par, "notebooks"))
    account = play_batch(scenario, SEEDS, with_scope(par, "account"))
    # Notebooks only is par's own choice: byte for byte the same games.
    assert (notebooks.spend_cents == play_batch(scenario, SEEDS, par).spend_cents).all()
    # Every night the run is stopped: it trains in working hours only, and ships late.
    assert (account.kpis["on_time"] <= notebooks.kpis["on_time"]).all()
    assert account.kpis["on_time"].mean() < notebooks.kpis["on_time"].mean()
    assert account.score.mean() <= notebooks.score.mean() - 3
    # The run's GPUs are stopped at night, so the bill is smaller: a saving, not a free one.
    assert account.spend_cents.sum(axis=1).mean() < notebooks.spend_cents.sum(axis=1).mean()


def test_every_month_of_the_run_under_a_whole_account_schedule_tells_its_night_stops(scenarios):
    from finops_tui.engine import play

    scenario = scenarios["spot-or-reserved"]
    state = play(scenario, 0, all_on_decisions(scenario))
    for record in state.history:
        nightly = [e for e in record.events if e.kind == "schedule_stopped_run_nightly"]
        training = record.decisions.training.gpus > 0 and record.kpis["tokens_trained"] > 0
        assert len(nightly) == int(training)
        assert record.kpis["schedule_stops"] == int(training)


def test_a_whole_account_schedule_cuts_a_runaway_jobs_night_hours(scenarios):
    from finops_tui.engine.decision_arrays import DecisionArrays
    from finops_tui.engine.stages.period import Period
    from finops_tui.engine.stages.side_work import runaway_jobs

    scenario = scenarios["spot-or-reserved"]
    first = par_of(scenario)[0]
    unguarded = first.model_copy(
        update={
            "practices": first.practices.model_copy(
                update={"budget_alerts": False, "anomaly_detection": False}
            )
        }
    )
    decisions = with_scope([unguarded], "notebooks") + with_scope([unguarded], "account")
    arrays = DecisionArrays.from_decisions(scenario, decisions)
    period = Period(turn=1, hours=730.0, month_share=1.0)
    jobs = runaway_jobs(scenario, period, np.array([8.0, 8.0]), np.zeros(2), arrays)
    assert jobs.hours[0] == 730.0  # notebooks only: the sweep runs all month
    assert jobs.hours[1] == pytest.approx(730.0 * 60 / 168)  # working hours only


def test_the_record_and_the_advisor_tell_every_nights_stop_as_an_event(scenarios):
    from finops_tui.engine import new_game, resolve_turn
    from finops_tui.engine.what_if import resolve_variants, state_before
    from finops_tui.gameplay.turn_facts import turn_facts

    scenario = scenarios["spot-or-reserved"]
    decisions = all_on_decisions(scenario)[0]
    record = resolve_turn(scenario, new_game(scenario, 0), decisions).record
    told = [e for e in record.events if e.kind == "schedule_stopped_run_nightly"]
    assert len(told) == 1 and told[0].source == ""  # a practice's misfire, not a level event
    assert "every night" in told[0].title and "checkpoint" in told[0].text
    assert not [e for e in record.events if e.kind == "schedule_stopped_run"]
    before = state_before(scenario, 0, [])
    batch = resolve_variants(scenario, before, decisions, [])
    facts = turn_facts(scenario, decisions, before, batch.out, 0)
    assert sorted(e.kind for e in facts.events) == sorted(e.kind for e in record.events)


def test_only_a_level_that_offers_the_scope_accepts_a_whole_account_schedule(scenarios):
    from finops_tui.engine import check_decisions, new_game

    for name in SHIPPED_LEVELS:
        scenario = scenarios[name]
        decisions = with_scope(par_of(scenario)[:1], "account")[0]
        problems = check_decisions(scenario, new_game(scenario, 0), decisions)
        keys = [p.key for p in problems]
        offered = "schedule_scope" in scenario.level.practices.enabled
        assert offered == (name == "spot-or-reserved")
        assert ("practices.schedule_scope" in keys) == (not offered)


def test_a_whole_account_schedule_takes_a_self_hosted_fleet_down_every_night(scenarios):
    from finops_tui.engine import play
    from finops_tui.engine.scenario import Scenario

    base = scenarios["chatbot-at-scale"]
    level = base.level
    offered = level.practices.model_copy(
        update={"enabled": [*level.practices.enabled, "schedule_scope"]}
    )
    scenario = Scenario.build(level.model_copy(update={"practices": offered}), base.catalog)
    par = par_of(scenario)
    once = play_batch(scenario, SEEDS, with_scope(par, "notebooks"))
    nightly = play_batch(scenario, SEEDS, with_scope(par, "account"))
    # Dark every night, not one night now and then: never better served, on every seed.
    assert (nightly.kpis["sla_attainment"] < once.kpis["sla_attainment"]).all()
    state = play(scenario, 3, with_scope(par, "account"))
    for record in state.history:
        told = [e for e in record.events if e.kind == "schedule_stopped_serving_nightly"]
        self_hosted = record.decisions.inference.mode == "self-host"
        assert len(told) == int(self_hosted) == int(record.kpis["serving_stops"])
        assert not [e for e in record.events if e.kind == "schedule_stopped_serving"]
