"""Read any FOCUS cost export in one streamed pass and say what a practitioner would look at.

Two cost bases, never mixed (FOCUS 1.2 section 2, BilledCost and EffectiveCost):
billed is what the invoice says (a commitment bought up front is all in its purchase
month); effective is amortised (the purchase spread over the usage it covers, and the part
nobody used shown as "Unused"). Rankings use effective cost unless told otherwise.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from finops_tui.content.bill_summary import CHARGES, BillSummary, Commitment, Period
from finops_tui.content.errors import ContentError

REQUIRED = ("BilledCost", "EffectiveCost", "ChargeCategory", "ServiceName")
# FOCUS 0.5 names for what 1.0 renamed (FOCUS 1.0 changelog: ChargeType -> ChargeCategory,
# AmortizedCost -> EffectiveCost): an older file is read under the new names.
RENAMED = {"ChargeType": "ChargeCategory", "AmortizedCost": "EffectiveCost"}
# Columns each FOCUS release added (per its changelog), newest first, to name the version
# a file is read as; every other column is optional here and read when present.
VERSION_MARKERS = (
    ("1.2", ("InvoiceId", "PricingCurrency", "BillingAccountType", "SubAccountType")),
    ("1.1", ("ServiceSubcategory", "SkuMeter", "SkuPriceDetails", "CommitmentDiscountQuantity")),
    ("1.0", ("ChargeClass", "ListCost", "ContractedCost")),
)
MAX_PROBLEMS = 5
# Parsed tag sets and GPU readings, by their text: bounded, cleared when full.
CACHE_SIZE, CACHE_TEXT = 20_000, 2_000
# Distinct services, categories and commitments kept by name, and billing periods.
MAX_NAMES, MAX_PERIODS = 10_000, 400
_TAG_CACHE: dict[tuple[str, tuple[str, ...]], tuple[bool, tuple[str, ...]]] = {}
_GPU_CACHE: dict[tuple[str, str, str, str, str], tuple[str, Decimal]] = {}
# Untagged resources are tallied in a bounded table so that a bill of millions of
# distinct resources still runs in constant memory; past the bound the smallest go.
MAX_TRACKED_RESOURCES = 50_000
# csv's default field limit is 128 KiB; a FOCUS Tags cell can be long, not endless.
csv.field_size_limit(1 << 20)
TOKEN_UNIT = re.compile(r"^(?:(\d+)\s+)?tokens$", re.IGNORECASE)
HOUR_UNITS = {"hours", "hour", "gpu-hour", "gpu-hours"}
# The engine's and older exports' token unit, before FOCUS's UnitFormat.
MILLION_TOKENS = {"1m tokens"}
# FOCUS 1.2 section 3.3 (nulls): a null is an empty cell, but exports such as the
# Foundation's sample data write the literal `NULL`; either reads as null, in any case.
NULL_TEXT = "NULL"
# Every spelling of it, so that a row without one is found at C speed (set.isdisjoint).
NULL_SPELLINGS = frozenset(
    "".join(c.upper() if bit else c for c, bit in zip("null", bits, strict=True))
    for bits in itertools.product((0, 1), repeat=4)
)
# FOCUS date-times are ISO 8601 in UTC (`2024-09-01T00:00:00Z`); the Foundation's sample
# writes `2024-09-01 00:00:00`. Both parse; anything else is counted, not guessed.
_DATE_CACHE: dict[str, datetime | None] = {}


def analyze_focus(path: Path, required_tags: tuple[str, ...] | list[str] = ()) -> BillSummary:
    """Read a FOCUS CSV once, in constant memory; ContentError names file, line and column."""
    path = Path(path)
    handle = _open(path)
    summary = BillSummary(required_tags=tuple(required_tags))
    problems: list[str] = []
    reader = csv.reader(handle)
    with handle:
        try:
            header = next(reader, None)
            if header is None:
                missing = ", ".join(REQUIRED)
                raise ContentError([f"{path}: empty file: no header; missing column(s) {missing}"])
            names, renamed = _columns(path, header, summary)
            for cells in reader:
                if cells:
                    _add_row(summary, cells, names, renamed, reader.line_num, path, problems)
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


def _open(path: Path):
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ContentError([f"{path}: file not found"]) from None
    except IsADirectoryError:
        raise ContentError([f"{path}: is a folder, expected a FOCUS CSV file"]) from None
    except OSError as exc:
        raise ContentError([f"{path}: cannot read: {exc.strerror}"]) from None


def _columns(
    path: Path, header: list[str], summary: BillSummary
) -> tuple[list[str], list[tuple[str, str]]]:
    """The column names, and older names to read as FOCUS 1.2's; records the version."""
    names = [name.strip() for name in header]
    index = set(names)
    renamed = [old for old in RENAMED if old in index and RENAMED[old] not in index]
    index |= {RENAMED[old] for old in renamed}
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        raise ContentError(
            [f"{path}: header: not a FOCUS file; missing column(s) {', '.join(missing)}"]
        )
    summary.version, summary.version_note = _version(names, renamed)
    summary.has_tags = "Tags" in index
    return names, [(old, RENAMED[old]) for old in renamed]


def _version(names: list[str], renamed: list[str]) -> tuple[str, str]:
    present = set(names)
    if renamed:
        return "0.5", (
            f"read as FOCUS 0.5 ({', '.join(renamed)} read as "
            f"{', '.join(RENAMED[r] for r in renamed)})"
        )
    for version, markers in VERSION_MARKERS:
        found = [m for m in markers if m in present]
        if found:
            return version, f"read as FOCUS {version} (it has {', '.join(found)})"
    return "1.0", "read as FOCUS 1.0: none of the columns later versions added"


def _add_row(
    summary: BillSummary,
    cells: list[str],
    names: list[str],
    renamed: list[tuple[str, str]],
    line: int,
    path: Path,
    problems: list[str],
) -> None:
    if len(cells) > len(names):
        problems.append(f"{path}: line {line}: more cells than the header has columns")
        return
    row = dict(zip(names, _nulls_read(summary, names, cells), strict=False))
    for old, new in renamed:
        row[new] = row.get(old, "")
    billed = _decimal(row, "BilledCost", line, path, problems)
    effective = _decimal(row, "EffectiveCost", line, path, problems)
    if billed is None or effective is None:
        return
    summary.rows += 1
    summary.total.add(billed, effective)
    listed = _decimal(row, "ListCost", line, path, [])
    summary.list_cost += listed or 0
    service = row.get("ServiceName", "").strip() or row.get("ServiceCategory", "").strip()
    service = _bounded(summary.services, service or "(no service)", "(other services)")
    charge = row.get("ChargeCategory", "").strip() or "(none)"
    summary.services[service].add(billed, effective)
    pricing = row.get("PricingCategory", "").strip() or "(none)"
    pricing = _bounded(summary.pricing_categories, pricing, "(other)")
    summary.pricing_categories[pricing].add(billed, effective)
    if charge in CHARGES:
        summary.usage_pricing[pricing].add(billed, effective)
        summary.usage_pricing_list[pricing] += listed or 0
    charge = _bounded(summary.charge_categories, charge, "(other)")
    summary.charge_categories[charge].add(billed, effective)
    _add_period(summary, row, service, effective, line)
    # Coverage is over usage that ran: a commitment's unused hours covered nothing.
    if charge == "Usage" and row.get("CommitmentDiscountStatus", "").strip() != "Unused":
        summary.usage_by_service[service] += effective
        summary.usage_list_by_service[service] += listed or 0
    _add_commitment(summary, row, charge, service, billed, effective, listed or Decimal(0))
    # Owners are found for what was used and bought; a credit is not a resource's cost.
    if charge in CHARGES:
        _add_allocation(summary, row, effective)
    _add_units(summary, row, charge, effective)


def _nulls_read(summary: BillSummary, names: list[str], cells: list[str]) -> list[str]:
    """Cells with `NULL` (any case) read as empty, counted by column for data quality."""
    if NULL_SPELLINGS.isdisjoint(cells):
        return cells
    out = []
    for name, cell in zip(names, cells, strict=False):
        if len(cell) == 4 and cell.upper() == NULL_TEXT:
            summary.null_text[name] += 1
            cell = ""
        out.append(cell)
    return out


def _date(text: str) -> datetime | None:
    """A FOCUS date-time, with or without the T and the Z; naive times are UTC."""
    known = _DATE_CACHE.get(text, False)
    if known is not False:
        return known
    try:
        value = datetime.fromisoformat(text.strip())
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
    except ValueError:
        value = None
    if len(_DATE_CACHE) > CACHE_SIZE:
        _DATE_CACHE.clear()
    _DATE_CACHE[text] = value
    return value


def _read_date(summary: BillSummary, row: dict, column: str, line: int) -> datetime | None:
    text = row.get(column, "")
    if not text:
        return None
    value = _date(text)
    if value is None:
        seen = summary.bad_dates.setdefault(column, [0, line])
        seen[0] += 1
    return value


def _add_period(summary: BillSummary, row: dict, service: str, effective: Decimal, line: int):
    start = _read_date(summary, row, "BillingPeriodStart", line)
    text = row.get("BillingPeriodStart", "")
    period = start.date().isoformat() if start else (text[:10] or "(no period)")
    period = _bounded(summary.periods, period, "(other periods)", MAX_PERIODS)
    by_service = summary.periods.setdefault(period, defaultdict(Decimal))
    by_service[service] += effective
    info = summary.period_info.get(period)
    if info is None:
        # A period's end is read from its first row; later rows repeat it.
        end = _read_date(summary, row, "BillingPeriodEnd", line)
        info = summary.period_info[period] = Period(start=start, end=end)
    info.rows += 1
    info.add_charge(
        _read_date(summary, row, "ChargePeriodStart", line),
        _read_date(summary, row, "ChargePeriodEnd", line),
    )


def _bounded(table: dict, key: str, other: str, limit: int | None = None) -> str:
    """`key`, or `other` once the table is full: a hostile file cannot grow memory forever."""
    if key in table or len(table) < (limit or MAX_NAMES):
        return key
    return other


def _decimal(row: dict, column: str, line: int, path: Path, problems: list) -> Decimal | None:
    text = row.get(column)
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


def _quantity(row: dict, column: str) -> Decimal:
    try:
        value = Decimal(row.get(column) or 0)
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


def _add_commitment(
    summary: BillSummary,
    row: dict,
    charge: str,
    service: str,
    billed: Decimal,
    effective: Decimal,
    listed: Decimal,
) -> None:
    key = row.get("CommitmentDiscountId", "").strip()
    if not key:
        return
    key = _bounded(summary.commitments, key, "(other commitments)")
    commitment = summary.commitments.get(key)
    if commitment is None:
        commitment = summary.commitments[key] = Commitment(
            row.get("CommitmentDiscountName", "").strip(),
            row.get("CommitmentDiscountType", "").strip(),
        )
    status = row.get("CommitmentDiscountStatus", "").strip()
    quantity = _quantity(row, "CommitmentDiscountQuantity") or _quantity(row, "PricingQuantity")
    # FOCUS 1.0 has no CommitmentDiscountUnit: its quantity is then PricingQuantity.
    unit = row.get("CommitmentDiscountUnit", "") or row.get("PricingUnit", "")
    commitment.unit = commitment.unit or unit
    if charge == "Purchase":
        commitment.purchased += billed
    elif status == "Used":
        commitment.used += effective
        commitment.used_quantity += quantity
        commitment.used_list += listed
        summary.covered_by_service[service] += effective
        summary.covered_list_by_service[service] += listed
    elif status == "Unused":
        commitment.unused += effective
        commitment.unused_quantity += quantity


def _add_allocation(summary: BillSummary, row: dict, effective: Decimal) -> None:
    if not summary.has_tags:
        return
    allocated, keys = _allocated(row.get("Tags", ""), summary.required_tags)
    for key in keys:
        key = _bounded(summary.tag_keys, key, "(other keys)")
        summary.tag_keys[key].add(Decimal(0), effective)
        summary.tag_key_rows[key] += 1
    if allocated:
        summary.allocated += effective
        return
    summary.unallocated += effective
    resource = row.get("ResourceId", "") or "(no resource id)"
    summary.untagged_resources[resource] += effective
    if len(summary.untagged_resources) > MAX_TRACKED_RESOURCES:
        kept = sorted(summary.untagged_resources.items(), key=lambda kv: -kv[1])
        summary.untagged_resources = defaultdict(Decimal, kept[: MAX_TRACKED_RESOURCES // 5])
        summary.untagged_pruned = True


def _allocated(text: str, required: tuple[str, ...]) -> tuple[bool, tuple[str, ...]]:
    """Any tag at all, or every required key with a value (FOCUS 1.2 Tags: a JSON object);
    and the tag keys the row carries."""
    # Bills repeat the same few tag sets on most rows: parse each once.
    key = (text, required)
    known = _TAG_CACHE.get(key)
    if known is None:
        known = _read_tags(text, required)
        if len(text) <= CACHE_TEXT:
            _TAG_CACHE[key] = known
        if len(_TAG_CACHE) > CACHE_SIZE:
            _TAG_CACHE.clear()
    return known


def _read_tags(text: str, required: tuple[str, ...]) -> tuple[bool, tuple[str, ...]]:
    if not text:
        return False, ()
    try:
        tags = json.loads(text)
    except ValueError:
        return not required, ()  # tags in a provider's own format: present, if unparsed
    if not isinstance(tags, dict):
        return False, ()
    keys = tuple(str(k) for k in tags)
    if not required:
        return bool(tags), keys
    # Keys match exactly: " org" is not "org" (the tag-key finding reports it).
    return all(str(tags.get(key) or "").strip() for key in required), keys


def _add_units(summary: BillSummary, row: dict, charge: str, effective: Decimal) -> None:
    """GPU-hours and tokens, where the bill says so (PricingUnit, SkuPriceDetails)."""
    unit = row.get("PricingUnit", "").lower()
    gpu, count = _gpu_type_and_count(row) if unit in HOUR_UNITS else ("", Decimal(0))
    if count:
        summary.gpu_hours.cost += effective
        category = row.get("PricingCategory", "").strip() or "Standard"
        key = _bounded(summary.gpu_cost, (gpu, category), ("gpu", "Standard"))
        summary.gpu_cost[key] += effective
        if charge == "Usage" and row.get("CommitmentDiscountStatus", "") != "Unused":
            used = _quantity(row, "ConsumedQuantity") or _quantity(row, "PricingQuantity")
            summary.gpu_hours.quantity += used * count
            key = _bounded(summary.gpu_fleet, (gpu, category), ("gpu", "Standard"))
            summary.gpu_fleet[key] += used * count
        return
    match = TOKEN_UNIT.match(unit)
    scale = 1_000_000 if unit in MILLION_TOKENS else int(match.group(1) or 1) if match else 0
    if scale and charge == "Usage":
        summary.tokens.cost += effective
        summary.tokens.quantity += _quantity(row, "PricingQuantity") * scale


# Instance families whose name says the GPU and how many an instance has (AWS naming).
INSTANCE_GPUS = {
    "p5e": ("h200", 8),
    "p5": ("h100", 8),
    "p4de": ("a100-80gb", 8),
    "p4d": ("a100-40gb", 8),
    "g6": ("l4", 1),
    "g5": ("a10g", 1),
    "g4dn": ("t4", 1),
}
INSTANCE = re.compile(r"\b(p5e|p5|p4de|p4d|g6|g5|g4dn)\.\d*x?large\b")
# Not followed by a letter either: `t4g.micro` is a Graviton instance, no T4 in it.
GPU_WORD = re.compile(r"(?<![a-z0-9])(h200|h100|a100[- ]80|a100|a10g|l4|t4)(?![0-9a-z])")
GPU_NAMES = {"a100-80": "a100-80gb", "a100 80": "a100-80gb", "a100": "a100-40gb"}


def _gpu_type_and_count(row: dict) -> tuple[str, Decimal]:
    """GPU type and GPUs per priced hour: SkuPriceDetails' GpuCount, an instance name, or 1
    for a unit that says GPU. ("", 0) for an hour of anything else."""
    details_text = row.get("SkuPriceDetails", "")
    key = (
        details_text,
        row.get("ChargeDescription", ""),
        row.get("ResourceType", ""),
        row.get("SkuMeter", ""),
        row.get("PricingUnit", ""),
    )
    known = _GPU_CACHE.get(key)
    if known is None:
        known = _read_gpu(key)
        if sum(map(len, key)) <= CACHE_TEXT:
            _GPU_CACHE[key] = known
        if len(_GPU_CACHE) > CACHE_SIZE:
            _GPU_CACHE.clear()
    return known


def _read_gpu(key: tuple[str, str, str, str, str]) -> tuple[str, Decimal]:
    details_text, unit = key[0], key[4]
    details: dict = {}
    if details_text.startswith("{"):
        try:
            parsed = json.loads(details_text)
            details = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            details = {}
    text = " ".join(key[:4]).lower()
    gpu = str(details.get("x_GpuType") or "")
    instance = INSTANCE.search(text)
    if not gpu and instance:
        gpu = INSTANCE_GPUS[instance.group(1)][0]
    if not gpu:
        word = GPU_WORD.search(text)
        gpu = GPU_NAMES.get(word.group(1), word.group(1)) if word else ""
    try:
        count = Decimal(str(details.get("GpuCount") or 0))
    except InvalidOperation:
        count = Decimal(0)
    if not count.is_finite() or count < 0:
        count = Decimal(0)
    if not count and instance:
        count = Decimal(INSTANCE_GPUS[instance.group(1)][1])
    if not count and (unit.lower().startswith("gpu") or gpu):
        count = Decimal(1)
    return (gpu or "gpu") if count else "", count
