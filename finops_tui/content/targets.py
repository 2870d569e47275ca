"""Whether a scored KPI met its target, and how precisely to show it so it reads true.

A target is met only at full precision: 0.9154 against 0.92 is missed, and must not
read "92%" beside a target of "92%". Every place that shows a value beside its target
asks here how many decimals it needs.
"""

from __future__ import annotations

import math

from finops_tui.engine.level import ScoreComponent

MORE_DECIMALS = 4  # beyond this a value that close to its target reads as the target


def higher_is_better(component: ScoreComponent) -> bool:
    return component.good > component.bad


def target_met(component: ScoreComponent, value: float | None) -> bool:
    """Met at full precision: at or past `good`, in the direction that scores."""
    if value is None or math.isnan(value):
        return False
    if higher_is_better(component):
        return value >= component.good
    return value <= component.good


def decimals_for(component: ScoreComponent, value: float | None, scale: float, base: int) -> int:
    """Decimals (at least `base`) that show the target exactly and a missed one as missed.

    `scale` is what the display multiplies by (100 for a percentage).
    """
    decimals = base
    while decimals < base + MORE_DECIMALS and not math.isclose(
        round(component.good * scale, decimals), component.good * scale, abs_tol=1e-9
    ):
        decimals += 1
    if value is None or math.isnan(value) or target_met(component, value):
        return decimals
    while decimals < base + MORE_DECIMALS and target_met(
        component, round(value * scale, decimals) / scale
    ):
        decimals += 1
    return decimals
