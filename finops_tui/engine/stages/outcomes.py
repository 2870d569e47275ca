"""Stage 7, event outcomes: what each of the level's events did this turn, in numbers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finops_tui.engine.level import Level
from finops_tui.engine.stages.billing import Rates
from finops_tui.engine.stages.commitments import TERMS
from finops_tui.engine.stages.money import Line, cents
from finops_tui.engine.stages.side_work import IdleClusters, RunawayJobs
from finops_tui.engine.stages.world import World


@dataclass(frozen=True)
class EventOutcome:
    """What one event of the level did this turn, over the batch."""

    index: int  # position in the level's scheduled list, or in its random list
    scheduled: bool
    occurred: np.ndarray
    magnitude: np.ndarray
    hours: np.ndarray
    cost: np.ndarray  # cents


def event_outcomes(
    level: Level,
    world: World,
    lines: dict[str, Line],
    runaway: RunawayJobs,
    idle: IdleClusters,
    rates: Rates,
) -> list[EventOutcome]:
    """Every event of the level, in order, with the hours and the cost it caused."""
    b = world.surge.shape[0]
    events = []
    for scheduled, i, on, size in world.fired:
        event = (level.events.scheduled if scheduled else level.events.random)[i]
        hours, cost = np.zeros(b), np.zeros(b, dtype=np.int64)
        if event.kind == "runaway_job":
            hours, cost = runaway.hours, workload_cost(lines, "runaway", b)
        elif event.kind == "idle_cluster":
            list_rate = rates.on_demand[np.arange(b), idle.usage.gpu]
            hours = idle.new_hours
            cost = cents(world.new_idle * idle.new_hours * list_rate)
        elif event.kind == "safety_incident":
            cost = cents(world.incident_cost)
        events.append(EventOutcome(i, scheduled, on, size, hours, cost))
    return events


def workload_cost(lines: dict[str, Line], workload: str, b: int) -> np.ndarray:
    """The effective cost of one workload's compute, whichever way it was bought."""
    total = np.zeros(b, dtype=np.int64)
    for option in ("on-demand", "spot", *TERMS):
        line = lines.get(f"{workload}.{option}")
        if line is not None:
            total = total + line.effective
    return total
