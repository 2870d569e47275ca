"""Stage 3, inference: the period's demand, served by an API or by our own GPUs.

An API is priced per million input and output tokens. Our own GPUs serve what their
replicas can (reading each request's input tokens and writing its output tokens, at the
level's latency target) at the level's peak factor; the rest of the requests miss the latency
SLA, and capacity beyond the peak is idle. The cache takes its hit rate off the top.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from finops_tui.engine import physics
from finops_tui.engine.decision_arrays import DecisionArrays
from finops_tui.engine.level import InferenceWorkload
from finops_tui.engine.scenario import PRICING_INDEX, Scenario
from finops_tui.engine.stages.period import Period
from finops_tui.engine.stages.side_work import HOURS_PER_WEEK, SCHEDULE_ON_HOURS_PER_WEEK
from finops_tui.engine.stages.spot import interruptions, spot_instances
from finops_tui.engine.stages.usage import WorkloadUsage, no_usage

MAX_INTERRUPTIONS = 32


class Inference(NamedTuple):
    """The inference stage's outcome over the batch."""

    requests: np.ndarray
    missed: np.ndarray  # requests that missed the latency SLA
    served_quality: np.ndarray  # requests served x the quality of the answers
    value: np.ndarray  # US$ the served requests earned
    api_input_tokens: np.ndarray
    api_output_tokens: np.ndarray
    api_input_usd: np.ndarray
    api_output_usd: np.ndarray
    cache_usd: np.ndarray
    usage: WorkloadUsage  # waste share: serving capacity idle beyond the peak
    energy_kwh: np.ndarray  # at the PUE-adjusted power (catalog Energy)
    stopped: np.ndarray  # bool: the shutdown schedule stopped the fleet for a night


def pick(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """table[i] for each game's index (empty tables give zeros)."""
    if table.shape[0] == 0:
        return np.zeros(index.shape)
    return table[index]


def serve(
    scenario: Scenario,
    period: Period,
    d: DecisionArrays,
    demand_mult: np.ndarray,
    surge: np.ndarray,
    shortage: np.ndarray,
    u_demand: np.ndarray,
    u_interruption: np.ndarray,
    trained_quality: np.ndarray | None = None,
    u_schedule: np.ndarray | None = None,
) -> Inference:
    """Serve the period's requests, by API or self-hosted, and what they earn.

    `trained_quality` is how far the level's own model got (0 until it ships): the
    share of its `quality` it answers with when it is the model served. `u_schedule`
    is the draw that says whether a shutdown schedule missed an exemption this period
    (the same draw as the training run's: one schedule, one missed list).
    """
    inf = scenario.level.inference
    b = d.i_gpu.shape[0]
    if inf is None:  # a fresh array each: no two outputs may share memory
        nothing = [np.zeros(b) for _ in Inference._fields]
        return Inference(*nothing)._replace(
            usage=no_usage(np.zeros(b, dtype=np.int64)), stopped=np.zeros(b, dtype=bool)
        )
    hours = period.hours
    noise = 1.0 + inf.demand_noise * (2.0 * u_demand - 1.0)
    per_day = inf.requests_per_day * (1.0 + inf.growth_per_turn) ** (period.turn - 1)
    requests = per_day * demand_mult * surge * noise * hours / 24.0
    to_model = requests * (1.0 - inf.cache_hit_rate * d.i_caching)
    api = ~d.i_selfhost
    api_in_tokens = np.where(api, to_model * inf.input_tokens, 0.0)
    api_out_tokens = np.where(api, to_model * inf.output_tokens, 0.0)
    u_stop = np.ones(b) if u_schedule is None else u_schedule
    fleet = self_host(scenario, inf, hours, d, to_model, shortage, u_interruption, u_stop)
    missed = requests * (1.0 - fleet.sla_ok)
    own = pick(scenario.model_trained, d.i_model).astype(bool)
    trained = np.zeros(b) if trained_quality is None else trained_quality
    model_quality = pick(scenario.model_quality, d.i_model) * np.where(own, trained, 1.0)
    quality_served = np.where(
        d.i_selfhost,
        model_quality * d.i_quality_kept,
        pick(scenario.api_quality, d.i_api),
    )
    return Inference(
        requests=requests,
        missed=missed,
        served_quality=(requests - missed) * quality_served,
        value=(requests - missed) / 1000.0 * inf.value_per_1k_requests * quality_served,
        api_input_tokens=api_in_tokens,
        api_output_tokens=api_out_tokens,
        api_input_usd=api_in_tokens / 1e6 * pick(scenario.api_input, d.i_api),
        api_output_usd=api_out_tokens / 1e6 * pick(scenario.api_output, d.i_api),
        cache_usd=np.where(d.i_caching, inf.cache_usd * period.month_share, 0.0),
        usage=fleet.usage,
        energy_kwh=fleet.energy_kwh,
        stopped=fleet.stopped,
    )


class Fleet(NamedTuple):
    """Our own serving GPUs this period."""

    sla_ok: np.ndarray  # share of requests served within the latency target (1 on an API)
    usage: WorkloadUsage
    energy_kwh: np.ndarray
    stopped: np.ndarray  # bool: the shutdown schedule stopped it for a night


def schedule_night_hours(scenario: Scenario) -> float:
    """Hours a shutdown schedule keeps a machine off each night (its weekly off-hours / 7)."""
    dev = scenario.level.dev
    on_hours = dev.schedule_on_hours_per_week if dev else SCHEDULE_ON_HOURS_PER_WEEK
    return (HOURS_PER_WEEK - on_hours) / 7.0


def self_host(
    scenario: Scenario,
    inf: InferenceWorkload,
    hours: float,
    d: DecisionArrays,
    to_model: np.ndarray,
    shortage: np.ndarray,
    u_interruption: np.ndarray,
    u_stop: np.ndarray,
) -> Fleet:
    """The self-hosted fleet: replicas that fit, their throughput, spot interruptions.

    A shutdown schedule is for environments nobody uses at night; a production fleet
    must be exempted from it. When the exemption is missed (the level's
    `schedule_stop` chance, as for a training run), the schedule stops the whole fleet
    one evening: traffic goes on, and every request until the morning misses the SLA,
    whatever the headroom. A whole-account schedule has no exemption: the fleet goes
    dark every night. Stopped instances are not billed for those hours.
    """
    # The level's own model is served at the size the training decision gives it.
    own = pick(scenario.model_trained, d.i_model).astype(bool)
    params = np.where(own, d.t_params, pick(scenario.model_params, d.i_model))
    group = physics.gpus_per_replica(
        params, d.i_bytes, inf.context_tokens, scenario.memory_gb[d.i_gpu]
    )
    gpus = np.where(d.i_selfhost, d.i_gpus, 0.0)
    replicas = np.where(group > 0, np.floor(gpus / np.maximum(group, 1)), 0.0)
    # Output tokens/s of a replica for this level's requests (their input tokens count:
    # prefill takes replica time too) at the level's latency target.
    tps = physics.replica_tokens_per_second(
        params,
        d.i_bytes,
        np.maximum(group, 1),
        scenario.bandwidth_gb_s[d.i_gpu],
        scenario.peak_tflops[d.i_gpu],
        d.i_batching,
        scenario.catalog.serving.share(inf.latency_target),
        inf.input_tokens,
        inf.output_tokens,
    )
    is_spot = d.i_pricing == PRICING_INDEX["spot"]
    up_hours = hours * (1.0 - shortage * is_spot)
    hazard = scenario.hazard[d.i_gpu]
    per_instance = scenario.gpus_per_instance[d.i_gpu]
    instances = spot_instances(gpus, per_instance)
    count = interruptions(u_interruption, hazard, instances, up_hours, is_spot, MAX_INTERRUPTIONS)
    # Each interruption takes one instance's GPUs (its replicas) down for a while.
    hit_share = np.minimum(per_instance, np.maximum(gpus, 1.0)) / np.maximum(gpus, 1.0)
    down_each = scenario.catalog.serving.replica_down_hours  # a game assumption
    down = np.minimum(count * down_each * hit_share, up_hours)
    serving = d.i_selfhost & (gpus > 0)
    missed = serving & d.p_shutdown & (u_stop < scenario.level.practices.schedule_stop)
    # A whole-account schedule stops the fleet every night of the period (no exemption).
    nightly = serving & d.p_whole_account
    stopped = missed | nightly
    nights = np.where(nightly, hours / 24.0, 1.0)
    night = np.where(
        stopped, np.minimum(schedule_night_hours(scenario) * nights, up_hours - down), 0.0
    )
    capacity = replicas * tps * 3600.0 * (up_hours - down - night)
    # The night's requests miss whatever the capacity; the rest share what is left.
    open_share = 1.0 - night / hours
    need = to_model * open_share * inf.output_tokens * inf.peak_factor
    served_open = np.clip(capacity / np.maximum(need, 1e-9), 0.0, 1.0)
    sla_ok = np.where(d.i_selfhost, served_open * open_share, 1.0)
    idle_share = np.where(
        d.i_selfhost & (capacity > 0),
        np.clip(1.0 - need / np.maximum(capacity, 1e-9), 0.0, 1.0),
        0.0,
    )
    gpu_h = gpus * (up_hours - night)
    spot_h = np.where(is_spot, gpu_h, 0.0)
    other_h = np.where(is_spot, 0.0, gpu_h)
    serving_util = scenario.catalog.energy.serving_utilization
    return Fleet(
        sla_ok=sla_ok,
        usage=WorkloadUsage(d.i_gpu, spot_h, other_h, gpus, idle_share),
        energy_kwh=gpu_h * scenario.power_w[d.i_gpu] * serving_util / 1000.0,
        stopped=stopped,
    )
