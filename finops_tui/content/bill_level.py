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

from finops_tui.content.analyze import BillSummary
from finops_tui.content.catalog import shipped_catalog
from finops_tui.content.errors import ContentError
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
    periods = max(1, sum(1 for p in summary.periods if p != "(no period)"))
    turns = min(12, max(3, periods))
    spend = float(summary.effective) / periods
    gpu, count, pricing = _today_fleet(summary, periods)
    idle = _idle_share(summary)
    tagging = round(summary.allocation_coverage or 0.0, 2)
    requests = _requests_per_day(gpu, count)
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
        "dev": {
            "gpu": gpu,
            # Untagged GPUs become the dev notebooks nobody owns (already in `count`'s cost).
            "gpus": round(count * _unallocated_share(summary) / 2, 2),
            "used_hours_per_week": 45,
            "sprawl_per_turn": 0.05,
            "overprovisioned_share": round(min(0.6, idle), 2),
        },
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
        "quiz": [_allocation_question(tagging)],
        "start": {"inference": naive_inference, "practices": _today_practices(tagging)},
        "plans": {
            "naive": {
                "title": "What the bill says you do today",
                "description": "Today's fleet, pricing and tag coverage; no other practice.",
                "turn": [{"inference": naive_inference, "practices": _today_practices(tagging)}],
            },
            "par": {
                "title": "The same work, with FinOps",
                "description": "Commit the steady baseline, int8 with caching, tags, "
                "alerts, anomaly detection, schedules, rightsizing, showback.",
                "turn": [
                    {
                        "inference": {
                            **naive_inference,
                            # Rightsized: caching serves a quarter of requests, and the
                            # fleet was sized with headroom over the peak.
                            "gpus": max(1, math.ceil(count * 0.7)),
                            "pricing": "commit-1y",
                            "caching": True,
                        },
                        "practices": {
                            "tagging": 0.95,
                            "budget_alerts": True,
                            "anomaly_detection": True,
                            "shutdown_schedule": True,
                            "rightsizing": True,
                            "allocation": "showback",
                        },
                    }
                ],
            },
        },
    }


def _today_fleet(summary: BillSummary, periods: int) -> tuple[str, int, str]:
    """The GPU type with the most hours, how many run on average, and how they are bought."""
    by_gpu: dict[str, Decimal] = {}
    for (gpu, _), hours in summary.gpu_fleet.items():
        by_gpu[gpu] = by_gpu.get(gpu, Decimal(0)) + hours
    known = {g: h for g, h in by_gpu.items() if g in GPU_NAMES}
    if not known:
        # No GPU in the bill's words: a fleet priced like its compute spend, on A100s.
        rate = shipped_catalog().gpus["a100-80gb"].price.rate("on-demand")
        count = max(1, round(float(summary.effective) / periods / PERIOD_HOURS / rate))
        return "a100-80gb", min(count, 4096), "on-demand"
    gpu = max(known, key=lambda g: (known[g], g))
    categories = {c: h for (g, c), h in summary.gpu_fleet.items() if g == gpu}
    category = max(categories, key=lambda c: (categories[c], c))
    pricing = PRICING.get(category, "on-demand")
    # As many of them as the bill's GPU spend pays for: idle and unused hours included.
    rate = shipped_catalog().gpus[gpu].price.rate(pricing)
    paid = float(summary.gpu_hours.cost) / periods / PERIOD_HOURS / rate
    count = max(1, round(float(known[gpu]) / periods / PERIOD_HOURS), round(paid))
    return gpu, min(count, 4096), pricing


def _idle_share(summary: BillSummary) -> float:
    """Unused commitment and unallocated cost, as a share of effective spend."""
    if not summary.effective:
        return 0.0
    waste = summary.commitment_unused + (summary.unallocated if summary.has_tags else 0)
    return max(0.0, min(1.0, float(waste / summary.effective)))


def _unallocated_share(summary: BillSummary) -> float:
    if not summary.effective or not summary.has_tags:
        return 0.0
    return max(0.0, min(1.0, float(summary.unallocated / summary.effective)))


def _requests_per_day(gpu: str, count: int) -> float:
    """Demand that keeps today's fleet about 80% busy at peak (the game's serving physics)."""
    estimate = serve_estimate(shipped_catalog(), MODEL_PARAMS, gpu, max(count, 1), QUANT)
    tokens_per_second = float(estimate["tokens_per_second"] or 1.0)
    per_request = INPUT_TOKENS + OUTPUT_TOKENS
    return max(100.0, round(tokens_per_second * 86400 * 0.8 / PEAK / per_request, -2))


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
    lines = [
        "# Your organisation, from its bill",
        "",
        f"This level was calibrated on a FOCUS bill of {s.rows:,} rows over {periods} billing"
        f" period(s), {s.version_note}.",
        "",
        f"* Effective spend: **${spend:,.0f} a period** (billed ${float(s.billed):,.0f} in"
        " all). That is your budget.",
        f"* Today's fleet: about **{count} x {gpu}**, bought **{pricing}**.",
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


def _allocation_question(tagging: float) -> dict:
    shares = sorted({round(tagging, 2), 0.0, 0.5, 1.0})
    while len(shares) < 4:
        shares.append(round(shares[-1] / 2, 3))
    shares = sorted(set(shares))[:4]
    if round(tagging, 2) not in shares:
        shares[-1] = round(tagging, 2)
        shares.sort()
    return {
        "question": "In your bill, what share of spend had an owner (a tag)?",
        "choices": [f"{share:.0%}" for share in shares],
        "answer": shares.index(round(tagging, 2)),
        "explanation": "Untagged spend cannot be shown back to a team: nobody owns it.",
        "concept": "allocation",
    }


def write_bill_level(
    out: Path, summary: BillSummary, source: Path, keep_names: bool = False
) -> str:
    """Write the level atomically, after checking it loads and its plans play."""
    from finops_tui.content.levels import load_level
    from finops_tui.content.saves import atomic_write_text

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
