"""Each stage of the kernel alone, on small hand-made arrays: it does what the model says.

The stages run on the sandbox level (every workload and practice enabled); the
numbers expected are worked out by hand from the model, not read back from the code.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finops_tui.engine import Decisions
from finops_tui.engine.batch_state import initial_state
from finops_tui.engine.catalog import GPU_NAMES
from finops_tui.engine.decision_arrays import DecisionArrays
from finops_tui.engine.kernel import resolve
from finops_tui.engine.ledger import workload_gpu
from finops_tui.engine.level import Level
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.stages.billing import (
    bill_commitments,
    bill_compute,
    bill_practices,
    current_rates,
)
from finops_tui.engine.stages.commitments import Commitments, buy_commitments, obligation_cents
from finops_tui.engine.stages.inference import serve
from finops_tui.engine.stages.money import Line
from finops_tui.engine.stages.outcomes import event_outcomes
from finops_tui.engine.stages.period import Period
from finops_tui.engine.stages.side_work import (
    dev_environment,
    event_gpu,
    event_of,
    idle_clusters,
    runaway_jobs,
)
from finops_tui.engine.stages.spot import (
    interruptions,
    lost_wall_hours,
    poisson_inverse,
    spot_instances,
)
from finops_tui.engine.stages.totals import add_up
from finops_tui.engine.stages.training import run_training, ship, train
from finops_tui.engine.stages.usage import Usage, WorkloadUsage, no_usage
from finops_tui.engine.stages.world import (
    FiredEvent,
    apply_event,
    calm_world,
    turn_draws,
    world_events,
)

H100 = GPU_NAMES.index("h100")
A100 = GPU_NAMES.index("a100-80gb")
L4 = GPU_NAMES.index("l4")
HOURS = 730.0  # the sandbox's period: a month


def decide(scenario, *games: dict) -> DecisionArrays:
    """One game per dict of decisions (what a dict leaves out is the default)."""
    return DecisionArrays.from_decisions(
        scenario, [Decisions.model_validate(game) for game in games]
    )


def period(scenario, turn: int = 1) -> Period:
    return Period.of(scenario, turn)


def quiet_usage(b: int) -> Usage:
    nothing = no_usage(np.zeros(b, dtype=np.int64))
    return Usage(nothing, nothing, nothing, nothing, nothing)


# --- Spot interruptions ------------------------------------------------------------


def test_poisson_inverse_is_the_poisson_quantile():
    # Poisson(2): P(0) = 0.135, P(<=1) = 0.406, P(<=2) = 0.677, P(<=3) = 0.857, P(<=4) = 0.947
    u = np.array([0.10, 0.20, 0.50, 0.80, 0.90, 0.99])
    counts = poisson_inverse(u, np.full(6, 2.0), cap=32)
    assert counts.tolist() == [0, 1, 2, 3, 4, 6]


def test_more_exposure_never_means_fewer_interruptions_and_the_cap_holds():
    u = np.full(5, 0.7)
    counts = poisson_inverse(u, np.array([0.0, 0.5, 1.0, 4.0, 100.0]), cap=5)
    assert counts.tolist() == sorted(counts.tolist())
    assert counts[0] == 0 and counts[-1] == 5


def test_only_spot_gpus_are_interrupted():
    u = np.array([0.999, 0.999])
    count = interruptions(
        u, np.full(2, 0.01), np.full(2, 8.0), np.full(2, 100.0), np.array([False, True]), cap=32
    )
    assert count[0] == 0 and count[1] > 0


def test_spot_interrupts_instances_at_awss_per_instance_rate(sandbox):
    """AWS Spot Instance Advisor: interruption frequency is the share of *instances*
    interrupted in a month; the >20% bucket is taken as 25% for H100 (p5.48xlarge,
    8 GPUs an instance). 64 spot H100s are 8 instances: 2 interruptions expected in a
    month, not 16. A g6.xlarge holds one L4, so 8 L4s are 8 instances."""
    h100 = sandbox.catalog.gpus["h100"]
    assert h100.gpus_per_instance == 8 and sandbox.catalog.gpus["l4"].gpus_per_instance == 1
    instances = spot_instances(np.array([64.0, 60.0, 1.0]), np.array([8, 8, 8]))
    assert instances.tolist() == [8.0, 8.0, 1.0]  # a part-used instance is still one
    expected = sandbox.hazard[H100] * 8 * HOURS
    assert expected == pytest.approx(8 * 0.25)
    # The Poisson count at its median draw is that expectation's median: 2, not ~16.
    count = interruptions(
        np.array([0.5]),
        sandbox.hazard[[H100]],
        np.array([8.0]),
        np.array([HOURS]),
        np.array([True]),
        cap=32,
    )
    assert count[0] == 2


@settings(max_examples=80, deadline=None)
@given(
    gpus=st.integers(2, 64),  # 7B needs at least 2 H100s to train
    u0=st.floats(0.0, 0.9999),
    strikes=st.lists(st.floats(0.0, 0.9999), min_size=32, max_size=32),
    checkpoint=st.floats(0.05, 24.0),
)
def test_a_preemption_never_costs_more_than_the_work_since_the_last_checkpoint(
    sandbox, gpus, u0, strikes, checkpoint
):
    """Each preemption loses at most one checkpoint interval of the run's work (every
    GPU of a synchronous job restarts from the checkpoint) plus the restart."""
    job = {
        "training": {
            **JOB,
            "gpus": gpus,
            "pricing": "spot",
            "checkpoint_hours": checkpoint,
            "tokens": 1e11,
        }
    }
    u = np.array([[u0, *strikes]])
    run = training_run(sandbox, [job], u)
    n = int(run.preemptions[0])
    restart = sandbox.catalog.training.restart_hours
    bound = gpus * n * (checkpoint + restart)
    assert run.lost_gpu_hours[0] <= bound + 1e-9


def test_a_preemption_loses_the_work_since_the_last_checkpoint():
    # Game 0: two preemptions, half and a quarter of the way through a 4 h interval,
    # plus a quarter hour to restart each. Game 1: none.
    fractions = np.array([[0.5, 0.25, 0.9], [0.5, 0.25, 0.9]])
    lost = lost_wall_hours(fractions, np.array([2, 0]), np.array([4.0, 4.0]), 0.25)
    assert lost.tolist() == [0.75 * 4 + 2 * 0.25, 0.0]


def test_checkpointing_more_often_loses_less_work():
    fractions = np.full((2, 3), 0.5)
    lost = lost_wall_hours(fractions, np.array([3, 3]), np.array([1.0, 8.0]), 0.0)
    assert lost.tolist() == [1.5, 12.0]


# --- The world's events --------------------------------------------------------------


def test_a_budget_cut_applies_where_it_fires_and_compounds(sandbox):
    world = calm_world(initial_state(sandbox, np.arange(3)))
    on = np.array([True, False, True])
    world = apply_event(world, "budget_change", None, on, np.full(3, 0.8), np.zeros(3))
    world = apply_event(world, "budget_change", None, on, np.full(3, 0.5), np.zeros(3))
    assert world.budget_mult.tolist() == [0.4, 1.0, 0.4]
    assert world.demand_mult.tolist() == [1.0, 1.0, 1.0]


def test_a_price_change_on_one_gpu_moves_only_that_gpu(sandbox):
    world = calm_world(initial_state(sandbox, np.arange(2)))
    world = apply_event(
        world, "price_change", "h100", np.array([True, False]), np.full(2, 0.6), np.zeros(2)
    )
    expected = np.ones((2, len(GPU_NAMES)))
    expected[0, H100] = 0.6
    assert np.array_equal(world.price_mult, expected)


def test_a_shortage_keeps_the_worst_and_a_runaway_job_is_whole_gpus(sandbox):
    world = calm_world(initial_state(sandbox, np.arange(2)))
    on = np.array([True, True])
    world = apply_event(world, "capacity_shortage", None, on, np.array([0.5, 0.2]), np.zeros(2))
    world = apply_event(world, "capacity_shortage", None, on, np.array([0.3, 0.4]), np.zeros(2))
    world = apply_event(world, "runaway_job", None, on, np.array([7.6, 4.2]), np.array([0.5, 0]))
    assert world.shortage.tolist() == [0.5, 0.4]
    assert world.runaway_gpus.tolist() == [8.0, 4.0]
    assert world.runaway_start.tolist() == [0.5, 0.0]


def test_scheduled_events_fire_on_their_turn_only(sandbox):
    # The sandbox cuts H100 prices by 40% in month 7.
    state = initial_state(sandbox, np.arange(1))
    d = decide(sandbox, {})
    quiet = turn_draws(state.seeds, 6, quiet=True)
    before = world_events(sandbox.level, state, d, 6, quiet)
    on_turn = world_events(sandbox.level, state, d, 7, quiet)
    assert not before.fired[0].occurred[0] and on_turn.fired[0].occurred[0]
    assert before.price_mult[0, H100] == 1.0 and on_turn.price_mult[0, H100] == 0.6
    # The calm world of an estimate has no random events.
    assert not any(f.occurred.any() for f in on_turn.fired if not f.scheduled)


def test_a_mitigating_practice_makes_an_event_rarer_on_the_same_draw(sandbox):
    level: Level = sandbox.level
    incident = next(e for e in level.events.random if e.kind == "safety_incident")
    p, kept = incident.probability, incident.mitigation
    state = initial_state(sandbox, np.arange(2))
    d = decide(
        sandbox,
        {"practices": {"safety_evaluation": True}},
        {"practices": {"safety_evaluation": False}},
    )
    draws = turn_draws(state.seeds, 1, quiet=True)
    draws["safety_incident"] = np.array([[p * kept * 1.5, 0.0], [p * kept * 1.5, 0.0]])
    world = world_events(level, state, d, 1, draws)
    fired = next(f for f in world.fired if not f.scheduled and f.index == 4)
    assert fired.occurred.tolist() == [False, True]
    assert world.incident_cost[0] == 0 and world.incident_cost[1] == incident.low


# --- Training ------------------------------------------------------------------------


def training_run(sandbox, decisions, u_preemption, shortage=0.0):
    d = decide(sandbox, *decisions)
    b = len(decisions)
    active = np.ones(b, dtype=bool)
    tr = sandbox.level.training
    return run_training(sandbox, HOURS, tr, d, active, np.full(b, shortage), u_preemption)


JOB = {"gpu": "h100", "gpus": 8, "params": 7e9, "tokens": 2e10, "checkpoint_hours": 4.0}


def test_training_bills_6nd_flops_at_the_mfu_plus_checkpoint_writes(sandbox):
    # 6 x 7e9 x 2e10 FLOPs at 40% of 989 TFLOP/s (H100 SXM dense BF16) = 589.8 GPU-hours;
    # writing 112 GB (16 bytes a parameter) at 2 GB/s every 4 h adds 0.39%.
    run = training_run(sandbox, [{"training": JOB}], np.zeros((1, 33)))
    compute_h = 6 * 7e9 * 2e10 / (989e12 * 0.40 * 3600)
    expected = compute_h * (1 + (7e9 * 16 / 2e9 / 3600) / 4.0)
    assert run.usage.other_hours[0] == pytest.approx(expected, rel=1e-3)
    assert run.usage.spot_hours[0] == 0 and run.preemptions[0] == 0
    assert run.tokens[0] == 2e10  # it all fits in the month


def test_spot_preemptions_lose_work_that_is_billed_and_counted_as_waste(sandbox):
    spot = {"training": {**JOB, "pricing": "spot"}}
    u = np.zeros((2, 33))
    u[1, 0] = 0.999  # game 1 draws many preemptions
    u[:, 1:] = 0.5  # each one strikes halfway through a checkpoint interval
    run = training_run(sandbox, [spot, spot], u)
    n = int(run.preemptions[1])
    assert run.preemptions[0] == 0 and n > 0
    lost_wall = n * (0.5 * 4.0 + 0.25)  # half an interval plus the restart, each time
    assert run.lost_gpu_hours[1] == pytest.approx(8 * lost_wall)
    extra = run.usage.spot_hours[1] - run.usage.spot_hours[0]
    assert extra == pytest.approx(8 * lost_wall)
    assert run.usage.waste_share[1] == pytest.approx(8 * lost_wall / run.usage.spot_hours[1])
    assert run.usage.other_hours.tolist() == [0.0, 0.0]
    assert run.tokens.tolist() == [2e10, 2e10]  # redone work still finishes in the month


def test_work_beyond_the_period_carries_over(sandbox):
    big = {"training": {**JOB, "tokens": 1e12}}  # ~29,500 GPU-hours on 8 GPUs: 5 months
    run = training_run(sandbox, [big], np.zeros((1, 33)))
    assert run.usage.other_hours[0] == pytest.approx(8 * HOURS)
    assert 0.19 < run.tokens[0] / 1e12 < 0.21


def test_a_spot_shortage_shortens_the_period_for_spot_only(sandbox):
    jobs = [{"training": {**JOB, "tokens": 1e12, "pricing": p}} for p in ("spot", "on-demand")]
    run = training_run(sandbox, jobs, np.zeros((2, 33)), shortage=0.5)
    assert run.usage.spot_hours[0] == pytest.approx(8 * HOURS / 2)
    assert run.usage.other_hours[1] == pytest.approx(8 * HOURS)


def test_a_model_ships_at_target_and_a_late_one_is_worth_less(sandbox):
    tr = sandbox.level.training  # target 2.25, baseline 2.60, deadline 10, 20% a turn late
    state = initial_state(sandbox, np.arange(2))
    params = np.array([13e9, 1e9])
    tokens = np.array([1e12, 1e9])  # Chinchilla loss 2.05 (ships) and 3.24 (worse than now)
    on_time = ship(tr, 10, 12, state, params, tokens)
    late = ship(tr, 11, 12, state, params, tokens)
    assert on_time.loss[0] == pytest.approx(2.048, abs=0.01)
    assert on_time.shipped_turn.tolist() == [10, 0]
    assert on_time.quality.tolist() == [1.0, 0.0]
    assert on_time.value.tolist() == [400_000.0, 0.0]
    assert late.value[0] == pytest.approx(400_000 * 0.8)
    assert on_time.keeps_checkpoints.tolist() == [False, True]


def test_the_last_turn_ships_whatever_there_is_and_a_model_ships_once(sandbox):
    tr = sandbox.level.training
    state = initial_state(sandbox, np.arange(2))
    state = replace(state, shipped_turn=np.array([0, 5]))
    shipped = ship(tr, 12, 12, state, np.array([1e9, 13e9]), np.array([1e9, 1e12]))
    assert shipped.shipped_turn.tolist() == [12, 5]
    assert shipped.value[1] == 0.0  # already shipped in month 5: no second payout
    late = np.clip(1 - tr.late_penalty * (12 - tr.deadline_turn), 0, 1)
    assert shipped.ship_factor[0] == pytest.approx(late)


def test_a_shipped_model_trains_no_more_and_a_new_size_starts_over(sandbox):
    state = initial_state(sandbox, np.arange(2))
    state = replace(
        state,
        shipped_turn=np.array([3, 0]),
        tokens_done=np.array([5e11, 5e11]),
        train_params=np.array([7e9, 13e9]),
    )
    d = decide(sandbox, {"training": JOB}, {"training": JOB})
    out = train(sandbox, period(sandbox, 4), state, d, np.zeros(2), np.zeros((2, 33)))
    assert out.usage.other_hours[0] == 0 and out.tokens_done[0] == 5e11
    assert out.tokens_done[1] == 2e10  # 13B -> 7B: the 5e11 tokens of the old run are gone


# --- Inference -----------------------------------------------------------------------


def serve_games(sandbox, *games, demand_u=0.5):
    d = decide(sandbox, *games)
    b = len(games)
    ones, zeros = np.ones(b), np.zeros(b)
    return serve(sandbox, period(sandbox), d, ones, ones, zeros, np.full(b, demand_u), zeros)


def test_an_api_bills_every_token_and_the_cache_takes_its_hit_rate_off(sandbox):
    api = {"mode": "api", "api_model": "gpt-4o-mini"}
    out = serve_games(sandbox, {"inference": api}, {"inference": {**api, "caching": True}})
    requests = 200_000 * HOURS / 24  # the median draw: no demand noise, month 1
    assert out.requests.tolist() == pytest.approx([requests, requests])
    assert out.api_input_tokens[0] == pytest.approx(requests * 600)
    assert out.api_output_tokens[0] == pytest.approx(requests * 300)
    assert out.api_input_tokens[1] == pytest.approx(requests * 600 * 0.75)
    # gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
    assert out.api_input_usd[0] == pytest.approx(requests * 600 / 1e6 * 0.15)
    assert out.api_output_usd[0] == pytest.approx(requests * 300 / 1e6 * 0.60)
    assert out.cache_usd.tolist() == [0.0, 300.0]
    assert out.missed.tolist() == [0.0, 0.0]
    assert out.value[0] == pytest.approx(requests / 1000 * 15 * 0.85)


def test_too_few_gpus_miss_the_sla_and_too_many_sit_idle(sandbox):
    host = {"mode": "self-host", "model": "llama-8b", "quant": "fp16"}
    out = serve_games(
        sandbox,
        {"inference": {**host, "gpu": "l4", "gpus": 1}},
        {"inference": {**host, "gpu": "h100", "gpus": 32}},
    )
    assert out.missed[0] > 0.25 * out.requests[0] and out.usage.waste_share[0] == 0
    assert out.missed[1] == 0 and out.usage.waste_share[1] > 0.5
    assert out.usage.other_hours.tolist() == [1 * HOURS, 32 * HOURS]
    assert out.api_input_usd.tolist() == [0.0, 0.0]


def test_a_model_that_does_not_fit_serves_nothing_but_its_gpus_are_billed(sandbox):
    host = {"mode": "self-host", "model": "llama-70b", "quant": "fp16", "gpu": "l4", "gpus": 1}
    out = serve_games(sandbox, {"inference": host})
    assert out.missed[0] == out.requests[0] and out.value[0] == 0
    assert out.usage.other_hours[0] == HOURS


# --- Idle, dev and runaway work ------------------------------------------------------


NO_PRACTICES: dict = {"practices": {}}
# Alerts reach the owner a tag names within a day; untagged, see the test below.
ALERTS = {"practices": {"budget_alerts": True, "tagging": 1.0}}
ANOMALY = {"practices": {"anomaly_detection": True}}


def test_a_runaway_job_runs_until_a_practice_catches_it(sandbox):
    d = decide(sandbox, NO_PRACTICES, ALERTS, ANOMALY, NO_PRACTICES)
    gpus = np.array([8.0, 8.0, 8.0, 0.0])
    start = np.array([0.5, 0.5, 0.5, 0.0])
    out = runaway_jobs(sandbox, period(sandbox), gpus, start, d)
    # Unnoticed: the rest of the month. Alerts: a day. Anomaly detection: four hours.
    assert out.hours.tolist() == [HOURS / 2, 24.0, 4.0, 0.0]
    assert out.usage.other_hours.tolist() == [8 * HOURS / 2, 8 * 24.0, 8 * 4.0, 0.0]
    assert (out.usage.gpu == H100).all()  # the sandbox's runaway job runs on H100s


def test_an_untagged_runaway_jobs_alert_reaches_nobody_for_three_times_as_long(sandbox):
    untagged = decide(sandbox, {"practices": {"budget_alerts": True}})
    out = runaway_jobs(sandbox, period(sandbox), np.full(1, 8.0), np.zeros(1), untagged)
    assert out.hours.tolist() == [3 * sandbox.level.practices.alert_detection_hours]


def test_a_runaway_job_caught_by_alerts_costs_less(sandbox):
    d = decide(sandbox, NO_PRACTICES, ALERTS)
    runaway = runaway_jobs(sandbox, period(sandbox), np.full(2, 8.0), np.zeros(2), d)
    usage = quiet_usage(2)._replace(runaway=runaway.usage)
    rates = current_rates(sandbox, np.ones((2, len(GPU_NAMES))))
    bill = bill_compute(usage, np.zeros((2, 2, len(GPU_NAMES))), rates, np.zeros(2))
    cost = bill.lines["runaway.on-demand"].effective
    # H100 on demand at $6.88 an hour (AWS p5.48xlarge, $55.04 for 8 GPUs).
    assert cost.tolist() == [round(8 * HOURS * 6.88 * 100), round(8 * 24 * 6.88 * 100)]
    assert (bill.lines["runaway.on-demand"].waste == cost).all()  # it bought nothing


def test_anomaly_detection_finds_a_forgotten_cluster_within_two_days(sandbox):
    d = decide(sandbox, NO_PRACTICES, ANOMALY, {"practices": {"shutdown_schedule": True}})
    out = idle_clusters(
        sandbox, period(sandbox), np.zeros(3), np.full(3, 4.0), np.zeros(3), d, np.full(3, 0.9)
    )
    assert out.new_hours.tolist() == pytest.approx([HOURS, 48.0, HOURS * 60 / 168])
    assert out.gpus.tolist() == [4.0, 0.0, 4.0]  # found by anomaly detection only
    assert out.usage.waste_share.tolist() == [1.0, 1.0, 1.0]


def test_the_idle_detection_time_and_power_shares_are_level_settings(sandbox):
    """Game assumptions a level may change, not constants: how fast anomaly detection
    flags an idle cluster, and the share of power notebooks and idle GPUs draw."""
    data = sandbox.level.model_dump()
    data["practices"]["idle_detection_hours"] = 12
    data["prices"] = {"energy": {"idle_power_share": 0.2, "dev_power_share": 0.5}}
    level = Level.model_validate(data)
    changed = Scenario.build(level, sandbox.catalog)
    d = decide(changed, ANOMALY)
    args = (np.zeros(1), np.full(1, 4.0), np.zeros(1), d, np.full(1, 0.9))
    out = idle_clusters(changed, period(changed), *args)
    shipped = idle_clusters(sandbox, period(sandbox), *args)
    assert out.new_hours.tolist() == [12.0] and shipped.new_hours.tolist() == [48.0]
    a100_kw = sandbox.catalog.gpus["a100-80gb"].power_w / 1000
    assert out.energy_kwh[0] == pytest.approx(4 * 12.0 * a100_kw * 0.2)
    assert shipped.energy_kwh[0] == pytest.approx(4 * 48.0 * a100_kw * 0.1)
    dev = dev_environment(changed, period(changed, 1), np.full(1, 4.0), decide(changed, {}))
    assert dev.energy_kwh[0] == pytest.approx(dev.usage.other_hours[0] * a100_kw * 0.5)


def test_tags_with_showback_find_the_owner_and_no_tags_never_do(sandbox):
    d = decide(
        sandbox,
        {"practices": {"tagging": 1.0, "allocation": "showback"}},
        {"practices": {"tagging": 1.0}},
        {"practices": {"tagging": 0.0, "allocation": "chargeback"}},
    )
    idle = np.full(3, 2.0)
    u = np.full(3, 0.6)  # found when u < tag coverage x (1 with showback, 0.5 without)
    out = idle_clusters(sandbox, period(sandbox), idle, np.zeros(3), np.zeros(3), d, u)
    assert out.gpus.tolist() == [0.0, 2.0, 2.0]
    assert out.usage.other_hours.tolist() == [2 * HOURS] * 3  # this month still ran


def test_dev_sprawl_grows_unless_allocated_and_rightsizing_trims_it(sandbox):
    d = decide(
        sandbox,
        NO_PRACTICES,
        {"practices": {"tagging": 1.0, "allocation": "chargeback"}},
        {"practices": {"rightsizing": True}},
        {"practices": {"shutdown_schedule": True}},
    )
    out = dev_environment(sandbox, period(sandbox, 2), np.full(4, 4.0), d)
    # 4 GPUs, 10% sprawl a month; chargeback at full tag coverage stops it; a review
    # keeps the 75% that is needed (3 GPUs); a schedule runs 60 of 168 hours a week.
    assert out.gpus.tolist() == pytest.approx([4.4, 4.0, 3.0, 4.4])
    on_hours = [HOURS, HOURS, HOURS, HOURS * 60 / 168]
    expected = [g * h for g, h in zip([4.4, 4.0, 3.0, 4.4], on_hours, strict=True)]
    assert out.usage.other_hours.tolist() == pytest.approx(expected)
    # 45 of 168 hours a week used, or 45 of the 60 a schedule keeps on.
    assert out.usage.waste_share.tolist() == pytest.approx([1 - 45 / 168] * 3 + [1 - 45 / 60])


def test_dev_sprawl_starts_after_the_first_turn(sandbox):
    out = dev_environment(sandbox, period(sandbox, 1), np.full(1, 4.0), decide(sandbox, {}))
    assert out.gpus.tolist() == [4.0]


# --- Commitments and billing ---------------------------------------------------------


def committed_training(gpus: float) -> WorkloadUsage:
    h100 = np.array([H100])
    return WorkloadUsage(h100, np.zeros(1), np.array([gpus * HOURS]), np.array([gpus]), np.zeros(1))


def test_a_commitment_is_bought_for_its_whole_term_and_topped_up(sandbox):
    state = initial_state(sandbox, np.arange(1))
    d = decide(sandbox, {"training": {"gpu": "h100", "pricing": "commit-1y"}})
    usage = quiet_usage(1)._replace(training=committed_training(8))
    first = buy_commitments(
        sandbox, period(sandbox, 1), state.commitments, state.committed, usage, d
    )
    plan = first.schedule[0, 0, H100]
    assert plan[:12].tolist() == [8] * 12 and plan[12:].sum() == 0  # one year of months
    assert first.capacity_hours[0, 0, H100] == 8 * HOURS
    assert state.commitments.sum() == 0  # the input is never changed
    usage = quiet_usage(1)._replace(training=committed_training(10))
    second = buy_commitments(sandbox, period(sandbox, 2), first.schedule, first.ever, usage, d)
    plan = second.schedule[0, 0, H100]
    assert plan[:13].tolist() == [8] + [10] * 11 + [2]  # two more, for their own year
    same = buy_commitments(
        sandbox,
        period(sandbox, 2),
        first.schedule,
        first.ever,
        quiet_usage(1)._replace(training=committed_training(8)),
        d,
    )
    assert same.schedule is first.schedule  # nothing bought: nothing copied


def one_year_of_h100(gpus: float) -> np.ndarray:
    capacity = np.zeros((1, 2, len(GPU_NAMES)))
    capacity[0, 0, H100] = gpus * HOURS
    return capacity


def commitment_bill(sandbox, capacity, usage):
    rates = current_rates(sandbox, np.ones((1, len(GPU_NAMES))))
    compute = bill_compute(usage, capacity, rates, np.zeros(1))
    ever = capacity > 0
    bought = Commitments(np.zeros((1, 2, len(GPU_NAMES), 1), dtype=np.int64), ever, capacity)
    return compute, bill_commitments(bought, compute, rates, np.zeros(1))


def test_an_unused_commitment_is_billed_in_full_and_is_waste(sandbox):
    compute, lines = commitment_bill(sandbox, one_year_of_h100(8), quiet_usage(1))
    # 8 H100 for a month at the 1-year rate, $4.334 an hour (p5 1-year savings plan).
    purchase = round(8 * HOURS * 4.334 * 100)
    bought, unused = lines["commitment.commit-1y.h100"], lines["commitment.commit-1y.h100.unused"]
    assert bought.billed[0] == purchase and bought.effective[0] == 0
    assert unused.billed[0] == 0 and unused.effective[0] == purchase
    assert unused.waste[0] == purchase and unused.quantity[0] == 8 * HOURS
    assert compute.lines == {}


def test_a_commitment_covers_usage_first_and_on_demand_pays_the_rest(sandbox):
    usage = quiet_usage(1)._replace(training=committed_training(10))
    compute, lines = commitment_bill(sandbox, one_year_of_h100(8), usage)
    used = compute.lines["training.commit-1y"]
    on_demand = compute.lines["training.on-demand"]
    assert used.quantity[0] == 8 * HOURS and on_demand.quantity[0] == 2 * HOURS
    assert used.billed[0] == 0  # paid by the purchase line
    assert used.effective[0] == round(8 * HOURS * 4.334 * 100)
    assert used.list_cost[0] == round(8 * HOURS * 6.88 * 100)
    assert on_demand.billed[0] == round(2 * HOURS * 6.88 * 100)
    assert lines["commitment.commit-1y.h100.unused"].effective[0] == 0
    billed = sum(int(line.billed[0]) for line in [*compute.lines.values(), *lines.values()])
    effective = sum(int(line.effective[0]) for line in [*compute.lines.values(), *lines.values()])
    assert billed == effective  # FOCUS: what was billed is what was consumed, over the period


def test_three_year_commitments_are_used_before_one_year_ones(sandbox):
    capacity = one_year_of_h100(4)
    capacity[0, 1, H100] = 4 * HOURS
    usage = quiet_usage(1)._replace(training=committed_training(5))
    compute, _ = commitment_bill(sandbox, capacity, usage)
    assert compute.lines["training.commit-3y"].quantity[0] == 4 * HOURS
    assert compute.lines["training.commit-1y"].quantity[0] == 1 * HOURS
    assert compute.left_hours[0, 0, H100] == 3 * HOURS


def test_spot_is_billed_at_the_spot_rate_against_an_on_demand_list_price(sandbox):
    spot = WorkloadUsage(np.array([H100]), np.array([100.0]), np.zeros(1), np.ones(1), np.zeros(1))
    compute, _ = commitment_bill(
        sandbox, one_year_of_h100(0), quiet_usage(1)._replace(training=spot)
    )
    line = compute.lines["training.spot"]
    assert line.billed[0] == round(100 * 4.128 * 100)  # AWS p5 spot, $33.02 for 8 GPUs
    assert line.list_cost[0] == round(100 * 6.88 * 100)


def test_practices_are_billed_for_the_period_and_have_an_owner(sandbox):
    d = decide(sandbox, {"practices": {"tagging": 0.5, "allocation": "chargeback"}})
    costs = sandbox.level.practices
    lines = bill_practices(costs, period(sandbox), d, np.zeros(1), np.array([10.0]))
    rate, team = costs.engineer_usd_per_hour, costs.team
    # Team time: tagging's hours (fixed, per GPU, per engineer) at half coverage.
    assert lines["practice.tagging"].billed[0] == round(
        (0.5 + 0.05 * 10 + 0.1 * team) * 0.5 * rate * 100
    )
    # Chargeback at half tag coverage: its reconciliation, and the disputes over the rest.
    disputes = 2.0 * team * (0.9 - 0.5) / 0.9
    assert lines["practice.allocation"].billed[0] == round((3 + 0.3 * team + disputes) * rate * 100)
    assert lines["practice.budget_alerts"].billed[0] == 0
    assert lines["practice.tagging"].allocated[0] == lines["practice.tagging"].effective[0]


# --- Totals and event outcomes -------------------------------------------------------


def cents_line(billed: int, effective: int, allocated: int = 0, waste: int = 0) -> Line:
    a = np.array
    return Line(a([1.0]), a([billed]), a([billed]), a([effective]), a([allocated]), a([waste]))


def test_totals_are_sums_of_lines_and_the_forecast_is_scored_on_them(sandbox):
    lines = {"a.x": cents_line(10_000, 6_000, 3_000, 1_000), "b.y": cents_line(2_000, 6_000)}
    usage = quiet_usage(1)
    rates = current_rates(sandbox, np.ones((1, len(GPU_NAMES))))
    compute = bill_compute(usage, np.zeros((1, 2, len(GPU_NAMES))), rates, np.zeros(1))
    none = Commitments(
        np.zeros((1, 2, 7, 1), dtype=np.int64), np.zeros((1, 2, 7), dtype=bool), np.zeros((1, 2, 7))
    )
    totals = add_up(
        sandbox,
        period(sandbox),
        lines,
        np.array([0.5]),
        np.array([12.345]),
        usage,
        compute,
        none,
        (np.array([100.0]),),
        np.array([100.0]),
    )
    assert totals.spend.tolist() == [12_000] and totals.effective.tolist() == [12_000]
    assert totals.allocated.tolist() == [3_000] and totals.waste.tolist() == [1_000]
    assert totals.budget.tolist() == [sandbox.level.budget.per_period_usd * 0.5 * 100]
    assert totals.value.tolist() == [1234]  # $12.345 rounds to 1,234 cents (half to even)
    assert totals.forecast_error.tolist() == pytest.approx([0.2])  # $120 against $100
    # Power figures are PUE-adjusted already (Meta's basis): no PUE on top.
    assert totals.energy_kwh[0] == pytest.approx(100)


def test_an_events_outcome_is_what_it_cost(sandbox):
    state = initial_state(sandbox, np.arange(2))
    d = decide(sandbox, NO_PRACTICES, ALERTS)
    world = calm_world(state)._replace(runaway_gpus=np.full(2, 8.0))
    level = sandbox.level
    i = next(i for i, e in enumerate(level.events.random) if e.kind == "runaway_job")
    world = world._replace(fired=(FiredEvent(False, i, np.ones(2, bool), np.full(2, 8.0)),))
    runaway = runaway_jobs(sandbox, period(sandbox), world.runaway_gpus, np.zeros(2), d)
    idle = idle_clusters(
        sandbox, period(sandbox), np.zeros(2), np.zeros(2), np.zeros(2), d, np.ones(2)
    )
    rates = current_rates(sandbox, world.price_mult)
    usage = quiet_usage(2)._replace(runaway=runaway.usage)
    compute = bill_compute(usage, np.zeros((2, 2, len(GPU_NAMES))), rates, np.zeros(2))
    (outcome,) = event_outcomes(level, world, compute.lines, runaway, idle, rates)
    assert outcome.hours.tolist() == [HOURS, 24.0]
    assert outcome.cost.tolist() == compute.lines["runaway.on-demand"].effective.tolist()
    assert outcome.cost[1] < outcome.cost[0] / 30


def test_a_period_is_a_month_share_of_the_billing_month(sandbox):
    p = period(sandbox, 3)
    assert p == (3, HOURS, 1.0)
    assert math.isclose(p.month_share * sandbox.catalog.hours_per_month, p.hours)


def test_resolve_never_changes_the_state_it_was_given(sandbox):
    """Stages return new arrays; a commitment bought copies the schedule, never edits it."""
    state = initial_state(sandbox, np.arange(3))
    before = {
        k: np.array(v, copy=True) for k, v in vars(state).items() if isinstance(v, np.ndarray)
    }
    d = decide(
        sandbox,
        {"training": {**JOB, "pricing": "commit-3y"}},
        {"training": {**JOB, "pricing": "spot"}, "practices": {"tagging": 1.0}},
        {
            "inference": {
                "mode": "self-host",
                "model": "llama-8b",
                "gpu": "l4",
                "gpus": 4,
                "pricing": "commit-1y",
            }
        },
    )
    after, _ = resolve(sandbox, state, d)
    for name, value in before.items():
        assert np.array_equal(getattr(state, name), value), name
    assert after.commitments[0].sum() > 0 and state.commitments.sum() == 0


def test_the_commitments_left_at_the_end_are_an_obligation(sandbox):
    """2 H100s committed for a year from period 1: after 10 periods, 2 months are left,
    2 x 2 x 730 GPU-hours at the 1-year rate, billed whether used or not."""
    state = initial_state(sandbox, np.arange(2))
    schedule = state.commitments.copy()
    schedule[0, 0, H100, 0:12] = 2
    owed = obligation_cents(sandbox, schedule, 10)
    rate = sandbox.catalog.gpus["h100"].price.commit_1y
    assert owed.tolist() == [round(2 * 2 * 730 * rate * 100), 0]
    assert obligation_cents(sandbox, schedule, 12).tolist() == [0, 0]


def test_the_ledger_and_the_kernel_name_the_same_gpu_for_an_event(sandbox):
    """A level whose random idle_cluster event names no GPU and a scheduled one does:
    the kernel bills the dev environment's GPU, and the ledger must say the same."""
    data = sandbox.level.model_dump()
    idle = next(e for e in data["events"]["random"] if e["kind"] == "idle_cluster")
    scheduled = {"kind": "idle_cluster", "turn": 5, "magnitude": 8, "gpu": "h100"}
    data["events"]["scheduled"].append({"title": "A second cluster", **scheduled})
    idle["gpu"] = None
    level = Level.model_validate(data)
    scenario = Scenario.build(level, sandbox.catalog)
    billed = GPU_NAMES[event_gpu(level, event_of(level, "idle_cluster"))]
    assert billed == level.dev.gpu
    assert workload_gpu(scenario, Decisions(), "idle") == billed
    runaway = GPU_NAMES[event_gpu(level, event_of(level, "runaway_job"))]
    assert workload_gpu(scenario, Decisions(), "runaway") == runaway
