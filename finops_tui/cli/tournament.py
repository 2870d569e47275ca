"""`tournament`: plans on the same seeds, ranked by mean score, with risk and spend beside."""

from __future__ import annotations

import argparse
import json
import sys

from finops_tui.content.levels import load_scenario
from finops_tui.content.plans import entrants
from finops_tui.gameplay.tournament import play_tournament, tournament_seeds, tournament_table


def tournament(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.level, setting="advanced" if args.advanced else "standard")
    found, problems = entrants(scenario, args.plans, args.level)
    for problem in problems:  # each bad plan is named and left out of the ranking
        print(problem, file=sys.stderr)
    if not found:
        print("finops-tui tournament: no plan could be played", file=sys.stderr)
        return 1
    seeds = tournament_seeds(args.seed, args.seeds)
    rows = play_tournament(scenario, [(e.name, e.decisions) for e in found], seeds)
    if args.json:
        print(json.dumps([row.as_json() for row in rows], indent=2))
    else:
        setting = " (advanced)" if scenario.level.setting == "advanced" else ""
        title = (
            f"{scenario.level.title}{setting}: {len(rows)} plans on the same "
            f"{seeds.size:,} seeds (from seed {int(seeds[0])}), best mean score first; "
            f"P10 is the risk"
        )
        print(tournament_table(rows, title))
    return 0
