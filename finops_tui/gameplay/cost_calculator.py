"""The cost calculator's comparisons: every GPU against every purchase option. No Textual.

The numbers come from `finops_tui.engine.calc`, the engine of `finops-tui calc`, so the
screen, the CSV and the command line always agree.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from finops_tui.content.csv_safety import safe_dict
from finops_tui.engine.calc import optimal_estimate, serve_estimate, train_estimate
from finops_tui.engine.catalog import GPU_NAMES, PRICING_OPTIONS, Catalog
from finops_tui.gameplay.format import PRICING_LABELS, gpu_label, usd

QUANTS = ("fp16", "int8", "int4")
SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
MAX_AMOUNT = 1e18  # beyond any real model or dataset; keeps the arithmetic finite
MAX_GPUS = 100_000


def parse_amount(
    text: str,
    *,
    integer: bool = False,
    minimum: float | None = None,
    maximum: float = MAX_AMOUNT,
    positive: bool = True,
) -> float:
    """A number as a person types it: 7e9, 7_000_000_000, 7,000,000,000 or 7B.

    ValueError says why not, in words that fit beside the field.
    """
    cleaned = text.strip().replace("_", "").replace(",", "").replace(" ", "")
    multiplier = 1.0
    if cleaned and cleaned[-1].lower() in SUFFIXES:
        multiplier = SUFFIXES[cleaned[-1].lower()]
        cleaned = cleaned[:-1]
    what = "a whole number" if integer else "a number like 7e9 or 7B"
    try:
        typed = Decimal(cleaned) * Decimal(str(multiplier))
    except InvalidOperation:
        raise ValueError(f"enter {what}") from None
    if not typed.is_finite():
        raise ValueError(f"enter {what}")
    if integer and typed != typed.to_integral_value():
        raise ValueError("enter a whole number")
    value = float(typed)
    if positive and value <= 0:
        raise ValueError("must be more than 0")
    if minimum is not None and value < minimum:
        raise ValueError(f"at least {short_number(minimum)}")
    if value > maximum:
        raise ValueError(f"at most {short_number(maximum)}")
    return value


def short_number(value: float) -> str:
    """7e9 -> '7B', 1.4e11 -> '140B', 8 -> '8': how the calculator names amounts."""
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            scaled = value / size
            if scaled >= 1000:
                return f"{value:.3g}"
            return f"{scaled:.3g}{unit}"
    return f"{value:.3g}"


def wall_clock(hours: float) -> str:
    """Hours, days or years: whichever reads at a glance."""
    if hours < 48:
        return f"{hours:,.1f} h"
    if hours < 24 * 730:
        return f"{hours / 24:,.1f} days"
    return f"{hours / 8766:,.1f} years"


def table_usd(value: float) -> str:
    """Whole dollars up to a million, then $3.30M, $1.25B: a table that fits 80 columns."""
    if abs(value) < 1e6:
        return usd(value)
    if abs(value) < 1e9:
        return f"${value / 1e6:,.2f}M"
    return f"${value / 1e9:,.2f}B"


def table_count(value: float) -> str:
    """GPU-hours: 412,875, then 6.28M."""
    return f"{value:,.0f}" if abs(value) < 1e6 else f"{value / 1e6:,.2f}M"


def per_million(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 0.1:
        return f"${value:,.2f}"
    return f"${value:.3f}" if value >= 0.01 else f"${value:.4f}"


# -- training -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainInputs:
    params: float
    tokens: float
    gpus: int = 8
    mfu: float | None = None  # None: the catalog's


@dataclass(frozen=True)
class EstimateRow:
    """One GPU type's row of the calculator: an estimate per pricing option."""

    gpu: str
    label: str
    estimates: dict[str, dict[str, object]]  # pricing option -> the engine's estimate

    @property
    def first(self) -> dict[str, object]:
        """What every pricing option shares (time, memory, fit): the first one's figures."""
        return next(iter(self.estimates.values()))


@dataclass(frozen=True)
class TrainRow(EstimateRow):
    """A training run on one GPU type (train_estimate per pricing option)."""

    @property
    def wall_clock_hours(self) -> float:
        return float(self.first["wall_clock_hours"])  # type: ignore[arg-type]

    @property
    def gpu_hours(self) -> float:
        return float(self.first["gpu_hours"])  # type: ignore[arg-type]

    @property
    def fits(self) -> bool:
        return bool(self.first["fits"])

    @property
    def reason(self) -> str:
        return str(self.first["reason"])


@dataclass(frozen=True)
class TrainComparison:
    inputs: TrainInputs
    mfu: float
    rows: list[TrainRow]
    cheapest: tuple[str, str] | None  # (gpu, pricing) among the runs that fit; None: none fits
    optimal: dict[str, float]  # compute-optimal size for the same FLOPs

    @property
    def flops(self) -> float:
        return float(self.rows[0].first["flops"])  # type: ignore[arg-type]

    @property
    def loss(self) -> float:
        return float(self.rows[0].first["loss"])  # type: ignore[arg-type]

    def cost(self, gpu: str, pricing: str) -> float:
        row = next(r for r in self.rows if r.gpu == gpu)
        return float(row.estimates[pricing]["cost_usd"])  # type: ignore[arg-type]


def compare_training(catalog: Catalog, inputs: TrainInputs) -> TrainComparison:
    """One training run on every GPU, bought every way."""
    rows = [
        TrainRow(
            gpu,
            gpu_label(catalog.gpus[gpu].label),
            {
                pricing: train_estimate(
                    catalog, inputs.params, inputs.tokens, gpu, inputs.gpus, inputs.mfu, pricing
                )
                for pricing in PRICING_OPTIONS
            },
        )
        for gpu in GPU_NAMES
    ]
    # A run that does not fit its GPUs is never the cheapest: it would not run at all.
    priced = [
        (float(e["cost_usd"]), r.gpu, p)  # type: ignore[arg-type]
        for r in rows
        for p, e in r.estimates.items()
        if e["fits"]
    ]
    cheapest = min(priced)[1:] if priced else None
    mfu = catalog.training.mfu if inputs.mfu is None else inputs.mfu
    optimal = optimal_estimate(float(rows[0].first["flops"]))  # type: ignore[arg-type]
    return TrainComparison(inputs, mfu, rows, cheapest, optimal)  # type: ignore[arg-type]


def training_summary(c: TrainComparison) -> list[str]:
    """What the table means, in a few lines."""
    i, o = c.inputs, c.optimal
    lines = [
        f"{short_number(i.params)} params x {short_number(i.tokens)} tokens: "
        f"{c.flops:.3g} FLOPs (6ND), loss {c.loss:.3f}, "
        f"{i.tokens / i.params:,.0f} tokens per param.",
        f"Compute-optimal for that compute: {short_number(o['params'])} params on "
        f"{short_number(o['tokens'])} tokens (loss {o['loss']:.3f}).",
    ]
    if c.cheapest is None:
        fitting = [r for r in c.rows if r.fits or int(r.first["min_gpus"])]  # type: ignore[call-overload]
        need = min(fitting, key=lambda r: int(r.first["min_gpus"]))  # type: ignore[call-overload]
        lines.append(
            f"It fits on none with {i.gpus} GPUs: the training state alone needs at least "
            f"{need.first['min_gpus']} x {need.label}. Raise GPUs or train a smaller model."
        )
        return lines
    gpu, pricing = c.cheapest
    row = next(r for r in c.rows if r.gpu == gpu)
    lines.append(
        f"* cheapest that fits: {row.label} {PRICING_LABELS[pricing].lower()}, "
        f"{usd(c.cost(gpu, pricing))}, {wall_clock(row.wall_clock_hours)} on {i.gpus} GPUs "
        f"at {c.mfu:.0%} MFU."
    )
    return lines


def train_cost_cell(row: TrainRow, pricing: str) -> str:
    """A training table's cost cell: the cost, or 'no fit' for a run its GPUs cannot hold."""
    if not row.fits:
        return "no fit"
    return table_usd(float(row.estimates[pricing]["cost_usd"]))  # type: ignore[arg-type]


TRAIN_CSV_COLUMNS = (
    "mode",
    "gpu",
    "gpu_label",
    "pricing",
    "params",
    "tokens",
    "gpus",
    "mfu",
    "flops",
    "gpu_hours",
    "wall_clock_hours",
    "cost_usd",
    "energy_kwh",
    "co2e_kg",
    "loss",
    "fits",
    "memory_per_gpu_gb",
    "min_gpus",
    "cheapest",
    "reason",
)


def training_csv(c: TrainComparison) -> str:
    """One row per (GPU, purchase option): a long table a spreadsheet can pivot."""
    rows = []
    for r in c.rows:
        for pricing, e in r.estimates.items():
            rows.append(
                {
                    "mode": "train",
                    "gpu": r.gpu,
                    "gpu_label": r.label,
                    "pricing": pricing,
                    "params": _num(c.inputs.params),
                    "tokens": _num(c.inputs.tokens),
                    "gpus": str(c.inputs.gpus),
                    "mfu": _num(c.mfu),
                    "flops": _num(e["flops"]),
                    "gpu_hours": f"{e['gpu_hours']:.4f}",
                    "wall_clock_hours": f"{e['wall_clock_hours']:.4f}",
                    "cost_usd": f"{e['cost_usd']:.2f}",
                    "energy_kwh": f"{e['energy_kwh']:.4f}",
                    "co2e_kg": f"{e['co2e_kg']:.4f}",
                    "loss": f"{e['loss']:.6f}",
                    "fits": "yes" if e["fits"] else "no",
                    "memory_per_gpu_gb": f"{e['memory_per_gpu_gb']}",
                    "min_gpus": str(e["min_gpus"]),
                    "cheapest": "yes" if (r.gpu, pricing) == c.cheapest else "",
                    "reason": str(e["reason"]),
                }
            )
    return _csv(TRAIN_CSV_COLUMNS, rows)


# -- serving --------------------------------------------------------------------------


@dataclass(frozen=True)
class ServeInputs:
    params: float
    gpus: int = 1
    quant: str = "fp16"
    tokens_per_day: float | None = None


@dataclass(frozen=True)
class ServeRow(EstimateRow):
    """Serving on one GPU type (serve_estimate per pricing option)."""

    @property
    def fits(self) -> bool:
        return bool(self.first["fits"])

    @property
    def reason(self) -> str:
        return str(self.first["reason"])


@dataclass(frozen=True)
class ServeComparison:
    inputs: ServeInputs
    rows: list[ServeRow]
    cheapest: tuple[str, str] | None  # (gpu, pricing) of the lowest $/1M tokens; None: no fit

    @property
    def memory_gb(self) -> float:
        return float(self.rows[0].first["memory_gb"])  # type: ignore[arg-type]

    def row(self, gpu: str) -> ServeRow:
        return next(r for r in self.rows if r.gpu == gpu)


def compare_serving(catalog: Catalog, inputs: ServeInputs) -> ServeComparison:
    """One model served on every GPU, bought every way; a model that does not fit says why."""
    rows = [
        ServeRow(
            gpu,
            gpu_label(catalog.gpus[gpu].label),
            {
                pricing: serve_estimate(
                    catalog,
                    inputs.params,
                    gpu,
                    inputs.gpus,
                    inputs.quant,
                    inputs.tokens_per_day,
                    pricing,
                )
                for pricing in PRICING_OPTIONS
            },
        )
        for gpu in GPU_NAMES
    ]
    priced = [
        (float(e["cost_per_million_tokens_usd"]), r.gpu, p)  # type: ignore[arg-type]
        for r in rows
        for p, e in r.estimates.items()
        if e["fits"] and e["cost_per_million_tokens_usd"] is not None
    ]
    cheapest = min(priced)[1:] if priced else None
    return ServeComparison(inputs, rows, cheapest)  # type: ignore[arg-type]


def why_not(row: ServeRow) -> str:
    """A row that does not fit, in plain words."""
    return f"{row.label} does not fit: {row.reason}."


def serving_summary(c: ServeComparison) -> list[str]:
    i = c.inputs
    demand = (
        f", {short_number(i.tokens_per_day)} tokens a day" if i.tokens_per_day is not None else ""
    )
    gpus = f"{i.gpus} GPU{'s' if i.gpus != 1 else ''}"
    share = float(c.rows[0].first["latency_share"])  # type: ignore[arg-type]
    lines = [
        f"{short_number(i.params)} params at {i.quant}: {c.memory_gb:,.1f} GB of weights "
        f"plus KV cache. Each GPU type on {gpus}{demand}; $ per 1M tokens, in and out.",
        f"Tok/s at an interactive latency target: {share:.0%} of the published maximum (assumed).",
    ]
    if c.cheapest is None:
        if not any(r.first["gpus_per_replica"] for r in c.rows):
            lines.append(
                "It fits on none of these GPUs, even 8 to a copy: quantize it "
                "(int8, int4) or choose a smaller model."
            )
        else:
            smallest = min(
                (r for r in c.rows if r.first["gpus_per_replica"]),
                key=lambda r: int(r.first["gpus_per_replica"]),  # type: ignore[call-overload]
            )
            need = int(smallest.first["gpus_per_replica"])  # type: ignore[call-overload]
            lines.append(
                f"It fits on none with {gpus}: "
                f"a copy needs at least {need} x {smallest.label}. Raise GPUs or quantize."
            )
    else:
        gpu, pricing = c.cheapest
        e = c.row(gpu).estimates[pricing]
        lines.append(
            f"* cheapest per 1M tokens: {c.row(gpu).label} "
            f"{PRICING_LABELS[pricing].lower()}, "
            f"{per_million(e['cost_per_million_tokens_usd'])}."  # type: ignore[arg-type]
        )
    return lines


SERVE_CSV_COLUMNS = (
    "mode",
    "gpu",
    "gpu_label",
    "pricing",
    "params",
    "quant",
    "gpus",
    "tokens_per_day",
    "fits",
    "memory_gb",
    "gpus_per_replica",
    "latency_target",
    "tokens_per_second",
    "max_tokens_per_second",
    "input_cost_per_million_tokens_usd",
    "output_cost_per_million_tokens_usd",
    "cost_per_million_tokens_usd",
    "gpus_needed",
    "cheapest",
    "reason",
)


def serving_csv(c: ServeComparison) -> str:
    rows = []
    for r in c.rows:
        for pricing, e in r.estimates.items():
            cost = e["cost_per_million_tokens_usd"]
            rows.append(
                {
                    "mode": "serve",
                    "gpu": r.gpu,
                    "gpu_label": r.label,
                    "pricing": pricing,
                    "params": _num(c.inputs.params),
                    "quant": c.inputs.quant,
                    "gpus": str(c.inputs.gpus),
                    "tokens_per_day": ""
                    if c.inputs.tokens_per_day is None
                    else _num(c.inputs.tokens_per_day),
                    "fits": "yes" if e["fits"] else "no",
                    "memory_gb": f"{e['memory_gb']}",
                    "gpus_per_replica": str(e["gpus_per_replica"]),
                    "latency_target": str(e["latency_target"]),
                    "tokens_per_second": f"{e['tokens_per_second']}",
                    "max_tokens_per_second": f"{e['max_tokens_per_second']}",
                    "input_cost_per_million_tokens_usd": _opt(
                        e["input_cost_per_million_tokens_usd"]
                    ),
                    "output_cost_per_million_tokens_usd": _opt(
                        e["output_cost_per_million_tokens_usd"]
                    ),
                    "cost_per_million_tokens_usd": "" if cost is None else f"{cost}",
                    "gpus_needed": "" if e["gpus_needed"] is None else str(e["gpus_needed"]),
                    "cheapest": "yes" if (r.gpu, pricing) == c.cheapest else "",
                    "reason": str(e["reason"]),
                }
            )
    return _csv(SERVE_CSV_COLUMNS, rows)


# -- shared ---------------------------------------------------------------------------


def _opt(value: object) -> str:
    return "" if value is None else f"{value}"


def _num(value: float) -> str:
    """Full precision, no float noise: 7000000000, 0.4, 1.4e+11 -> 140000000000."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(float(value))


def _csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(safe_dict(row) for row in rows)
    return buffer.getvalue()


def default_csv_name(inputs: TrainInputs | ServeInputs) -> str:
    """calc-train-7B-140B.csv, calc-serve-70B-int4.csv: a name that says what is inside."""
    if isinstance(inputs, TrainInputs):
        return f"calc-train-{short_number(inputs.params)}-{short_number(inputs.tokens)}.csv"
    return f"calc-serve-{short_number(inputs.params)}-{inputs.quant}-{inputs.gpus}gpu.csv"
