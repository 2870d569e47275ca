"""A scenario: a level and the prices it is played at, compiled into lookup tables."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from finops_tui.engine.catalog import COMMIT_TERM_HOURS, COMMIT_TERMS, GPU_NAMES, Catalog
from finops_tui.engine.level import Level

PRICING_INDEX = {"on-demand": 0, "spot": 1, "commit-1y": 2, "commit-3y": 3}
QUANT_BYTES = {"fp16": 2.0, "int8": 1.0, "int4": 0.5}
# Quality kept after quantization (game assumption: int8 is near-lossless, int4 is not).
QUANT_QUALITY = {"fp16": 1.0, "int8": 0.995, "int4": 0.97}
ALLOCATION_INDEX = {"none": 0, "showback": 1, "chargeback": 2}
# How much of dev-environment sprawl each allocation model stops, at full tag coverage.
ALLOCATION_RESTRAINT = np.array([0.0, 0.6, 1.0])


@dataclass(frozen=True, eq=False)
class Scenario:
    """Everything the engine needs to play a level: the level, its prices, as arrays."""

    level: Level
    catalog: Catalog
    peak_tflops: np.ndarray = field(repr=False)
    memory_gb: np.ndarray = field(repr=False)
    bandwidth_gb_s: np.ndarray = field(repr=False)
    power_w: np.ndarray = field(repr=False)
    # Rates by [pricing index, gpu index]: on-demand, spot, commit-1y, commit-3y.
    rates: np.ndarray = field(repr=False)
    # Spot interruptions per *instance*-hour: AWS's rate is a share of instances a month.
    hazard: np.ndarray = field(repr=False)
    gpus_per_instance: np.ndarray = field(repr=False)  # int
    bf16: np.ndarray = field(repr=False)  # bool: the GPU can train in bf16
    term_periods: tuple[int, int]
    horizon: int
    model_ids: tuple[str, ...]
    model_params: np.ndarray = field(repr=False)
    model_quality: np.ndarray = field(repr=False)
    model_trained: np.ndarray = field(repr=False)  # bool: the level's own trained model
    api_ids: tuple[str, ...]
    api_input: np.ndarray = field(repr=False)
    api_output: np.ndarray = field(repr=False)
    api_quality: np.ndarray = field(repr=False)

    @classmethod
    def build(cls, level: Level, catalog: Catalog) -> Scenario:
        """Compile `level` against `catalog` with the level's price overrides applied."""
        cat = catalog.with_overrides(level.prices)
        specs = [cat.gpus[g] for g in GPU_NAMES]
        rates = np.array(
            [
                [s.price.on_demand for s in specs],
                [s.price.spot for s in specs],
                [s.price.commit_1y for s in specs],
                [s.price.commit_3y for s in specs],
            ]
        )
        term_periods = tuple(
            math.ceil(COMMIT_TERM_HOURS[t] / level.period_hours - 1e-9) for t in COMMIT_TERMS
        )
        inf = level.inference
        model_ids = tuple(inf.models) if inf else ()
        api_ids = tuple(inf.apis) if inf else ()
        return cls(
            level=level,
            catalog=cat,
            peak_tflops=np.array([s.bf16_tflops for s in specs]),
            memory_gb=np.array([s.memory_gb for s in specs]),
            bandwidth_gb_s=np.array([s.bandwidth_gb_s for s in specs]),
            power_w=np.array([s.power_w for s in specs]),
            rates=rates,
            hazard=np.array([s.spot_interruptions_per_month for s in specs]) / cat.hours_per_month,
            gpus_per_instance=np.array([s.gpus_per_instance for s in specs], dtype=np.int64),
            bf16=np.array([s.bf16 for s in specs], dtype=bool),
            term_periods=term_periods,  # type: ignore[arg-type]
            horizon=level.turns + max(term_periods) + 1,
            model_ids=model_ids,
            model_params=np.array([inf.models[m].params for m in model_ids]) if inf else _EMPTY,
            model_quality=np.array([inf.models[m].quality for m in model_ids]) if inf else _EMPTY,
            model_trained=(
                np.array([inf.models[m].trained for m in model_ids], dtype=bool)
                if inf
                else np.zeros(0, dtype=bool)
            ),
            api_ids=api_ids,
            api_input=np.array([cat.apis[a].input_per_million for a in api_ids]) if inf else _EMPTY,
            api_output=(
                np.array([cat.apis[a].output_per_million for a in api_ids]) if inf else _EMPTY
            ),
            api_quality=np.array([inf.apis[a].quality for a in api_ids]) if inf else _EMPTY,
        )

    def gpu_index(self, name: str) -> int:
        return GPU_NAMES.index(name)


_EMPTY = np.zeros(0)
