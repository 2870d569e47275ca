"""`simulate`: play a plan headless, print the result."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from finops_tui.content.levels import load_plan, load_scenario, play_plan, resolve_level_path
from finops_tui.engine.state import GameState


def simulate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.level)
    plan = load_plan(args.plan, scenario)
    if args.plan in scenario.level.plans:
        where, prefix = str(resolve_level_path(args.level)), f"plans.{args.plan}."
    else:
        where, prefix = args.plan, ""
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
