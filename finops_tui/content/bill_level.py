"""A sandbox level calibrated on a real bill: "your organisation, as a level".

Budget from the bill's effective spend per period, today's GPU fleet by type and pricing
category, its tag coverage, its commitments, and its share of idle or unallocated cost.
The `naive` plan is what the bill says the organisation does today; `par` is the same
fleet with the FinOps practices on. Nothing identifying is kept (no resource ids, tag
values or file names) unless `keep_names` is set, so the level can be shared.
"""

from __future__ import annotations

import math
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import tomli_w

from finops_tui.content.bill_summary import BillSummary
from finops_tui.content.catalog import shipped_catalog
from finops_tui.content.errors import ContentError
from finops_tui.content.files import atomic_write_text
from finops_tui.engine.calc import serve_estimate
from finops_tui.engine.catalog import GPU_NAMES

PERIOD_HOURS = 730
MODEL, MODEL_PARAMS, QUANT = "llama-8b", 8e9, "int8"
INPUT_TOKENS, OUTPUT_TOKENS, PEAK = 500, 250, 1.8
# FOCUS 1.2 PricingCategory -> the game's way of buying a GPU.
PRICING = {"Standard": "on-demand", "Dynamic": "spot", "Committed": "commit-1y"}
SCORING = [
    {"kpi": "roi", "label": "Return on spend", "weight": 25, "bad": 0.5, "good": 3.0},
    {
        "kpi": "unit_cost_per_1k_requests",
        "label": "Unit cost per 1,000 requests",
        "weight": 20,
        "bad": 5.0,
        "good": 0.3,
    },
    {
        "kpi": "sla_attainment",
        "label": "Requests within the latency SLA",
        "weight": 15,
        "bad": 0.9,
        "good": 0.995,
    },
    {"kpi": "waste_share", "label": "Waste", "weight": 15, "bad": 0.35, "good": 0.05},
    {
        "kpi": "allocation_coverage",
        "label": "Spend with an owner",
        "weight": 15,
        "bad": 0.0,
        "good": 0.9,
    },
    {
        "kpi": "budget_adherence",
        "label": "Periods within budget",
        "weight": 10,
        "bad": 0.0,
        "good": 1.0,
    },
]


def level_id_for(path: Path) -> str:
    """A level id from the output file's name: lowercase letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:64]
    return slug or "my-org"


def bill_level(summary: BillSummary, level_id: str, keep_names: bool = False) -> dict:
    """The level, as TOML-ready data, that replays this bill's habits in the game."""
    # Full periods only: a period holding one stray row would halve the budget.
    periods = max(1, sum(1 for p in summary.full_periods() if p != "(no period)"))
    turns = min(12, max(3, periods))
    spend = float(summary.effective) / periods
    gpu, count, pricing, running = _today_fleet(summary, periods)
    idle = _idle_share(summary)
    tagging = round(summary.allocation_coverage or 0.0, 2)
    # The fleet is what the spend pays for; the demand is what the used hours served: a
    # bill that pays for idle or unused GPUs becomes a level whose fleet sits idle too.
    requests = _requests_per_day(gpu, running)
    # Value chosen so that today's way of working returns about 1.5x its spend.
    value = round(max(spend, 1.0) * 1.5 / (requests * PERIOD_HOURS / 24 / 1000), 4)
    naive_inference = {
        "mode": "self-host",
        "model": MODEL,
        "gpu": gpu,
        "gpus": count,
        "pricing": pricing,
        "quant": QUANT,
        "caching": False,
    }
    return {
        "format": 1,
        "id": level_id,
        "title": "Your organisation, from its bill",
        "difficulty": "hard",
        "turns": turns,
        "period": "month",
        "period_hours": PERIOD_HOURS,
        "summary": "A sandbox calibrated on a FOCUS bill: beat what you do today.",
        "briefing": _briefing(summary, periods, spend, gpu, count, pricing, idle, keep_names),
        "objectives": [
            "Serve the same demand for less than today's spend.",
            "Give every dollar an owner.",
            "Size commitments to the steady baseline, not the peak.",
        ],
        "debrief": _debrief(summary),
        "lessons": [
            "Your bill is a baseline: every change is measured against it.",
            "Unused commitments and unallocated spend are the first savings to claim.",
        ],
        "budget": {"per_period_usd": _round_budget(spend)},
        "inference": {
            "requests_per_day": requests,
            "growth_per_turn": 0.02,
            "demand_noise": 0.05,
            "input_tokens": INPUT_TOKENS,
            "output_tokens": OUTPUT_TOKENS,
            "peak_factor": PEAK,
            "value_per_1k_requests": value,
            "modes": ["self-host"],
            "gpus": list(GPU_NAMES),
            "max_gpus": max(64, 4 * count),
            "models": {MODEL: {"params": MODEL_PARAMS, "quality": 0.85, "label": "Open 8B"}},
        },
        "dev": _dev_environment(summary, gpu, count, periods),
        "events": {
            "random": [
                {
                    "kind": "idle_cluster",
                    "probability": 0.15,
                    "magnitude": [1, 4],
                    "gpu": gpu,
                    "title": "A cluster was left running",
                },
                {
                    "kind": "traffic_surge",
                    "probability": 0.15,
                    "magnitude": [1.2, 1.6],
                    "title": "Demand jumps",
                },
            ]
        },
        "scoring": {"stars": [40, 60, 80], "components": SCORING},
        # No quiz: a level made from a bill is a sandbox (a quiz bank needs three tiers).
        "start": {"inference": naive_inference, "practices": _today_practices(tagging)},
        "plans": {
            "naive": {
                "title": "What the bill says you do today",
                "description": "Today's fleet, pricing and tag coverage; no other practice.",
                "turn": [{"inference": naive_inference, "practices": _today_practices(tagging)}],
            },
            "par": {
                "title": "The same work, with FinOps",
                "description": "Rightsized to the hours used, committed, int8 with caching; "
                "tags, alerts, schedules, and the practices worth their cost at this spend.",
                "turn": [
                    {
                        "inference": {
                            **naive_inference,
                            # Rightsized to the hours the bill actually used.
                            "gpus": max(1, math.ceil(running)),
                            "pricing": "commit-1y",
                            "caching": True,
                        },
                        "practices": _par_practices(spend),
                    }
                ],
            },
        },
    }


def _hours_by_gpu(summary: BillSummary) -> dict[str, Decimal]:
    """GPU-hours used by the game's GPU types; a type the game does not know is left out."""
    by_gpu: dict[str, Decimal] = {}
    for (gpu, _), hours in summary.gpu_fleet.items():
        if gpu in GPU_NAMES:
            by_gpu[gpu] = by_gpu.get(gpu, Decimal(0)) + hours
    return by_gpu


def _cost_of(summary: BillSummary, gpu: str) -> Decimal:
    return sum((v for (g, _), v in summary.gpu_cost.items() if g == gpu), Decimal(0))


def _fleet_of(summary: BillSummary, gpu: str, periods: int) -> tuple[int, str, float]:
    """How many of `gpu` the bill pays for, how they are bought, and how many ran."""
    # Bought the way most of its effective cost was (a purchase's own effective cost is 0).
    costs = {c: v for (g, c), v in summary.gpu_cost.items() if g == gpu}
    category = max(costs, key=lambda c: (costs[c], c)) if costs else "Standard"
    pricing = PRICING.get(category, "on-demand")
    # As many as the bill's spend on this GPU pays for: idle and unused hours included.
    rate = shipped_catalog().gpus[gpu].price.rate(pricing)
    paid = float(_cost_of(summary, gpu)) / periods / PERIOD_HOURS / rate
    running = float(_hours_by_gpu(summary)[gpu]) / periods / PERIOD_HOURS
    return min(max(1, round(running), round(paid)), 4096), pricing, running


def _today_fleet(summary: BillSummary, periods: int) -> tuple[str, int, str, float]:
    """The GPU type the most money goes to, how many the bill pays for, how they are
    bought, and how many of them ran on average."""
    known = _hours_by_gpu(summary)
    if not known:
        # No GPU in the bill's words: a fleet priced like its compute spend, on A100s.
        rate = shipped_catalog().gpus["a100-80gb"].price.rate("on-demand")
        count = max(1, round(float(summary.effective) / periods / PERIOD_HOURS / rate))
        return "a100-80gb", min(count, 4096), "on-demand", float(count)
    gpu = max(known, key=lambda g: (_cost_of(summary, g), known[g], g))
    count, pricing, running = _fleet_of(summary, gpu, periods)
    return gpu, count, pricing, running


def _dev_environment(summary: BillSummary, gpu: str, count: int, periods: int) -> dict:
    """The second GPU type of the bill, if any, as the dev notebooks; else the untagged share
    of today's fleet. Idle hours are the bill's idle or unallocated share of the week."""
    known = _hours_by_gpu(summary)
    others = sorted((g for g in known if g != gpu), key=lambda g: (-_cost_of(summary, g), g))
    if others:
        dev_gpu = others[0]
        dev_count = float(_fleet_of(summary, dev_gpu, periods)[0])
    else:
        dev_gpu, dev_count = gpu, round(count * _unallocated_share(summary) / 2, 2)
    idle = _idle_share(summary)
    return {
        "gpu": dev_gpu,
        "gpus": dev_count,
        "used_hours_per_week": round(max(10.0, 168 * (1 - idle)), 1),
        "sprawl_per_turn": 0.05,
        "overprovisioned_share": round(min(0.6, idle), 2),
    }


def fleet_lines(summary: BillSummary, periods: int) -> list[str]:
    """Today's fleet by GPU type and pricing category, as briefing bullets."""
    lines = []
    for (gpu, category), hours in sorted(summary.gpu_fleet.items(), key=lambda kv: -kv[1])[:8]:
        average = float(hours) / periods / PERIOD_HOURS
        lines.append(
            f"  * {gpu}, {category}: {float(hours):,.0f} GPU-hours"
            f" (about {average:,.1f} GPUs running)"
        )
    return lines


def _idle_share(summary: BillSummary) -> float:
    """Unused commitment and unallocated cost, as a share of effective spend."""
    # Of usage and purchases when the bill has tags: credits are not spend to allocate.
    spend = summary.allocated + summary.unallocated if summary.has_tags else summary.effective
    if not spend:
        return 0.0
    waste = summary.commitment_unused + (summary.unallocated if summary.has_tags else 0)
    return max(0.0, min(1.0, float(waste / spend)))


def _unallocated_share(summary: BillSummary) -> float:
    if not summary.effective or not summary.has_tags:
        return 0.0
    return max(0.0, min(1.0, float(summary.unallocated / summary.effective)))


def _requests_per_day(gpu: str, running: float) -> float:
    """Demand that keeps `running` GPUs about 80% busy at peak (the game's serving physics)."""
    estimate = serve_estimate(shipped_catalog(), MODEL_PARAMS, gpu, 8, QUANT)
    per_gpu = float(estimate["tokens_per_second"] or 8.0) / 8
    per_request = INPUT_TOKENS + OUTPUT_TOKENS
    tokens_per_second = per_gpu * max(running, 0.05)
    return max(100.0, round(tokens_per_second * 86400 * 0.8 / PEAK / per_request, -2))


def _par_practices(spend: float) -> dict:
    """The practices worth their team time at this spend: a monthly review pays on a large bill."""
    return {
        "tagging": 0.95,
        "budget_alerts": True,
        "anomaly_detection": spend >= 20_000,
        "shutdown_schedule": True,
        "rightsizing": spend >= 50_000,
        "allocation": "showback" if spend >= 10_000 else "none",
    }


def _today_practices(tagging: float) -> dict:
    return {
        "tagging": tagging,
        "budget_alerts": False,
        "anomaly_detection": False,
        "shutdown_schedule": False,
        "rightsizing": False,
        "allocation": "none",
    }


def _round_budget(spend: float) -> float:
    if spend <= 100:
        return 100.0
    step = 10 ** max(2, int(math.log10(spend)) - 2)
    return float(math.ceil(spend / step) * step)


def _briefing(
    s: BillSummary,
    periods: int,
    spend: float,
    gpu: str,
    count: int,
    pricing: str,
    idle: float,
    keep_names: bool,
) -> str:
    coverage = s.allocation_coverage
    utilisation = s.commitment_utilization
    if utilisation is None and s.commitments:
        # Used rows at no effective cost (the sample's savings plans): read their hours.
        hours = [c.utilisation for c in s.commitments.values() if c.utilisation is not None]
        utilisation = sum(hours) / len(hours) if hours else None
    lines = [
        "# Your organisation, from its bill",
        "",
        f"This level was calibrated on a FOCUS bill of {s.rows:,} rows over {periods} billing"
        f" period(s), {s.version_note}.",
        "",
        f"* Effective spend: **${spend:,.0f} a period** (billed ${float(s.billed):,.0f} in"
        " all). That is your budget.",
        f"* Today's fleet: about **{count} x {gpu}**, bought **{pricing}**"
        + (", from these GPU-hours:" if s.gpu_fleet else "."),
        *fleet_lines(s, periods),
        "* Tag coverage: "
        + (f"**{coverage:.0%}** of spend has an owner." if coverage is not None else "no tags.")
        + (f" (required keys: {', '.join(s.required_tags)})" if s.required_tags else ""),
        "* Commitments: "
        + (
            f"{len(s.commitments)}, used at **{utilisation:.0%}**."
            if utilisation is not None
            else "none."
        ),
        f"* Idle or unallocated: **{idle:.0%}** of effective spend.",
        "",
        "Demand is set so that today's fleet runs about 80% busy at peak. The `naive` plan"
        " is what you do today; beat it.",
    ]
    if keep_names:
        top = s.top_untagged(5)
        if top:
            lines += ["", "Top untagged resources in the bill:"]
            lines += [f"* `{_plain(r)}`: ${float(c):,.2f}" for r, c in top]
    return "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    return "".join(c for c in text if c.isprintable() and c not in "`\\")[:120]


def _debrief(s: BillSummary) -> str:
    return (
        "## What the numbers meant\n\n"
        "* The `naive` plan replayed your bill's habits; every point above it is a saving"
        " you could claim at work.\n"
        "* Effective cost, not billed cost, is what each choice really cost: commitments"
        " are spread over the usage they cover.\n"
    )


def write_bill_level(
    out: Path, summary: BillSummary, source: Path, keep_names: bool = False
) -> str:
    """Write the level atomically, after checking it loads and its plans play."""
    from finops_tui.content.levels import load_level

    level_id = level_id_for(out)
    data = bill_level(summary, level_id, keep_names)
    if keep_names:
        data["summary"] = f"A sandbox calibrated on {_plain(source.name)}."
    text = tomli_w.dumps(data)
    with tempfile.TemporaryDirectory() as folder:
        draft = Path(folder) / f"{level_id}.toml"
        draft.write_text(text, encoding="utf-8")
        try:
            load_level(draft, check_plans=True)
        except ContentError as exc:
            problems = [p.replace(str(draft), str(out)) for p in exc.problems]
            raise ContentError(
                [f"{out}: the bill gave a level the game refuses:", *problems]
            ) from None
    atomic_write_text(out, text)
    return level_id
