"""What each workload used this period: the GPU-hours the billing stage prices."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class WorkloadUsage(NamedTuple):
    """One workload's GPU-hours this period, over the batch."""

    gpu: np.ndarray  # index into GPU_NAMES
    spot_hours: np.ndarray  # GPU-hours bought on spot
    other_hours: np.ndarray  # GPU-hours a commitment covers first, on-demand for the rest
    gpus: np.ndarray  # GPUs held: what a commitment bought this turn is sized on
    waste_share: np.ndarray  # share of the cost that bought nothing (idle, lost work)


def no_usage(gpu: np.ndarray) -> WorkloadUsage:
    """A workload that used nothing (the level does not have it)."""
    b = gpu.shape[0]
    return WorkloadUsage(gpu, np.zeros(b), np.zeros(b), np.zeros(b), np.zeros(b))


class Usage(NamedTuple):
    """Every workload's usage, in the order the bill lists them."""

    training: WorkloadUsage
    inference: WorkloadUsage
    dev: WorkloadUsage
    idle: WorkloadUsage
    runaway: WorkloadUsage
