"""`balance`: par against naive over many seeds, and how much of the spread is luck."""

from __future__ import annotations

import argparse
import json

import numpy as np

from finops_tui.content.levels import load_scenario, plan_to_decisions, resolve_level_path
from finops_tui.engine.batch import distribution, luck_share, play_batch
from finops_tui.engine.scenario import Scenario

BAR_WIDTH = 40


def balance(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.level, setting="advanced" if args.advanced else "standard")
    seeds = np.arange(args.seed, args.seed + args.seeds)
    where = str(resolve_level_path(args.level))
    scores = {}
    for name in ("par", "naive"):
        decisions = plan_to_decisions(scenario, scenario.level.plans[name], where, f"plans.{name}.")
        scores[name] = play_batch(scenario, seeds, decisions).score
    report = balance_report(scenario, seeds, scores)
    print(json.dumps(report, indent=2) if args.json else balance_table(report, scores))
    return 0


def balance_report(scenario: Scenario, seeds: np.ndarray, scores: dict) -> dict:
    par, naive = scores["par"], scores["naive"]
    return {
        "level": scenario.level.id,
        "setting": scenario.level.setting,
        "seeds": int(seeds.size),
        "first_seed": int(seeds[0]),
        "par": distribution(par),
        "naive": distribution(naive),
        "par_beats_naive": round(float((par > naive).mean()), 4),
        "mean_margin": round(float((par - naive).mean()), 2),
        "luck_share": round(luck_share([par, naive]), 4),
    }


def balance_table(report: dict, scores: dict) -> str:
    rows = [
        f"{report['level']}: par against naive over {report['seeds']} seeds "
        f"(from seed {report['first_seed']})",
        "",
        f"{'plan':<6}{'mean':>8}{'p10':>8}{'p50':>8}{'p90':>8}{'min':>8}{'max':>8}",
    ]
    for name in ("par", "naive"):
        d = report[name]
        rows.append(
            f"{name:<6}{d['mean']:>8.1f}{d['p10']:>8.1f}{d['p50']:>8.1f}{d['p90']:>8.1f}"
            f"{d['min']:>8.1f}{d['max']:>8.1f}"
        )
    rows += ["", "score distribution (each # is a share of the seeds)"]
    rows += histogram(scores)
    rows += [
        "",
        f"par beats naive on {report['par_beats_naive']:.1%} of seeds, "
        f"by {report['mean_margin']:.1f} points on average",
        f"luck (the seed) explains {report['luck_share']:.1%} of the score spread; "
        f"the plan explains the rest",
    ]
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
