"""`bench`: measure the project's performance bars, honestly (warm-ups, repeats, medians).

Run by hand; it is not part of CI's pass or fail.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH_LEVEL = "spot-or-reserved"  # a 12-turn level
BARS = {
    "resolve_turn_ms": ("<", 2.0),
    "simulate_process_s": ("<", 0.5),
    "batch_speedup": (">=", 100.0),
    "batch_rss_mb": ("<", 1024.0),
    "first_screen_s": ("<", 1.0),
    "keypress_ms": ("<", 50.0),
    "rss_mb": ("<", 120.0),
    "fan_redraw_ms": ("<", 100.0),  # p95, decision change -> new fan on screen
}


def bench(args: argparse.Namespace) -> int:
    results: dict[str, object] = {"machine": machine()}
    steps = [
        ("resolve_turn_ms", lambda: resolve_turn_ms(args.quick)),
        ("simulate_process_s", lambda: simulate_process_s(args.quick)),
        ("batch", lambda: batch_figures(args.seeds, args.quick)),
        ("ui", lambda: ui_figures(args.quick)),
    ]
    for name, step in steps:
        if not args.json:
            print(f"measuring {name}...", file=sys.stderr)
        figures = step()
        results.update(figures if isinstance(figures, dict) else {name: figures})
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(table(results))
    return 0


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
    }


def resolve_turn_ms(quick: bool = False) -> float:
    """Median time of one resolve_turn over the turns of the bench level's par plan."""
    from finops_tui.content.levels import load_scenario
    from finops_tui.engine import new_game, plan_decisions, resolve_turn

    scenario = load_scenario(BENCH_LEVEL)
    decisions = plan_decisions(scenario, scenario.level.plans["par"])
    states = [new_game(scenario, 1)]
    for d in decisions[:-1]:
        states.append(resolve_turn(scenario, states[-1], d).state)
    for state, d in zip(states, decisions, strict=True):  # warm-up
        resolve_turn(scenario, state, d)
    samples = []
    for _ in range(3 if quick else 15):
        start = time.perf_counter()
        for state, d in zip(states, decisions, strict=True):
            resolve_turn(scenario, state, d)
        samples.append((time.perf_counter() - start) / len(decisions) * 1000)
    return round(statistics.median(samples), 3)


def simulate_process_s(quick: bool = False) -> float:
    """Median wall time of a whole `simulate` process of the 12-turn level."""
    argv = [sys.executable, "-m", "finops_tui", "simulate", BENCH_LEVEL, "--plan", "par"]
    subprocess.run(argv, check=True, capture_output=True)  # warm the file cache
    samples = []
    for _ in range(3 if quick else 9):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return round(statistics.median(samples), 3)


_BATCH_PROBE = """
import json, resource, sys, time
import numpy as np
from finops_tui.content.levels import load_scenario
from finops_tui.engine import plan_decisions
from finops_tui.engine.batch import play_batch
scenario = load_scenario(sys.argv[1])
decisions = plan_decisions(scenario, scenario.level.plans["par"])
seeds = np.arange(int(sys.argv[2]))
play_batch(scenario, seeds[:100], decisions)  # warm-up
times = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    result = play_batch(scenario, seeds, decisions)
    times.append(time.perf_counter() - start)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": sorted(times)[len(times) // 2], "rss_mb": rss}))
"""


def batch_figures(n_seeds: int, quick: bool = False) -> dict[str, object]:
    """The batch engine against a loop of single games, over the same seeds."""
    from finops_tui.content.levels import load_scenario
    from finops_tui.engine import plan_decisions, play
    from finops_tui.engine.batch import play_batch

    probe = subprocess.run(
        [sys.executable, "-c", _BATCH_PROBE, BENCH_LEVEL, str(n_seeds), "1" if quick else "3"],
        check=True,
        capture_output=True,
        text=True,
    )
    batch = json.loads(probe.stdout)
    scenario = load_scenario(BENCH_LEVEL)
    decisions = plan_decisions(scenario, scenario.level.plans["par"])
    seeds = np.arange(n_seeds)
    result = play_batch(scenario, seeds, decisions)
    start = time.perf_counter()
    identical = True
    for i, seed in enumerate(seeds):
        single = play(scenario, int(seed), decisions)
        identical &= same_game(scenario, single, result, i)
    loop_s = time.perf_counter() - start
    return {
        "batch_seeds": n_seeds,
        "batch_s": round(batch["seconds"], 3),
        "loop_s": round(loop_s, 2),
        "batch_speedup": round(loop_s / batch["seconds"], 1),
        "batch_identical": bool(identical),
        "batch_rss_mb": round(batch["rss_mb"], 1),
    }


def same_game(scenario, single, result, i: int) -> bool:
    """Does game i of a batch equal the single game: bill, KPIs, events, score?"""
    level = scenario.level
    names = [f"scheduled[{j}]" for j in range(len(level.events.scheduled))] + [
        f"random[{j}]" for j in range(len(level.events.random))
    ]
    for t, record in enumerate(single.history):
        if round(record.spend_usd * 100) != int(result.spend_cents[i, t]):
            return False
        if round(record.value_usd * 100) != int(result.value_cents[i, t]):
            return False
        fired = {names[j] for j in np.flatnonzero(result.events[i, t])}
        if fired != {e.source for e in record.events if e.source}:
            return False
    kpis_equal = all(single.game_kpis[k] == float(v[i]) for k, v in result.kpis.items())
    return (
        kpis_equal
        and single.score == float(result.score[i])
        and single.stars == int(result.stars[i])
    )


def ui_figures(quick: bool = False) -> dict[str, object]:
    """The app's bars, from the UI benchmark (benchmarks/ui_bench.py, in a checkout)."""
    import finops_tui

    script = Path(finops_tui.__file__).resolve().parents[1] / "benchmarks" / "ui_bench.py"
    empty = {"first_screen_s": None, "keypress_ms": None, "rss_mb": None, "fan_redraw_ms": None}
    if not script.is_file():
        return empty  # an installed wheel carries no benchmarks
    argv = [sys.executable, str(script), "--json"]
    if quick:
        argv += ["--runs", "2", "--keys", "10", "--fans", "12"]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        return empty
    figures = json.loads(done.stdout)
    out = {
        "first_screen_s": round(figures["first_screen_s"]["median"], 3),
        "keypress_ms": round(figures["key_press_ms"]["median"], 1),
        "keypress_p95_ms": round(figures["key_press_ms"]["p95"], 1),
        "rss_mb": round(figures["peak_rss_mb"], 1),
        # The bar: p95 of decision changes; beside it, p95 when the player types on.
        "fan_redraw_ms": round(figures["fan_redraw_ms"]["choice_only_p95"], 1),
        "fan_redraw_typed_on_ms": round(figures["fan_redraw_ms"]["key_typed_on_p95"], 1),
        "fan_detail": figures["fan_redraw_ms"],
    }
    return out


def table(results: dict[str, object]) -> str:
    m = results["machine"]
    rows = [f"finops-tui bench on {m['cores']} cores, {m['cpu']}, Python {m['python']}", ""]
    rows.append(f"{'figure':<22}{'measured':>12}  {'bar':>10}  verdict")
    for key, (op, bar) in BARS.items():
        value = results.get(key)
        if value is None:
            verdict, shown = "not measured", "-"
        else:
            ok = value < bar if op == "<" else value >= bar
            verdict, shown = ("ok" if ok else "MISSED"), f"{value:g}"
        rows.append(f"{key:<22}{shown:>12}  {op + ' ' + format(bar, 'g'):>10}  {verdict}")
    rows.append(f"{'batch_identical':<22}{results.get('batch_identical')!s:>12}")
    typed_on = results.get("fan_redraw_typed_on_ms")
    if typed_on is not None:  # the fan's p95 when a key follows the decision at once
        rows.append(f"{'fan_redraw_typed_on_ms':<22}{typed_on:>12g}")
    return "\n".join(rows)
