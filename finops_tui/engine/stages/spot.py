"""Spot interruptions: how many a workload suffers, and the work each one throws away.

AWS's Spot interruption frequency is the share of *instances* interrupted in a month,
so the draw is per instance (p5 and p4d hold 8 GPUs, g5 and g6 one): a cluster of
64 H100s is 8 instances, not 64 chances. Counts come from a Poisson inverse at a fixed
uniform draw, so a longer or larger spot run can only be interrupted as often or more on
the same seed, never less.
"""

from __future__ import annotations

import numpy as np


def poisson_inverse(u: np.ndarray, lam: np.ndarray, cap: int) -> np.ndarray:
    """The Poisson(lam) count at quantile u, capped; monotone in lam for a fixed u."""
    lam = np.maximum(lam, 0.0)
    pmf = np.exp(-lam)
    cdf = pmf.copy()
    count = np.zeros(u.shape, dtype=np.int64)
    for k in range(1, cap + 1):
        above = u >= cdf
        if not above.any():
            break  # the CDF only grows: no count can increase any more
        count += above
        pmf = pmf * lam / k
        cdf = cdf + pmf
    return count


def spot_instances(gpus: np.ndarray, gpus_per_instance: np.ndarray) -> np.ndarray:
    """Instances a cluster of `gpus` takes: whole instances, the last one maybe part-used."""
    return np.ceil(np.asarray(gpus, dtype=float) / np.maximum(gpus_per_instance, 1) - 1e-9)


def interruptions(
    u: np.ndarray,
    hazard: np.ndarray,
    instances: np.ndarray,
    exposed_hours: np.ndarray,
    is_spot: np.ndarray,
    cap: int,
) -> np.ndarray:
    """Interruptions of `instances` spot instances over `exposed_hours`, at `hazard`
    per instance-hour."""
    return poisson_inverse(u, hazard * instances * exposed_hours * is_spot, cap)


def lost_wall_hours(
    fractions: np.ndarray,
    count: np.ndarray,
    checkpoint_hours: np.ndarray,
    restart_hours: float,
) -> np.ndarray:
    """Wall-clock hours redone after `count` interruptions.

    Interruption i strikes `fractions[:, i]` of the way through a checkpoint interval,
    so it loses that share of the interval, plus the time to restart.
    """
    most = int(count.max())
    if most > 0:
        # Only the first `most` draws can be used: the prefix of the cumsum is enough.
        lost = np.cumsum(fractions[:, :most], axis=1)
        lost_sum = np.where(
            count > 0, lost[np.arange(count.shape[0]), np.maximum(count - 1, 0)], 0.0
        )
    else:  # no interruption anywhere in the batch
        lost_sum = np.zeros(count.shape[0])
    return lost_sum * checkpoint_hours + count * restart_hours
