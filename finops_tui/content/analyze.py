"""Summarize any FOCUS cost export, streamed row by row so a huge file is no problem."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from finops_tui.content.errors import ContentError

REQUIRED = ("BilledCost", "EffectiveCost", "ChargeCategory", "ServiceName")
OPTIONAL = ("ServiceCategory", "PricingCategory", "Tags", "CommitmentDiscountStatus")
MAX_PROBLEMS = 5
# csv's default field limit is 128 KiB; a FOCUS Tags cell can be long, not endless.
csv.field_size_limit(1 << 20)


@dataclass
class BillSummary:
    rows: int = 0
    billed: Decimal = Decimal(0)
    effective: Decimal = Decimal(0)
    by_service: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    by_pricing_category: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    allocated: Decimal = Decimal(0)
    unallocated: Decimal = Decimal(0)
    commitment_used: Decimal = Decimal(0)
    commitment_unused: Decimal = Decimal(0)
    has_tags: bool = False
    has_commitments: bool = False

    @property
    def allocation_coverage(self) -> float | None:
        total = self.allocated + self.unallocated
        return float(self.allocated / total) if self.has_tags and total else None

    @property
    def commitment_utilization(self) -> float | None:
        total = self.commitment_used + self.commitment_unused
        return float(self.commitment_used / total) if total else None

    def as_json(self) -> dict:
        return {
            "rows": self.rows,
            "billed_cost": float(self.billed),
            "effective_cost": float(self.effective),
            "by_service": _sorted(self.by_service),
            "by_pricing_category": _sorted(self.by_pricing_category),
            "allocated_cost": float(self.allocated) if self.has_tags else None,
            "unallocated_cost": float(self.unallocated) if self.has_tags else None,
            "allocation_coverage": self.allocation_coverage,
            "commitment_utilization": self.commitment_utilization,
        }


def _sorted(amounts: dict[str, Decimal]) -> dict[str, float]:
    return {k: float(v) for k, v in sorted(amounts.items(), key=lambda kv: -kv[1])}


def analyze_focus(path: Path) -> BillSummary:
    """Read a FOCUS CSV once, in constant memory; ContentError names file, row and column."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ContentError([f"{path}: file not found"]) from None
    except IsADirectoryError:
        raise ContentError([f"{path}: is a folder, expected a FOCUS CSV file"]) from None
    except OSError as exc:
        raise ContentError([f"{path}: cannot read: {exc.strerror}"]) from None
    summary = BillSummary()
    problems: list[str] = []
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise ContentError(
                    [f"{path}: header: not a FOCUS file; missing column(s) {', '.join(missing)}"]
                )
            for row in reader:
                _add_row(summary, row, reader.line_num, path, problems)
                if len(problems) >= MAX_PROBLEMS:
                    break
        except UnicodeDecodeError as exc:
            raise ContentError(
                [f"{path}: encoding: not UTF-8 text (byte offset {exc.start} of a chunk)"]
            ) from None
        except csv.Error as exc:
            raise ContentError([f"{path}: line {reader.line_num}: malformed CSV: {exc}"]) from None
    if problems:
        raise ContentError(problems)
    if summary.rows == 0:
        raise ContentError([f"{path}: no rows: the file has a header and nothing else"])
    return summary


def _add_row(summary: BillSummary, row: dict, line: int, path: Path, problems: list) -> None:
    if None in row:
        problems.append(f"{path}: line {line}: more cells than the header has columns")
        return
    billed = _decimal(row, "BilledCost", line, path, problems)
    effective = _decimal(row, "EffectiveCost", line, path, problems)
    if billed is None or effective is None:
        return
    summary.rows += 1
    summary.billed += billed
    summary.effective += effective
    service = row.get("ServiceName") or row.get("ServiceCategory") or "(no service)"
    summary.by_service[service] += billed
    summary.by_pricing_category[row.get("PricingCategory") or "(none)"] += billed
    if "Tags" in row:
        summary.has_tags = True
        if _has_tags(row.get("Tags") or ""):
            summary.allocated += effective
        else:
            summary.unallocated += effective
    status = row.get("CommitmentDiscountStatus") or ""
    if status == "Used":
        summary.commitment_used += effective
    elif status == "Unused":
        summary.commitment_unused += effective


def _decimal(row: dict, column: str, line: int, path: Path, problems: list) -> Decimal | None:
    text = (row.get(column) or "").strip()
    if not text:
        return Decimal(0)
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(f"{path}: line {line}: {column}: expected a number, got {text[:40]!r}")
        return None
    if not value.is_finite():
        problems.append(f"{path}: line {line}: {column}: expected a finite number, got {text!r}")
        return None
    return value


def _has_tags(text: str) -> bool:
    text = text.strip()
    if not text:
        return False
    try:
        tags = json.loads(text)
    except ValueError:
        return True  # tags in a provider's own format: present, if unparsed
    return bool(tags)
