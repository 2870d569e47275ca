"""`balance`: par against naive, every practice on, no compute, and the alternative plans.

Over many seeds, through the batch engine: par should beat naive, beat `all_on` (so
practices are not free), and `idle` (no compute) should score almost nothing; each
alternative plan shows a second good strategy, and how much of the spread is luck.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from finops_tui.content.levels import load_scenario, plan_to_decisions, resolve_level_path
from finops_tui.engine.batch import distribution, luck_share, play_batch
from finops_tui.engine.reference_plans import (
    all_on_decisions,
    alternative_plans,
    idle_decisions,
    practice_share,
)
from finops_tui.engine.scenario import Scenario

BAR_WIDTH = 40
HISTOGRAM_PLANS = ("par", "naive")


def balance(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.level, setting="advanced" if args.advanced else "standard")
    seeds = np.arange(args.seed, args.seed + args.seeds)
    where = str(resolve_level_path(args.level))
    level = scenario.level
    decisions = {
        name: plan_to_decisions(scenario, level.plans[name], where, f"plans.{name}.")
        for name in ("par", "naive", *alternative_plans(level.plans))
    }
    decisions["all_on"] = all_on_decisions(scenario)
    decisions["idle"] = idle_decisions(scenario)
    results = {name: play_batch(scenario, seeds, d) for name, d in decisions.items()}
    scores = {name: r.score for name, r in results.items()}
    report = balance_report(scenario, seeds, scores)
    report["par_practice_share"] = round(float(practice_share(results["par"]).mean()), 4)
    print(json.dumps(report, indent=2) if args.json else balance_table(report, scores))
    return 0


def plan_order(scores: dict) -> list[str]:
    """par, naive, all_on, idle, then the alternatives in the level's order."""
    fixed = [n for n in ("par", "naive", "all_on", "idle") if n in scores]
    return fixed + [n for n in scores if n not in fixed]


def balance_report(scenario: Scenario, seeds: np.ndarray, scores: dict) -> dict:
    par, naive = scores["par"], scores["naive"]
    report = {
        "level": scenario.level.id,
        "setting": scenario.level.setting,
        "seeds": int(seeds.size),
        "first_seed": int(seeds[0]),
    }
    for name in plan_order(scores):
        report[name] = distribution(scores[name])
    report["alternatives"] = [n for n in plan_order(scores) if n.startswith("alt")]
    report["par_beats_naive"] = round(float((par > naive).mean()), 4)
    report["mean_margin"] = round(float((par - naive).mean()), 2)
    if "all_on" in scores:
        report["par_over_all_on"] = round(float((par - scores["all_on"]).mean()), 2)
    report["luck_share"] = round(luck_share([par, naive]), 4)
    return report


def balance_table(report: dict, scores: dict) -> str:
    rows = [
        f"{report['level']}: par against naive over {report['seeds']} seeds "
        f"(from seed {report['first_seed']})",
        "",
        f"{'plan':<12}{'mean':>8}{'p10':>8}{'p50':>8}{'p90':>8}{'min':>8}{'max':>8}",
    ]
    for name in plan_order(scores):
        d = report[name]
        rows.append(
            f"{name:<12}{d['mean']:>8.1f}{d['p10']:>8.1f}{d['p50']:>8.1f}{d['p90']:>8.1f}"
            f"{d['min']:>8.1f}{d['max']:>8.1f}"
        )
    rows += ["", "score distribution (each # is a share of the seeds)"]
    rows += histogram({n: scores[n] for n in HISTOGRAM_PLANS})
    rows += [
        "",
        f"par beats naive on {report['par_beats_naive']:.1%} of seeds, "
        f"by {report['mean_margin']:.1f} points on average",
    ]
    if "par_over_all_on" in report:
        rows.append(
            f"par beats every practice on (all_on) by {report['par_over_all_on']:.1f} points "
            "on average"
        )
    if "par_practice_share" in report:
        rows.append(f"par spends {report['par_practice_share']:.1%} of its bill on practices")
    rows.append(
        f"luck (the seed) explains {report['luck_share']:.1%} of the score spread; "
        f"the plan explains the rest"
    )
    return "\n".join(rows)


def histogram(scores: dict, bins: int = 10) -> list[str]:
    edges = np.linspace(0, 100, bins + 1)
    counts = {name: np.histogram(s, bins=edges)[0] / len(s) for name, s in scores.items()}
    rows = []
    for i in range(bins - 1, -1, -1):
        label = f"{edges[i]:>3.0f}-{edges[i + 1]:<3.0f}"
        bars = "  ".join(
            f"{name} {'#' * round(c[i] * BAR_WIDTH):<{BAR_WIDTH}}" for name, c in counts.items()
        )
        rows.append(f"  {label} {bars.rstrip()}")
    return rows
