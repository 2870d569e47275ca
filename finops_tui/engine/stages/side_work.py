"""Stage 4, work beside the product: the dev environment, forgotten clusters, runaway jobs.

This is where FinOps practices pay: showback and tags restrain dev sprawl, rightsizing
trims it, schedules switch idle hours off, tags and anomaly detection find a forgotten
cluster's owner, and alerts or anomaly detection stop a runaway job within hours.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from finops_tui.engine.catalog import GPU_NAMES
from finops_tui.engine.decision_arrays import DecisionArrays
from finops_tui.engine.level import Event, Level
from finops_tui.engine.scenario import ALLOCATION_RESTRAINT, Scenario
from finops_tui.engine.stages.period import Period
from finops_tui.engine.stages.usage import WorkloadUsage, no_usage

HOURS_PER_WEEK = 168.0
SCHEDULE_ON_HOURS_PER_WEEK = 60.0  # a shutdown schedule's default working hours
# The power drawn by notebooks and idle GPUs (catalog energy.dev_power_share and
# idle_power_share) and how fast anomaly detection flags an idle cluster (the level's
# practices.idle_detection_hours) are game assumptions a level may change.


class DevEnvironment(NamedTuple):
    gpus: np.ndarray  # after sprawl and rightsizing: carried to the next turn
    usage: WorkloadUsage  # waste share: the hours nobody used
    energy_kwh: np.ndarray


class IdleClusters(NamedTuple):
    gpus: np.ndarray  # still forgotten at the end of the period
    new_hours: np.ndarray  # hours the cluster forgotten this period ran
    usage: WorkloadUsage  # all waste
    energy_kwh: np.ndarray


class RunawayJobs(NamedTuple):
    hours: np.ndarray  # hours the job ran before it was caught (or the period ended)
    usage: WorkloadUsage  # all waste
    energy_kwh: np.ndarray


def dev_environment(
    scenario: Scenario, period: Period, dev_gpus: np.ndarray, d: DecisionArrays
) -> DevEnvironment:
    """The dev environment's GPUs after sprawl, restraint and rightsizing, and their hours."""
    dev = scenario.level.dev
    b = dev_gpus.shape[0]
    gpu = np.full(b, GPU_NAMES.index(dev.gpu) if dev else 0)
    if dev is None:
        return DevEnvironment(dev_gpus, no_usage(gpu), np.zeros(b))
    hours = period.hours
    if period.turn > 1:
        restraint = ALLOCATION_RESTRAINT[d.p_allocation] * d.p_tagging
        dev_gpus = dev_gpus * (1.0 + dev.sprawl_per_turn * (1.0 - restraint))
    needed = dev.gpus * (1.0 - dev.overprovisioned_share)
    dev_gpus = np.where(d.p_rightsizing, np.minimum(dev_gpus, needed), dev_gpus)
    running = np.where(d.p_shutdown, hours * dev.schedule_on_hours_per_week / HOURS_PER_WEEK, hours)
    used = hours * dev.used_hours_per_week / HOURS_PER_WEEK
    idle_share = np.clip(1.0 - used / running, 0.0, 1.0)
    usage = WorkloadUsage(gpu, np.zeros(b), dev_gpus * running, dev_gpus, idle_share)
    share = scenario.catalog.energy.dev_power_share
    return DevEnvironment(dev_gpus, usage, _energy(scenario, usage, share))


def idle_clusters(
    scenario: Scenario,
    period: Period,
    idle_gpus: np.ndarray,
    new_idle: np.ndarray,
    idle_start: np.ndarray,
    d: DecisionArrays,
    u_found: np.ndarray,
) -> IdleClusters:
    """Forgotten clusters: what they ran, and whether anyone found their owner."""
    level = scenario.level
    b = idle_gpus.shape[0]
    hours = period.hours
    on_hours = level.dev.schedule_on_hours_per_week if level.dev else SCHEDULE_ON_HOURS_PER_WEEK
    schedule_share = on_hours / HOURS_PER_WEEK
    gpu = np.full(b, event_gpu(level, event_of(level, "idle_cluster")))
    old_hours = np.where(d.p_shutdown, hours * schedule_share, hours)
    new_hours = np.where(
        d.p_shutdown, hours * (1 - idle_start) * schedule_share, hours * (1 - idle_start)
    )
    detect_cap = np.where(d.p_anomaly, level.practices.idle_detection_hours, np.inf)
    hours_old = np.minimum(old_hours, detect_cap)
    hours_new = np.minimum(new_hours, detect_cap)
    gpu_h = idle_gpus * hours_old + new_idle * hours_new
    # Tags name an owner; showback, chargeback or a rightsizing review make someone look.
    find_chance = d.p_tagging * np.where((d.p_allocation > 0) | d.p_rightsizing, 1.0, 0.5)
    found = d.p_anomaly | (u_found < find_chance)
    usage = WorkloadUsage(gpu, np.zeros(b), gpu_h, np.zeros(b), np.ones(b))
    return IdleClusters(
        gpus=np.where(found, 0.0, idle_gpus + new_idle),
        new_hours=hours_new,
        usage=usage,
        energy_kwh=_energy(scenario, usage, scenario.catalog.energy.idle_power_share),
    )


def runaway_jobs(
    scenario: Scenario,
    period: Period,
    runaway_gpus: np.ndarray,
    runaway_start: np.ndarray,
    d: DecisionArrays,
) -> RunawayJobs:
    """A runaway job runs until an alert or anomaly detection catches it, or period end."""
    level = scenario.level
    b = runaway_gpus.shape[0]
    costs = level.practices
    gpu = np.full(b, event_gpu(level, event_of(level, "runaway_job")))
    remaining = period.hours * (1.0 - runaway_start)
    # A whole-account schedule stops the runaway job overnight too: it runs working hours.
    on_hours = level.dev.schedule_on_hours_per_week if level.dev else SCHEDULE_ON_HOURS_PER_WEEK
    remaining = np.where(d.p_whole_account, remaining * on_hours / HOURS_PER_WEEK, remaining)
    # An alert reaches the owner a tag names; an untagged line's goes to a shared inbox.
    alert_hours = costs.alert_detection_hours * (1.0 + 2.0 * (1.0 - d.p_tagging))
    caught = np.minimum(
        np.where(d.p_alerts, alert_hours, np.inf),
        np.where(d.p_anomaly, costs.anomaly_detection_hours, np.inf),
    )
    hours = np.where(runaway_gpus > 0, np.minimum(remaining, caught), 0.0)
    usage = WorkloadUsage(gpu, np.zeros(b), runaway_gpus * hours, np.zeros(b), np.ones(b))
    return RunawayJobs(hours, usage, _energy(scenario, usage))


def _energy(
    scenario: Scenario, usage: WorkloadUsage, power_share: float | None = None
) -> np.ndarray:
    """kWh at `power_share` of the device's rating (all of it if None); power_w is PUE-adjusted."""
    watt_hours = usage.other_hours * scenario.power_w[usage.gpu]
    if power_share is not None:
        watt_hours = watt_hours * power_share
    return watt_hours / 1000.0


def event_of(level: Level, kind: str) -> Event | None:
    """The level's first event of a kind, random ones first."""
    for event in [*level.events.random, *level.events.scheduled]:
        if event.kind == kind:
            return event
    return None


def event_gpu(level: Level, event: Event | None) -> int:
    """The GPU an event's cluster runs on: its own, else the dev environment's."""
    if event is not None and event.gpu is not None:
        return GPU_NAMES.index(event.gpu)
    if level.dev is not None:
        return GPU_NAMES.index(level.dev.gpu)
    return GPU_NAMES.index("a100-80gb")
