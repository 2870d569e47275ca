"""Stage 1, the world's events: this turn's draws, then the level's events in order.

Scheduled events fire on their turn; random ones when their draw falls under their
probability (lowered by the practice that mitigates them). Nothing here depends on
the player's choices except that mitigation, so two teams on one seed face one world.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from finops_tui.engine.batch_state import N_GPU, BatchState
from finops_tui.engine.catalog import GPU_NAMES
from finops_tui.engine.decision_arrays import DecisionArrays
from finops_tui.engine.level import Level
from finops_tui.engine.rng import STREAMS, turn_uniforms

# Streams whose first draw is "did it happen": a calm world sets them to "never".
_EVENT_STREAMS = frozenset(STREAMS) - {"preemption", "inference_preemption", "demand_noise"}


def turn_draws(seeds: np.ndarray, turn: int, quiet: bool) -> dict[str, np.ndarray]:
    """This turn's uniforms per stream, or a calm, typical world for estimates.

    The calm world has median draws and no random events.
    """
    if not quiet:
        return turn_uniforms(seeds, turn)
    out = {}
    for name, (_, n) in STREAMS.items():
        u = np.full((seeds.shape[0], n), 0.5)
        u[:, 0] = 1.0 if name in _EVENT_STREAMS else 0.5
        if name == "practice_failure":
            u[:, 1] = 1.0  # the schedule's stop is an event too: none in a calm world
        out[name] = u
    return out


class FiredEvent(NamedTuple):
    """Whether one of the level's events happened this turn, and how big it was."""

    scheduled: bool
    index: int  # in the level's scheduled list, or in its random list
    occurred: np.ndarray  # bool
    magnitude: np.ndarray


class World(NamedTuple):
    """The world after this turn's events, over the batch."""

    price_mult: np.ndarray  # (batch, gpu), persists
    budget_mult: np.ndarray  # persists
    demand_mult: np.ndarray  # persists
    surge: np.ndarray  # this period's traffic multiplier
    shortage: np.ndarray  # share of the period with no spot capacity
    runaway_gpus: np.ndarray  # GPUs a runaway job started on this period
    runaway_start: np.ndarray  # share of the period gone when it started
    new_idle: np.ndarray  # GPUs of a cluster forgotten this period
    idle_start: np.ndarray  # share of the period gone when it was forgotten
    incident_cost: np.ndarray  # US$ of safety incidents
    fired: tuple[FiredEvent, ...] = ()


def calm_world(state: BatchState) -> World:
    """The world before any event of this turn: last turn's lasting changes only."""
    b = state.size
    return World(
        price_mult=state.price_mult.copy(),
        budget_mult=state.budget_mult.copy(),
        demand_mult=state.demand_mult.copy(),
        surge=np.ones(b),
        shortage=np.zeros(b),
        runaway_gpus=np.zeros(b),
        runaway_start=np.zeros(b),
        new_idle=np.zeros(b),
        idle_start=np.zeros(b),
        incident_cost=np.zeros(b),
    )


def apply_event(
    world: World,
    kind: str,
    gpu: str | None,
    on: np.ndarray,
    size: np.ndarray,
    start: np.ndarray,
) -> World:
    """The world after one event, where `on`; `size` is the event's magnitude."""
    if not on.any():
        return world  # most random events fire nowhere in a small batch: nothing to redo
    if kind == "budget_change":
        return world._replace(budget_mult=np.where(on, world.budget_mult * size, world.budget_mult))
    if kind == "demand_change":
        return world._replace(demand_mult=np.where(on, world.demand_mult * size, world.demand_mult))
    if kind == "price_change":
        mask = (
            np.ones(N_GPU, dtype=bool) if gpu is None else np.arange(N_GPU) == GPU_NAMES.index(gpu)
        )
        price_mult = world.price_mult
        hit = on[:, None] & mask[None, :]
        return world._replace(price_mult=np.where(hit, price_mult * size[:, None], price_mult))
    if kind == "traffic_surge":
        return world._replace(surge=np.where(on, world.surge * size, world.surge))
    if kind == "capacity_shortage":
        return world._replace(
            shortage=np.where(on, np.maximum(world.shortage, size), world.shortage)
        )
    if kind == "runaway_job":
        return world._replace(
            runaway_gpus=np.where(on, np.rint(size), world.runaway_gpus),
            runaway_start=np.where(on, start, world.runaway_start),
        )
    if kind == "idle_cluster":
        return world._replace(
            new_idle=np.where(on, np.rint(size), world.new_idle),
            idle_start=np.where(on, start, world.idle_start),
        )
    if kind == "safety_incident":
        return world._replace(
            incident_cost=np.where(on, world.incident_cost + size, world.incident_cost)
        )
    return world


def world_events(
    level: Level,
    state: BatchState,
    d: DecisionArrays,
    turn: int,
    u: dict[str, np.ndarray],
) -> World:
    """The world this turn: the scheduled events, then the random ones, in level order."""
    b = state.size
    world = calm_world(state)
    fired: list[FiredEvent] = []
    for i, event in enumerate(level.events.scheduled):
        on = np.full(b, event.turn == turn)
        size = np.full(b, event.low)
        if event.turn == turn:
            world = apply_event(world, event.kind, event.gpu, on, size, np.zeros(b))
        fired.append(FiredEvent(True, i, on, size))
    for i, event in enumerate(level.events.random):
        draw = u[event.kind]
        p = np.full(b, float(event.probability or 0.0))
        if event.mitigated_by is not None:
            p = np.where(d.practice_on(event.mitigated_by), p * event.mitigation, p)
        in_window = event.from_turn <= turn <= (event.to_turn or level.turns)
        on = (draw[:, 0] < p) & in_window
        size = event.low + draw[:, 1] * (event.high - event.low)
        start = draw[:, 2] if draw.shape[1] > 2 else np.zeros(b)
        world = apply_event(world, event.kind, event.gpu, on, size, start)
        fired.append(FiredEvent(False, i, on, size))
    return world._replace(fired=tuple(fired))
