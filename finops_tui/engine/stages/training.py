"""Stage 2, training: GPU-hours from 6ND, checkpoints, spot preemptions, then shipping.

A run trains `tokens` this period on `gpus` GPUs. Checkpoints slow it down a little;
each spot preemption takes one instance, and with it the run's work since the last
checkpoint: a synchronous data-parallel job whose sharded (ZeRO-3) state lost a shard
restarts every GPU from that checkpoint. Once the Chinchilla
loss reaches the target (or the game ends) the model ships, worth less when late.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from finops_tui.engine import physics
from finops_tui.engine.batch_state import BatchState
from finops_tui.engine.decision_arrays import DecisionArrays
from finops_tui.engine.level import TrainingWorkload
from finops_tui.engine.rng import STREAMS
from finops_tui.engine.scenario import PRICING_INDEX, Scenario
from finops_tui.engine.stages.period import Period
from finops_tui.engine.stages.spot import interruptions, lost_wall_hours, spot_instances
from finops_tui.engine.stages.usage import WorkloadUsage, no_usage

MAX_PREEMPTIONS = STREAMS["preemption"][1] - 1
HOURS_PER_WEEK = 168.0


class TrainingRun(NamedTuple):
    """This period's training compute, over the batch."""

    tokens: np.ndarray  # tokens trained this period
    preemptions: np.ndarray  # int
    lost_gpu_hours: np.ndarray  # GPU-hours redone after preemptions or a schedule's stop
    flagged: np.ndarray  # bool: anomaly detection paused the run by mistake
    stopped: np.ndarray  # bool: the shutdown schedule stopped the run
    usage: WorkloadUsage
    energy_kwh: np.ndarray  # at the PUE-adjusted power (catalog Energy)


class Training(NamedTuple):
    """The training stage's outcome: the run, the model, and what shipping earned."""

    tokens_done: np.ndarray
    train_params: np.ndarray
    loss: np.ndarray
    quality: np.ndarray  # 0..1 between the baseline and the target loss
    shipped_turn: np.ndarray  # 0 while not shipped
    ship_factor: np.ndarray
    value: np.ndarray  # US$ earned by shipping this period
    storage_gb: np.ndarray  # checkpoints kept
    storage_usd: np.ndarray
    preemptions: np.ndarray
    lost_gpu_hours: np.ndarray
    flagged: np.ndarray  # bool
    stopped: np.ndarray  # bool
    usage: WorkloadUsage
    energy_kwh: np.ndarray


def train(
    scenario: Scenario,
    period: Period,
    state: BatchState,
    d: DecisionArrays,
    shortage: np.ndarray,
    u_preemption: np.ndarray,
    u_failure: np.ndarray | None = None,
) -> Training:
    """Train for one period and ship the model when it is good enough."""
    tr = scenario.level.training
    b = state.size
    if tr is None:
        return Training(
            tokens_done=state.tokens_done.copy(),
            train_params=state.train_params,
            loss=np.zeros(b),
            quality=state.quality.copy(),
            shipped_turn=state.shipped_turn.copy(),
            ship_factor=state.ship_factor.copy(),
            value=np.zeros(b),
            storage_gb=np.zeros(b),
            storage_usd=np.zeros(b),
            preemptions=np.zeros(b, dtype=np.int64),
            lost_gpu_hours=np.zeros(b),
            flagged=np.zeros(b, dtype=bool),
            stopped=np.zeros(b, dtype=bool),
            usage=no_usage(np.zeros(b, dtype=np.int64)),
            energy_kwh=np.zeros(b),
        )
    # A new model size starts a new run: the tokens trained so far do not carry over.
    new_run = (d.t_params != state.train_params) & (state.tokens_done > 0)
    tokens_done = np.where(new_run, 0.0, state.tokens_done)
    train_params = np.where(d.t_gpus > 0, d.t_params, state.train_params)
    active = (d.t_gpus > 0) & (d.t_tokens > 0) & (state.shipped_turn == 0)
    run = run_training(scenario, period.hours, tr, d, active, shortage, u_preemption, u_failure)
    tokens_done = tokens_done + run.tokens
    shipped = ship(tr, period.turn, scenario.level.turns, state, train_params, tokens_done)
    ck = scenario.catalog.training
    storage_gb = np.where(
        shipped.keeps_checkpoints,
        train_params * ck.bytes_per_param_checkpoint / 1e9 * ck.checkpoints_kept,
        0.0,
    )
    return Training(
        tokens_done=tokens_done,
        train_params=train_params,
        loss=shipped.loss,
        quality=shipped.quality,
        shipped_turn=shipped.shipped_turn,
        ship_factor=shipped.ship_factor,
        value=shipped.value,
        storage_gb=storage_gb,
        storage_usd=storage_gb * ck.storage_usd_per_gb_month * period.month_share,
        preemptions=run.preemptions,
        lost_gpu_hours=run.lost_gpu_hours,
        flagged=run.flagged,
        stopped=run.stopped,
        usage=run.usage,
        energy_kwh=run.energy_kwh,
    )


def run_training(
    scenario: Scenario,
    hours: float,
    tr: TrainingWorkload,
    d: DecisionArrays,
    active: np.ndarray,
    shortage: np.ndarray,
    u_preemption: np.ndarray,
    u_failure: np.ndarray | None = None,
) -> TrainingRun:
    """The period's run: the work, the checkpoints, the preemptions and what they lost."""
    # A run whose training state does not fit its GPUs (or a GPU without bf16) runs out
    # of memory at once: it trains nothing and bills nothing. The game refuses it first.
    fits = physics.training_fits(d.t_params, d.t_gpus, scenario.memory_gb[d.t_gpu])
    active = active & fits & scenario.bf16[d.t_gpu]
    gpus = np.where(active, d.t_gpus, 0.0)
    is_spot = d.t_pricing == PRICING_INDEX["spot"]
    mfu = tr.mfu or scenario.catalog.training.mfu
    peak = scenario.peak_tflops[d.t_gpu]
    work_gpu_h = physics.gpu_hours(physics.training_flops(d.t_params, d.t_tokens), peak, mfu)
    work_wall = np.where(active, work_gpu_h / np.maximum(gpus, 1.0), 0.0)
    ck = scenario.catalog.training
    ckpt_h = physics.checkpoint_write_hours(
        d.t_params, ck.bytes_per_param_checkpoint, ck.checkpoint_write_gb_s
    )
    wall0 = work_wall * (1.0 + ckpt_h / d.t_ckpt)
    failures = practice_failures(scenario, d, active, wall0, u_failure, hours)
    available = np.maximum(hours * (1.0 - shortage * is_spot) - failures.wall_hours_off, 0.0)
    exposed = np.minimum(wall0, available)
    instances = spot_instances(gpus, scenario.gpus_per_instance[d.t_gpu])
    count = interruptions(
        u_preemption[:, 0], scenario.hazard[d.t_gpu], instances, exposed, is_spot, MAX_PREEMPTIONS
    )
    preemptions = np.where(active, count, 0)
    lost_wall = lost_wall_hours(u_preemption[:, 1:], preemptions, d.t_ckpt, ck.restart_hours)
    required = wall0 + lost_wall + failures.lost_wall_hours
    run_wall = np.minimum(required, available)
    progress = np.where(required > 0, run_wall / np.maximum(required, 1e-12), 0.0)
    # A paused job's GPUs are held, and billed, while its owner reviews the flag.
    billed_h = gpus * (run_wall + failures.held_hours)
    lost_gpu_h = gpus * np.minimum(lost_wall + failures.lost_wall_hours, run_wall)
    held_gpu_h = gpus * failures.held_hours
    spot_h = np.where(is_spot, billed_h, 0.0)
    other_h = np.where(is_spot, 0.0, billed_h)
    used_h = spot_h + other_h
    waste_share = np.where(used_h > 0, (lost_gpu_h + held_gpu_h) / np.maximum(used_h, 1e-12), 0.0)
    return TrainingRun(
        tokens=d.t_tokens * progress * active,
        preemptions=preemptions,
        lost_gpu_hours=lost_gpu_h,
        flagged=failures.flagged,
        stopped=failures.stopped,
        usage=WorkloadUsage(d.t_gpu, spot_h, other_h, gpus, waste_share),
        energy_kwh=billed_h * scenario.power_w[d.t_gpu] / 1000.0,
    )


class PracticeFailures(NamedTuple):
    """What the practices in force did to this period's run when they misfired."""

    flagged: np.ndarray  # bool: anomaly detection paused the run by mistake
    stopped: np.ndarray  # bool: the shutdown schedule stopped the run (once, or nightly)
    held_hours: np.ndarray  # wall hours the paused run's GPUs were held, billed, idle
    wall_hours_off: np.ndarray  # wall hours the run could not train (paused, stopped)
    lost_wall_hours: np.ndarray  # work thrown away by the stops, and the restarts


def practice_failures(
    scenario: Scenario,
    d: DecisionArrays,
    active: np.ndarray,
    wall0: np.ndarray,
    u_failure: np.ndarray | None,
    hours: float,
) -> PracticeFailures:
    """The practices' failure modes on a training run, drawn from the seed.

    Anomaly detection learns a baseline from past spend: a training run's spike can be
    flagged, and the job waits for its owner's review with its GPUs held. A shutdown
    schedule that misses a run's exemption stops it one evening: the run loses the work
    since its last checkpoint (all of it without checkpoints) and waits for the morning.
    A whole-account schedule stops it every night of the `hours` it runs: each night
    loses on average half a checkpoint interval and a restart, and the run trains only
    during the schedule's working hours.
    """
    if u_failure is None:  # no draws given: no practice misfires
        u_failure = np.ones((active.shape[0], 3))
    costs = scenario.level.practices
    flagged = active & d.p_anomaly & (u_failure[:, 0] < costs.anomaly_false_positive)
    missed = active & d.p_shutdown & (u_failure[:, 1] < costs.schedule_stop)
    nightly = active & d.p_whole_account
    on_hours = scenario.level.dev.schedule_on_hours_per_week if scenario.level.dev else 60.0
    night = (HOURS_PER_WEEK - on_hours) / 7.0
    held = np.where(flagged, np.minimum(costs.anomaly_review_hours, wall0), 0.0)
    restart = scenario.catalog.training.restart_hours
    lost_once = u_failure[:, 2] * np.minimum(d.t_ckpt, wall0) + restart
    # Nights the run meets: one per working day it needs, at most the period's nights.
    day = on_hours / 7.0
    nights = np.minimum(hours / 24.0, np.ceil(wall0 / day))
    lost_nightly = nights * (0.5 * np.minimum(d.t_ckpt, day) + restart)
    return PracticeFailures(
        flagged=flagged,
        stopped=missed | nightly,
        held_hours=held,
        wall_hours_off=held + np.where(nightly, hours * night / 24.0, np.where(missed, night, 0.0)),
        lost_wall_hours=np.where(nightly, lost_nightly, np.where(missed, lost_once, 0.0)),
    )


class Shipping(NamedTuple):
    loss: np.ndarray
    quality: np.ndarray
    shipped_turn: np.ndarray
    ship_factor: np.ndarray
    value: np.ndarray  # US$
    keeps_checkpoints: np.ndarray  # bool: still training, so checkpoints are stored


def ship(
    tr: TrainingWorkload,
    turn: int,
    last_turn: int,
    state: BatchState,
    params: np.ndarray,
    tokens_done: np.ndarray,
) -> Shipping:
    """The model's loss and quality, and whether it ships now (at target, or at the end)."""
    loss = np.where(tokens_done > 0, physics.chinchilla_loss(params, tokens_done), tr.baseline_loss)
    quality = np.clip((tr.baseline_loss - loss) / (tr.baseline_loss - tr.target_loss), 0, 1)
    lateness = np.clip(1.0 - tr.late_penalty * max(0, turn - tr.deadline_turn), 0.0, 1.0)
    waiting = state.shipped_turn == 0
    ship_now = waiting & (loss <= tr.target_loss)
    last_chance = waiting & ~ship_now & (turn == last_turn)
    shipping = ship_now | last_chance
    return Shipping(
        loss=loss,
        quality=quality,
        shipped_turn=np.where(shipping, turn, state.shipped_turn),
        ship_factor=np.where(shipping, lateness, state.ship_factor),
        value=np.where(shipping, tr.value_usd * quality * lateness, 0.0),
        keeps_checkpoints=(tokens_done > 0) & ~(shipping | (state.shipped_turn > 0)),
    )
