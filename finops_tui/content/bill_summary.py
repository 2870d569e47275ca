"""What a read bill says: costs on two bases, commitments, allocation, unit costs and
periods, gathered row by row by `analyze.analyze_focus` (FOCUS 1.2 section 2 for the bases)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass
class Costs:
    """One slice of the bill on both cost bases."""

    billed: Decimal = Decimal(0)
    effective: Decimal = Decimal(0)

    def add(self, billed: Decimal, effective: Decimal) -> None:
        self.billed += billed
        self.effective += effective

    def as_json(self) -> dict[str, float]:
        return {"billed": float(self.billed), "effective": float(self.effective)}


TOP = 10
# A billing period whose charges span less than this share of it is partial: its
# movers would compare a month with a few hours of it.
FULL_PERIOD = 0.9
# Charges that are not usage or purchases (FOCUS 1.2 ChargeCategory): shown on their own
# lines, so that the shares of pricing categories are shares of what was used and bought.
CHARGES = ("Usage", "Purchase")


@dataclass
class Commitment:
    """What one commitment cost and how much of it was used (FOCUS 1.2 CommitmentDiscount*)."""

    name: str = ""
    kind: str = ""
    purchased: Decimal = Decimal(0)
    used: Decimal = Decimal(0)
    unused: Decimal = Decimal(0)
    used_quantity: Decimal = Decimal(0)
    unused_quantity: Decimal = Decimal(0)
    unit: str = ""
    # ListCost of the usage it covered: what that usage would have cost on demand.
    used_list: Decimal = Decimal(0)

    @property
    def amortised(self) -> Decimal:
        return self.used + self.unused

    @property
    def utilisation(self) -> float | None:
        if self.amortised:
            return float(self.used / self.amortised)
        # Used rows at no effective cost (the sample's savings plans): read the hours.
        hours = self.used_quantity + self.unused_quantity
        return float(self.used_quantity / hours) if hours else None

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "type": self.kind,
            "purchased_billed": float(self.purchased),
            "amortised_effective": float(self.amortised),
            "used_effective": float(self.used),
            "unused_effective": float(self.unused),
            "used_quantity": float(self.used_quantity),
            "unused_quantity": float(self.unused_quantity),
            "used_list": float(self.used_list),
            "unit": self.unit,
            "utilisation": self.utilisation,
        }


@dataclass
class UnitCost:
    """Effective cost of the rows that carry a quantity, and that quantity."""

    cost: Decimal = Decimal(0)
    quantity: Decimal = Decimal(0)

    def per(self, scale: int = 1) -> float | None:
        return float(self.cost / self.quantity * scale) if self.quantity else None


@dataclass
class Period:
    """One billing period: its rows, its dates, and the span its charges cover."""

    rows: int = 0
    start: datetime | None = None
    end: datetime | None = None
    first_charge: datetime | None = None
    last_charge: datetime | None = None

    def add_charge(self, start: datetime | None, end: datetime | None) -> None:
        if start and (self.first_charge is None or start < self.first_charge):
            self.first_charge = start
        end = end or start
        if end and (self.last_charge is None or end > self.last_charge):
            self.last_charge = end

    @property
    def coverage(self) -> float | None:
        """Share of the billing period between its first and last charge; None if unknown."""
        if not (self.start and self.end and self.first_charge and self.last_charge):
            return None
        length = (self.end - self.start).total_seconds()
        if length <= 0:
            return None
        first, last = max(self.first_charge, self.start), min(self.last_charge, self.end)
        return max(0.0, (last - first).total_seconds()) / length


@dataclass
class BillSummary:
    rows: int = 0
    version: str = "1.2"
    version_note: str = ""
    required_tags: tuple[str, ...] = ()
    total: Costs = field(default_factory=Costs)
    list_cost: Decimal = Decimal(0)
    services: dict[str, Costs] = field(default_factory=lambda: defaultdict(Costs))
    pricing_categories: dict[str, Costs] = field(default_factory=lambda: defaultdict(Costs))
    charge_categories: dict[str, Costs] = field(default_factory=lambda: defaultdict(Costs))
    # Pricing categories of usage and purchases only: credits and adjustments apart.
    usage_pricing: dict[str, Costs] = field(default_factory=lambda: defaultdict(Costs))
    # ListCost by pricing category of usage and purchases (Committed usage's list value).
    usage_pricing_list: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    periods: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    period_info: dict[str, Period] = field(default_factory=dict)
    # Data quality: `NULL` cells by column, dates that did not parse by column (count,
    # first line), and tag keys with the rows and effective cost that carry them.
    null_text: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    bad_dates: dict[str, list[int]] = field(default_factory=dict)
    tag_keys: dict[str, Costs] = field(default_factory=lambda: defaultdict(Costs))
    tag_key_rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    usage_list_by_service: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    covered_list_by_service: dict[str, Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )
    commitments: dict[str, Commitment] = field(default_factory=dict)
    usage_by_service: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    covered_by_service: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    allocated: Decimal = Decimal(0)
    unallocated: Decimal = Decimal(0)
    untagged_resources: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    untagged_pruned: bool = False
    gpu_hours: UnitCost = field(default_factory=UnitCost)
    # GPU-hours used by (GPU type, PricingCategory): today's fleet, for level-from-bill.
    gpu_fleet: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    # Effective cost by (GPU type, PricingCategory), unused commitment hours included.
    gpu_cost: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    tokens: UnitCost = field(default_factory=UnitCost)
    has_tags: bool = False

    # The first analyzer's names, kept for scripts and tests that use them.
    @property
    def billed(self) -> Decimal:
        return self.total.billed

    @property
    def effective(self) -> Decimal:
        return self.total.effective

    @property
    def by_service(self) -> dict[str, Decimal]:
        return {name: costs.billed for name, costs in self.services.items()}

    @property
    def by_pricing_category(self) -> dict[str, Decimal]:
        return {name: costs.billed for name, costs in self.pricing_categories.items()}

    @property
    def commitment_used(self) -> Decimal:
        return sum((c.used for c in self.commitments.values()), Decimal(0))

    @property
    def commitment_unused(self) -> Decimal:
        return sum((c.unused for c in self.commitments.values()), Decimal(0))

    @property
    def commitment_purchased(self) -> Decimal:
        return sum((c.purchased for c in self.commitments.values()), Decimal(0))

    @property
    def has_commitments(self) -> bool:
        return bool(self.commitments)

    @property
    def allocation_coverage(self) -> float | None:
        total = self.allocated + self.unallocated
        return float(self.allocated / total) if self.has_tags and total else None

    @property
    def commitment_utilization(self) -> float | None:
        total = self.commitment_used + self.commitment_unused
        return float(self.commitment_used / total) if total else None

    @property
    def commitment_coverage(self) -> float | None:
        """Share of the usage of services that have commitments that a commitment covered."""
        services = [s for s, covered in self.covered_by_service.items() if covered]
        eligible = sum((self.usage_by_service[s] for s in services), Decimal(0))
        covered = sum((self.covered_by_service[s] for s in services), Decimal(0))
        return float(covered / eligible) if eligible else None

    @property
    def commitment_coverage_list(self) -> float | None:
        """Coverage on list (on-demand-equivalent) cost, the providers' own measure; it
        reads a commitment whose Used rows carry no effective cost (the sample's)."""
        services = [s for s, covered in self.covered_list_by_service.items() if covered]
        eligible = sum((self.usage_list_by_service[s] for s in services), Decimal(0))
        covered = sum((self.covered_list_by_service[s] for s in services), Decimal(0))
        return float(covered / eligible) if eligible else None

    def full_periods(self) -> list[str]:
        """Billing periods whose charges span most of them (all, when the bill has no
        charge period dates); sorted."""
        return [p for p in sorted(self.periods) if not self.partial(p)]

    def partial(self, period: str) -> bool:
        info = self.period_info.get(period)
        if info is None:
            return False
        coverage = info.coverage
        if coverage is not None:
            return coverage < FULL_PERIOD
        # No charge period dates: a period with a tenth of the rows of the largest is partial.
        largest = max((i.rows for i in self.period_info.values()), default=0)
        return info.rows * 10 < largest

    def tag_key_problems(self) -> list[str]:
        """Tag keys a chargeback would miss: spaces around them, or one key in two spellings."""
        problems = []
        spelled: dict[str, list[str]] = defaultdict(list)
        for key in sorted(self.tag_keys):
            spelled[key.strip().casefold()].append(key)
            if key != key.strip():
                problems.append(
                    f"tag key {key!r} has a space around it on {self.tag_key_rows[key]:,} rows"
                    f" (${self.tag_keys[key].effective:,.2f} effective): it is not"
                    f" {key.strip()!r}, and counts for no --require-tag {key.strip()}"
                )
        for keys in spelled.values():
            if len({k.strip() for k in keys}) > 1:
                problems.append("one tag key spelled " + " and ".join(repr(k) for k in keys))
        for key in self.required_tags:
            if key not in self.tag_keys:
                problems.append(f"required tag key {key!r} is on no row of this bill")
        return problems

    def ranked_services(self, basis: str = "effective") -> list[tuple[str, Costs]]:
        return sorted(self.services.items(), key=lambda kv: (-getattr(kv[1], basis), kv[0]))

    def top_untagged(self, count: int = TOP) -> list[tuple[str, Decimal]]:
        ranked = sorted(self.untagged_resources.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(resource, cost) for resource, cost in ranked if cost][:count]

    def movers(self, count: int = 5) -> tuple[str, str, list[tuple[str, Decimal, Decimal]]]:
        """Services whose effective cost changed most between the last two billing periods."""
        full = self.full_periods()
        if len(full) < 2:
            return "", "", []
        before, after = full[-2:]
        old, new = self.periods[before], self.periods[after]
        changes = [(s, old.get(s, Decimal(0)), new.get(s, Decimal(0))) for s in {*old, *new}]
        changes.sort(key=lambda c: (-abs(c[2] - c[1]), c[0]))
        return before, after, [c for c in changes if c[2] != c[1]][:count]

    def as_json(self, basis: str = "effective") -> dict:
        before, after, movers = self.movers()
        return {
            "rows": self.rows,
            "focus_version": self.version,
            "focus_version_note": self.version_note,
            "cost_bases": {
                "billed": "what the invoices say; commitment purchases when billed",
                "effective": "amortised: purchases spread over the usage they cover",
            },
            "billed_cost": float(self.billed),
            "effective_cost": float(self.effective),
            "list_cost": float(self.list_cost),
            "ranked_on": basis,
            "by_service": {s: c.as_json() for s, c in self.ranked_services(basis)},
            "by_pricing_category": _costs_json(self.usage_pricing, basis),
            "pricing_share_of": "usage and purchases (ChargeCategory Usage, Purchase)",
            "list_by_pricing_category": {k: float(v) for k, v in self.usage_pricing_list.items()},
            "credits_and_adjustments": {
                k: c.as_json() for k, c in self.charge_categories.items() if k not in CHARGES
            },
            "by_charge_category": _costs_json(self.charge_categories, basis),
            "commitments": {
                "purchased_billed": float(self.commitment_purchased),
                "used_effective": float(self.commitment_used),
                "unused_effective": float(self.commitment_unused),
                "utilization": self.commitment_utilization,
                "coverage": self.commitment_coverage,
                "coverage_list": self.commitment_coverage_list,
                "by_commitment": {k: c.as_json() for k, c in sorted(self.commitments.items())},
            },
            "allocation": {
                "required_tags": list(self.required_tags),
                "allocated_effective": float(self.allocated) if self.has_tags else None,
                "unallocated_effective": float(self.unallocated) if self.has_tags else None,
                "coverage": self.allocation_coverage,
                "top_untagged_resources": {r: float(c) for r, c in self.top_untagged()},
                "tag_keys": {
                    k: {"rows": self.tag_key_rows[k], "effective": float(c.effective)}
                    for k, c in sorted(self.tag_keys.items(), key=lambda kv: -kv[1].effective)
                },
            },
            "allocation_coverage": self.allocation_coverage,
            "commitment_utilization": self.commitment_utilization,
            "unit_economics": {
                "has_gpus": bool(self.gpu_hours.quantity or self.gpu_hours.cost),
                "gpu_hours": float(self.gpu_hours.quantity),
                "effective_per_gpu_hour": self.gpu_hours.per(),
                "tokens": float(self.tokens.quantity),
                "effective_per_million_tokens": self.tokens.per(1_000_000),
            },
            "periods": [
                {
                    "start": p,
                    "rows": info.rows,
                    "charge_coverage": info.coverage,
                    "partial": self.partial(p),
                }
                for p, info in sorted(self.period_info.items())
            ],
            "data_quality": {
                "null_text_cells": dict(self.null_text),
                "unparsed_dates": {
                    c: {"rows": v[0], "first_line": v[1]} for c, v in self.bad_dates.items()
                },
                "tag_keys": self.tag_key_problems(),
            },
            "movers": {
                "compares": "the last two full billing periods",
                "from": before,
                "to": after,
                "services": [
                    {"service": s, "from": float(a), "to": float(b), "change": float(b - a)}
                    for s, a, b in movers
                ],
            },
        }


def _costs_json(slices: dict[str, Costs], basis: str) -> dict[str, dict[str, float]]:
    ranked = sorted(slices.items(), key=lambda kv: (-getattr(kv[1], basis), kv[0]))
    return {name: costs.as_json() for name, costs in ranked}
