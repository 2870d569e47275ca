"""Measure the strategy studio and the tournament, the way a team and a facilitator meet them.

    .venv/bin/python benchmarks/studio_bench.py [--edits 20] [--json]

- studio redraw: in a pseudo-terminal at 80x24, the studio of the 12-turn sandbox level
  (the level with the most to compute); from the key that flips turn 1's response
  cache on or off to the edit's new mean score on the terminal: the strategy
  checked, played over 1,000 seeds in a worker, and redrawn beside par and naive
  (bar: 300 ms, p95);
- tournament: `finops-tui tournament sandbox` with 10 plans (par, naive and 8 plan
  files) over 1,000 seeds, as a whole process, start to exit (bar: 5 s).

A benchmark, not a test: figures depend on the machine; run it by hand and report.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ui_bench import EXE, SETTLED, Terminal

LEVEL = "sandbox"
TOURNAMENT_PLANS = 10
TOURNAMENT_RUNS = 3
REST = 0.05  # seconds without output after an edit's redraw: the screen is quiet again
CACHE = "inference.caching"
# From GPU type (focused on opening) to the response cache: GPUs, Buy as, Params, Tokens,
# Checkpoint, Serve with, API model, then the cache (self-hosting's rows are hidden).
TABS_TO_CACHE = 8


def expected_effects() -> dict[str, bytes]:
    """The edit line the studio must draw after each flip, from the pure core."""
    from finops_tui.content.levels import load_scenario
    from finops_tui.gameplay.strategy import evaluate, strategy_from_decisions
    from finops_tui.gameplay.tournament import tournament_seeds

    scenario = load_scenario(LEVEL)
    seeds = tournament_seeds(0, 1000)
    off = strategy_from_decisions(scenario, [])
    on = off.with_decision(scenario, 0, CACHE, True)
    means = {}
    for name, strategy in (("off", off), ("on", on)):
        evaluation = evaluate(scenario, strategy.decisions(scenario), seeds)
        if evaluation.outcome is None:
            raise RuntimeError(f"{name}: the bench's strategy cannot be played")
        means[name] = evaluation.outcome.mean
    if f"{means['on']:.1f}" == f"{means['off']:.1f}":
        raise RuntimeError("the two strategies read the same: pick an edit that matters more")
    return {
        "on": f"→ {means['on']:.1f} ({means['on'] - means['off']:+.1f})".encode(),
        "off": f"→ {means['off']:.1f} ({means['off'] - means['on']:+.1f})".encode(),
    }


def studio_redraws(count: int) -> list[float]:
    """Milliseconds from each flip's key to its effect's mean score on the terminal."""
    shown = expected_effects()
    term = Terminal(["play", LEVEL, "--seed", "1"], size=(80, 24))
    try:
        term.read_until(b"Briefing")
        term.key(b"\x10")  # ctrl+p: the palette, where the studio is offered on every screen
        term.key(b"Strategy studio")  # typed in one go, as a paste: this is not timed
        term.drain(0.3)
        term.key(b"\r")
        term.read_until(b"1,000 seeds")
        term.drain(0.5)  # par and naive played, the first strategy on screen
        for _ in range(TABS_TO_CACHE):
            term.key(b"\t")
        times = []
        target = "on"
        term.drain(SETTLED)
        for _ in range(count):
            since = len(term.output)
            sent = time.perf_counter()
            os.write(term.fd, b" ")  # flip the switch: the strategy changes
            times.append((term.wait_for(shown[target], since) - sent) * 1000)
            term.drain(REST)  # the rest of the redraw: the next edit starts on a quiet screen
            target = "off" if target == "on" else "on"
        return times
    finally:
        term.close()


def tournament_plans(folder: Path) -> list[str]:
    """Par, naive, and eight variants of par as plan files: ten plans of the sandbox."""
    from finops_tui.content.levels import load_scenario
    from finops_tui.content.plans import write_plan
    from finops_tui.gameplay.strategy import strategy_from_plan

    scenario = load_scenario(LEVEL)
    par = strategy_from_plan(scenario, scenario.level.plans["par"])
    names = ["par", "naive"]
    for i in range(TOURNAMENT_PLANS - 2):
        variant = par.with_decision(scenario, i % scenario.level.turns, "forecast_usd", 1000.0 * i)
        path = write_plan(folder / f"variant-{i}.toml", LEVEL, variant.to_plan())
        names.append(str(path))
    return names


def tournament_seconds() -> tuple[float, int]:
    """Median wall seconds of the tournament as a process, and the plans it ranked."""
    with tempfile.TemporaryDirectory(prefix="finops-bench-plans-") as folder:
        argv = [str(EXE), "tournament", LEVEL, *tournament_plans(Path(folder)), "--json"]
        times, ranked = [], 0
        for _ in range(TOURNAMENT_RUNS):
            started = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True, check=True)
            times.append(time.perf_counter() - started)
            ranked = len(json.loads(done.stdout))
    return statistics.median(times), ranked


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20, help="studio edits to time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    redraws = studio_redraws(args.edits)
    seconds, ranked = tournament_seconds()
    figures = {
        "studio_redraw_ms": {
            "median": statistics.median(redraws),
            "p95": p95(redraws),
            "max": max(redraws),
            "edits": len(redraws),
        },
        "tournament_s": seconds,
        "tournament_plans": ranked,
        "tournament_seeds": 1000,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    r = figures["studio_redraw_ms"]
    print(
        f"studio redraw  edit -> new mean on screen median {r['median']:.0f} ms, "
        f"p95 {r['p95']:.0f} ms, max {r['max']:.0f} ms   (bar 300 ms)"
    )
    print(f"tournament     {ranked} plans x 1,000 seeds: {seconds:.2f} s   (bar 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
