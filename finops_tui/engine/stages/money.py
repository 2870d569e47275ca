"""Ledger lines over the batch, in integer cents: each line is rounded once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Line:
    """One kind of ledger line, over the batch. Costs are integer cents."""

    quantity: np.ndarray
    list_cost: np.ndarray
    billed: np.ndarray
    effective: np.ndarray
    allocated: np.ndarray  # the part of the effective cost that has an owner
    waste: np.ndarray  # the part of the effective cost that bought nothing


def cents(usd: np.ndarray) -> np.ndarray:
    """US dollars to whole cents, rounded half to even."""
    return np.rint(np.asarray(usd, dtype=float) * 100.0).astype(np.int64)


def usage_line(
    quantity: np.ndarray,
    list_cost: np.ndarray,
    billed: np.ndarray,
    effective: np.ndarray,
    tagged: np.ndarray,
    waste_share: np.ndarray,
) -> Line:
    """A line of compute: the tagged share has an owner, the waste share bought nothing."""
    return Line(
        quantity=quantity,
        list_cost=list_cost,
        billed=billed,
        effective=effective,
        allocated=cents(effective * tagged / 100.0),
        waste=cents(effective * waste_share / 100.0),
    )


def owned_line(usd: np.ndarray, tagged: np.ndarray, quantity: np.ndarray | None = None) -> Line:
    """A line billed at list price that wastes nothing (a service, a practice, a fine)."""
    amount = cents(usd)
    return Line(
        quantity=np.where(amount > 0, 1.0, 0.0) if quantity is None else quantity,
        list_cost=amount,
        billed=amount,
        effective=amount,
        allocated=cents(amount * tagged / 100.0),
        waste=np.zeros_like(amount),
    )
