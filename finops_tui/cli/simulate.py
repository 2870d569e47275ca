"""`simulate`: play a plan headless, print the result."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from finops_tui.cli.main import UsageError
from finops_tui.content.levels import (
    load_plan,
    load_scenario,
    plan_to_decisions,
    play_plan,
    resolve_level_path,
)
from finops_tui.engine.level import Plan
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState


def simulate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.level, setting="advanced" if args.advanced else "standard")
    plan = load_plan(args.plan, scenario)
    if args.plan in scenario.level.plans:
        where, prefix = str(resolve_level_path(args.level)), f"plans.{args.plan}."
    else:
        where, prefix = args.plan, ""
    if args.seeds is not None:
        if args.replay_out:
            raise UsageError("finops-tui simulate: --replay-out writes one game; drop --seeds")
        return simulate_many(scenario, plan, args, where, prefix)
    state = play_plan(scenario, plan, args.seed, where, prefix)
    if args.replay_out:
        from finops_tui.content.saves import save_from_state, write_save

        # A plan given as a file is named by its stem, so the player is never a long path.
        player = Path(args.plan).stem[:64]
        write_save(Path(args.replay_out), save_from_state(scenario, state, player=player))
    if args.json:
        print(json.dumps(result_json(state, args.plan), indent=2))
    else:
        print(result_table(state, scenario.level.title, args.plan))
    return 0


def simulate_many(
    scenario: Scenario, plan: Plan, args: argparse.Namespace, where: str, prefix: str
) -> int:
    """The score distribution of one plan over many seeds, in one batch."""
    # Imported here: a single game (the common case) starts without the batch engine.
    from finops_tui.engine.batch import distribution, play_batch

    play_plan(scenario, plan, args.seed, where, prefix)  # names any refused decision
    decisions = plan_to_decisions(scenario, plan, where, prefix)
    seeds = np.arange(args.seed, args.seed + args.seeds)
    seeds = seeds[seeds <= 2**32 - 1]
    result = play_batch(scenario, seeds, decisions)
    stars = {str(n): int((result.stars == n).sum()) for n in range(4)}
    report = {
        "level": scenario.level.id,
        "plan": args.plan,
        "seeds": int(seeds.size),
        "first_seed": int(seeds[0]),
        "score": distribution(result.score),
        "stars": stars,
        "spend_usd": distribution(result.spend_cents.sum(axis=1) / 100.0),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    s = report["score"]
    print(
        f"{scenario.level.title} - plan {args.plan}, {report['seeds']} seeds from "
        f"{report['first_seed']}\n"
        f"score  mean {s['mean']:.1f}  p10 {s['p10']:.1f}  p50 {s['p50']:.1f}  "
        f"p90 {s['p90']:.1f}  (min {s['min']:.1f}, max {s['max']:.1f})\n"
        f"stars  " + "  ".join(f"{n}: {stars[str(n)]}" for n in range(4))
    )
    return 0


def result_json(state: GameState, plan: str) -> dict:
    return {
        "level": state.level_id,
        "seed": state.seed,
        "plan": plan,
        "score": state.score,
        "stars": state.stars,
        "spend_usd": round(state.spend_usd, 2),
        "kpis": state.game_kpis,
        "turns": [
            {
                "turn": r.turn,
                "spend_usd": r.spend_usd,
                "budget_usd": r.budget_usd,
                "value_usd": r.value_usd,
                "kpis": r.kpis,
                "events": [
                    {"kind": e.kind, "title": e.title, "effect": e.effect} for e in r.events
                ],
            }
            for r in state.history
        ],
    }


def result_table(state: GameState, title: str, plan: str) -> str:
    rows = [f"{title} - plan {plan}, seed {state.seed}", ""]
    header = f"{'Turn':>4}  {'Spend':>12}  {'Budget':>12}  {'Value':>12}  {'Waste':>10}  Events"
    rows += [header, "-" * len(header)]
    for r in state.history:
        events = "; ".join(e.title for e in r.events) or "-"
        rows.append(
            f"{r.turn:>4}  {_usd(r.spend_usd):>12}  {_usd(r.budget_usd):>12}  "
            f"{_usd(r.value_usd):>12}  {_usd(r.kpis['waste_usd'] or 0):>10}  {events}"
        )
    k = state.game_kpis
    rows += [
        "",
        f"Spend {_usd(state.spend_usd)}   ROI {k['roi']:.2f}   Waste {k['waste_share']:.0%}   "
        f"Allocated {k['allocation_coverage']:.0%}",
        f"Score {state.score:.1f} / 100   Stars {'*' * state.stars or '-'}",
    ]
    return "\n".join(rows)


def _usd(value: float) -> str:
    return f"${value:,.0f}"
