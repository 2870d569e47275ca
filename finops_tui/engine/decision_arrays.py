"""A turn's decisions for a batch of games, as arrays the kernel computes with."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from finops_tui.engine.catalog import GPU_NAMES
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.scenario import (
    ALLOCATION_INDEX,
    PRICING_INDEX,
    QUANT_BYTES,
    QUANT_QUALITY,
    Scenario,
)


@dataclass(frozen=True)
class DecisionArrays:
    """A batch of decisions as arrays (length 1 broadcasts over the batch)."""

    t_gpu: np.ndarray
    t_gpus: np.ndarray
    t_pricing: np.ndarray
    t_params: np.ndarray
    t_tokens: np.ndarray
    t_ckpt: np.ndarray
    i_selfhost: np.ndarray
    i_api: np.ndarray
    i_model: np.ndarray
    i_gpu: np.ndarray
    i_gpus: np.ndarray
    i_pricing: np.ndarray
    i_bytes: np.ndarray
    i_quality_kept: np.ndarray
    i_caching: np.ndarray
    i_batching: np.ndarray
    p_tagging: np.ndarray
    p_alerts: np.ndarray
    p_anomaly: np.ndarray
    p_shutdown: np.ndarray
    p_whole_account: np.ndarray  # the schedule stops the whole account every night
    p_rightsizing: np.ndarray
    p_allocation: np.ndarray
    p_safety: np.ndarray
    forecast: np.ndarray

    @classmethod
    def from_decisions(cls, scenario: Scenario, batch: list[Decisions]) -> DecisionArrays:
        def col(get, dtype=float):
            return np.array([get(d) for d in batch], dtype=dtype)

        def index_of(options: tuple[str, ...], name: str) -> int:
            return options.index(name) if name in options else 0

        return cls(
            t_gpu=col(lambda d: GPU_NAMES.index(d.training.gpu), np.int64),
            t_gpus=col(lambda d: d.training.gpus),
            t_pricing=col(lambda d: PRICING_INDEX[d.training.pricing], np.int64),
            t_params=col(lambda d: d.training.params),
            t_tokens=col(lambda d: d.training.tokens),
            t_ckpt=col(lambda d: d.training.checkpoint_hours),
            i_selfhost=col(lambda d: d.inference.mode == "self-host", bool),
            i_api=col(lambda d: index_of(scenario.api_ids, d.inference.api_model), np.int64),
            i_model=col(lambda d: index_of(scenario.model_ids, d.inference.model), np.int64),
            i_gpu=col(lambda d: GPU_NAMES.index(d.inference.gpu), np.int64),
            i_gpus=col(lambda d: d.inference.gpus),
            i_pricing=col(lambda d: PRICING_INDEX[d.inference.pricing], np.int64),
            i_bytes=col(lambda d: QUANT_BYTES[d.inference.quant]),
            i_quality_kept=col(lambda d: QUANT_QUALITY[d.inference.quant]),
            i_caching=col(lambda d: d.inference.caching, bool),
            i_batching=col(lambda d: d.inference.batching, bool),
            p_tagging=col(lambda d: d.practices.tagging),
            p_alerts=col(lambda d: d.practices.budget_alerts, bool),
            p_anomaly=col(lambda d: d.practices.anomaly_detection, bool),
            p_shutdown=col(lambda d: d.practices.shutdown_schedule, bool),
            p_whole_account=col(
                lambda d: d.practices.shutdown_schedule and d.practices.schedule_scope == "account",
                bool,
            ),
            p_rightsizing=col(lambda d: d.practices.rightsizing, bool),
            p_allocation=col(lambda d: ALLOCATION_INDEX[d.practices.allocation], np.int64),
            p_safety=col(lambda d: d.practices.safety_evaluation, bool),
            forecast=col(lambda d: d.forecast_usd),
        )

    def broadcast(self, size: int) -> DecisionArrays:
        if self.t_gpu.shape == (size,):
            return self
        return DecisionArrays(
            **{f.name: np.broadcast_to(getattr(self, f.name), (size,)) for f in fields(self)}
        )

    def practice_on(self, practice: str) -> np.ndarray:
        """Whether a FinOps practice is in force, per game (tagging: half coverage or more)."""
        if practice == "tagging":
            return self.p_tagging >= 0.5
        if practice == "allocation":
            return self.p_allocation > 0
        return np.asarray(getattr(self, _PRACTICE_FIELD[practice]), dtype=bool)


_PRACTICE_FIELD = {
    "budget_alerts": "p_alerts",
    "anomaly_detection": "p_anomaly",
    "shutdown_schedule": "p_shutdown",
    "rightsizing": "p_rightsizing",
    "safety_evaluation": "p_safety",
}
