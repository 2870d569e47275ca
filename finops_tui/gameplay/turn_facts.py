"""What one period did, as plain facts the advisor may speak of. No Textual here.

Facts are read from the kernel's output for one row of a batch, the same output the
turn's record (its bill and its events) is built from, so the advisor and the report
beside it speak of the same numbers. The property test reads them for a thousand
seeds at once from the same function.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import (
    FALSE_POSITIVE_TITLE,
    NIGHT_SERVING_TITLE,
    NIGHT_STOP_TITLE,
    SCHEDULE_STOP_TITLE,
    SERVING_STOP_TITLE,
)
from finops_tui.engine.kernel import BatchState, TurnOutput
from finops_tui.engine.scenario import Scenario


@dataclass(frozen=True)
class EventFact:
    kind: str
    title: str
    cost_usd: float = 0.0


@dataclass(frozen=True)
class TurnFacts:
    """One period of one game: its money, its events and the decisions behind them."""

    turn: int
    period: str  # "month", "week"...
    decisions: Decisions
    spend_usd: float
    budget_usd: float
    value_usd: float
    events: tuple[EventFact, ...]
    preemptions: int
    lost_gpu_hours: float
    training_cost_usd: float  # the training cluster's GPU-hours, however bought
    serving_cost_usd: float  # serving: GPU-hours, API tokens and the cache
    dev_waste_usd: float  # idle dev notebooks
    unused_commitment_usd: float
    untagged_usd: float  # effective cost with no owner
    allocation_coverage: float | None
    forecast_usd: float  # the forecast of this period made last period; 0: none
    forecast_variance: float | None
    sla_miss_rate: float
    loss: float | None
    tokens_trained: float

    @property
    def over_budget_usd(self) -> float:
        return max(round(self.spend_usd - self.budget_usd, 2), 0.0)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(e.kind for e in self.events)

    def event_cost(self, kind: str) -> float:
        return sum(e.cost_usd for e in self.events if e.kind == kind)

    @property
    def trained(self) -> bool:
        return self.decisions.training.gpus > 0

    @property
    def serves_through_api(self) -> bool:
        return self.decisions.inference.mode == "api"


def turn_facts(
    scenario: Scenario,
    decisions: Decisions,
    before: BatchState,
    out: TurnOutput,
    row: int,
    before_row: int = 0,
) -> TurnFacts:
    """The facts of row `row` of a kernel output; `before_row` is its game's row in `before`."""
    return batch_facts(scenario, decisions, before, out, [row], [before_row])[0]


def batch_facts(
    scenario: Scenario,
    decisions: Decisions,
    before: BatchState,
    out: TurnOutput,
    rows: Sequence[int],
    before_rows: Sequence[int],
) -> list[TurnFacts]:
    """The facts of several rows of one kernel output, summed over the lines once."""
    level = scenario.level
    take = np.asarray(rows, dtype=np.int64)
    took = np.asarray(before_rows, dtype=np.int64)
    lines = out.lines

    def cents_sum(keys: Iterable[str], field: str) -> np.ndarray:
        total = np.zeros(take.size, dtype=np.int64)
        for key in keys:
            total = total + np.asarray(getattr(lines[key], field))[take]
        return total / 100.0

    training = cents_sum(
        [k for k in lines if k.startswith("training.") and k != "training.storage"], "effective"
    )
    serving = cents_sum([k for k in lines if k.startswith("inference.")], "effective")
    dev_waste = cents_sum([k for k in lines if k.startswith("dev.")], "waste")
    unused = cents_sum([k for k in lines if k.endswith(".unused")], "effective")
    untagged = cents_sum(lines, "effective") - cents_sum(lines, "allocated")

    def kpi(key: str) -> np.ndarray:
        values = out.kpis.get(key)
        return np.full(take.size, np.nan) if values is None else np.asarray(values, float)[take]

    preemptions = kpi("preemptions")
    false_positives = kpi("false_positives")
    schedule_stops = kpi("schedule_stops")
    serving_stops = kpi("serving_stops")
    lost = kpi("lost_gpu_hours")
    coverage = kpi("allocation_coverage")
    variance = kpi("forecast_variance")
    miss = kpi("sla_miss_rate")
    loss = kpi("loss")
    tokens = kpi("tokens_trained")
    spend = np.asarray(out.spend)[take] / 100.0
    budget = np.asarray(out.budget)[take] / 100.0
    value = np.asarray(out.value)[take] / 100.0
    idle_before = np.asarray(before.idle_gpus, float)[took]
    forecast = np.asarray(before.last_forecast, float)[took]
    fired = [
        (
            (level.events.scheduled if o.scheduled else level.events.random)[o.index],
            np.asarray(o.occurred)[take],
            np.asarray(o.cost)[take] / 100.0,
        )
        for o in out.events
    ]
    # As the record tells them: a whole-account schedule stops every night, not once.
    nightly = decisions.practices.shutdown_schedule and (
        decisions.practices.schedule_scope == "account"
    )
    run_stop = (
        EventFact("schedule_stopped_run_nightly", NIGHT_STOP_TITLE)
        if nightly
        else EventFact("schedule_stopped_run", SCHEDULE_STOP_TITLE)
    )
    serving_stop = (
        EventFact("schedule_stopped_serving_nightly", NIGHT_SERVING_TITLE)
        if nightly
        else EventFact("schedule_stopped_serving", SERVING_STOP_TITLE)
    )
    facts = []
    for n in range(take.size):
        events = [EventFact(e.kind, e.title, float(cost[n])) for e, on, cost in fired if on[n]]
        # A practice that misfired (the record tells it first, as an event of no source).
        if false_positives[n] > 0:
            events.insert(
                0,
                EventFact("anomaly_false_positive", FALSE_POSITIVE_TITLE),
            )
        if schedule_stops[n] > 0:
            events.insert(int(false_positives[n] > 0), run_stop)
        if serving_stops[n] > 0:
            events.insert(int(false_positives[n] > 0) + int(schedule_stops[n] > 0), serving_stop)
        # The two the record adds: a cluster still idle from before, and spot preemptions.
        if idle_before[n] > 0:
            events.append(EventFact("idle_cluster", "The forgotten cluster is still running"))
        count = int(preemptions[n]) if not math.isnan(preemptions[n]) else 0
        if count:
            events.append(
                EventFact("spot_preemption", f"{count} spot preemption{'s' if count > 1 else ''}")
            )
        facts.append(
            TurnFacts(
                turn=before.turn + 1,
                period=level.period or "period",
                decisions=decisions,
                spend_usd=float(spend[n]),
                budget_usd=float(budget[n]),
                value_usd=float(value[n]),
                events=tuple(events),
                preemptions=count,
                lost_gpu_hours=_number(lost[n]) or 0.0,
                training_cost_usd=float(training[n]),
                serving_cost_usd=float(serving[n]),
                dev_waste_usd=float(dev_waste[n]),
                unused_commitment_usd=float(unused[n]),
                untagged_usd=round(float(untagged[n]), 2),
                allocation_coverage=_number(coverage[n]),
                forecast_usd=float(forecast[n]) if before.turn > 0 else 0.0,
                forecast_variance=_number(variance[n]),
                sla_miss_rate=_number(miss[n]) or 0.0,
                loss=_number(loss[n]),
                tokens_trained=_number(tokens[n]) or 0.0,
            )
        )
    return facts


def _number(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value
