"""The period being resolved: which turn, how long, and its share of a billing month."""

from __future__ import annotations

from typing import NamedTuple

from finops_tui.engine.scenario import Scenario


class Period(NamedTuple):
    turn: int  # 1-based
    hours: float
    month_share: float  # of the catalog's billing month: scales monthly fees

    @classmethod
    def of(cls, scenario: Scenario, turn: int) -> Period:
        hours = scenario.level.period_hours
        return cls(turn, hours, hours / scenario.catalog.hours_per_month)
