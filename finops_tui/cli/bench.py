"""`bench`: measure the project's performance bars, honestly (warm-ups, repeats, medians).

Run by hand; it is not part of CI's pass or fail. It exits 1 when the batch engine
disagrees with the single-game engine on any seed of the sample (one line says which).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_LEVEL = "spot-or-reserved"  # a 12-turn level
# Single games looped for the speed-up: enough for a steady per-game time, few enough
# that the loop takes seconds, not minutes. Spread evenly over the batch's seeds.
LOOP_SEEDS = 300
STARTS = 9  # process starts timed for `simulate` and for the import baseline, each
BARS = {
    "resolve_turn_ms": ("<", 2.0),
    "simulate_process_s": ("<", 0.5),
    "simulate_import_ratio": ("<=", 2.0),
    "batch_speedup": (">=", 100.0),
    "batch_rss_mb": ("<", 1024.0),
    "first_screen_s": ("<", 1.0),
    "keypress_ms": ("<", 50.0),
    "rss_mb": ("<", 120.0),
    "fan_redraw_ms": ("<", 100.0),  # p95, decision change -> new fan on screen
    "fan_key_during_ms": ("<", 50.0),  # p95, a key typed while the fan computes -> redrawn
    "verify_s": ("<", 10.0),  # `verify` of 10,000 replays of one level and seed
    "studio_redraw_p95_ms": ("<", 300.0),  # p95, a studio edit -> its new mean on screen
    "tournament_s": ("<", 5.0),  # `tournament` of 10 plans x 1,000 seeds, as a process
    "bench_s": ("<", 90.0),
}


def bench(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    results: dict[str, object] = {"machine": machine()}
    steps = [
        ("resolve_turn_ms", lambda: resolve_turn_ms(args.quick)),
        ("simulate_process_s", lambda: process_start_figures(args.quick)),
        ("batch", lambda: batch_figures(args.seeds, args.quick)),
        ("verify", lambda: verify_figures(args.quick)),
        ("ui", lambda: ui_figures(args.quick)),
        ("studio", lambda: studio_figures(args.quick)),
    ]
    took: dict[str, float] = {}
    for name, step in steps:
        if not args.json:
            print(f"measuring {name}...", file=sys.stderr)
        step_started = time.perf_counter()
        figures = step()
        took[name] = round(time.perf_counter() - step_started, 1)
        results.update(figures if isinstance(figures, dict) else {name: figures})
    results["bench_s"] = round(time.perf_counter() - started, 1)
    results["bench_steps_s"] = took  # where the bench's own time goes
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(table(results))
    difference = results.get("batch_difference")
    if difference:
        print(f"finops-tui bench: batch_identical: false: {difference}", file=sys.stderr)
        return 1
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


SIMULATE_ARGV = ["-m", "finops_tui", "simulate", BENCH_LEVEL, "--plan", "par"]
IMPORT_ARGV = ["-c", "import numpy, pydantic"]  # the floor any engine process pays


def process_start_figures(quick: bool = False) -> dict[str, object]:
    """`simulate` as a whole process, and its ratio to a process importing numpy and pydantic.

    Both are started in turns in the same run, so that both meet the same load; the
    ratio of their CPU times, less sensitive to other work on the machine, is beside it.
    """
    (simulate, simulate_cpu), (imports, imports_cpu) = process_seconds(
        [SIMULATE_ARGV, IMPORT_ARGV], 3 if quick else STARTS
    )
    return {
        "simulate_process_s": round(simulate, 3),
        "import_numpy_pydantic_s": round(imports, 3),
        "simulate_import_ratio": round(simulate / imports, 2),
        "simulate_import_cpu_ratio": round(simulate_cpu / imports_cpu, 2),
    }


def process_seconds(commands: list[list[str]], starts: int) -> list[tuple[float, float]]:
    """Median wall and CPU seconds of each Python command line, started `starts` times in turns.

    Python runs as it does once installed: with its compiled bytecode (pip compiles a
    package at install; numpy's and pydantic's are), kept in a temporary folder, not
    in the checkout.
    """
    with tempfile.TemporaryDirectory(prefix="finops-bench-pyc-") as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for argv in commands:  # warm the file cache, write the bytecode
            subprocess.run([sys.executable, *argv], check=True, capture_output=True, env=env)
        samples: list[list[tuple[float, float]]] = [[] for _ in commands]
        for _ in range(starts):
            for argv, times in zip(commands, samples, strict=True):
                times.append(timed_process([sys.executable, *argv], env))
    return [
        (statistics.median(w for w, _ in times), statistics.median(c for _, c in times))
        for times in samples
    ]


def timed_process(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one process, run to its end."""
    start = time.perf_counter()
    child = subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, argv)
    return wall, usage.ru_utime + usage.ru_stime


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


def loop_sample(n_seeds: int, size: int = LOOP_SEEDS) -> np.ndarray:
    """The seeds looped one game at a time: `size` of the batch's, spread evenly over it."""
    return np.unique(np.linspace(0, n_seeds - 1, min(size, n_seeds)).round().astype(np.int64))


def batch_figures(n_seeds: int, quick: bool = False) -> dict[str, object]:
    """The batch engine against a loop of single games, per game.

    The loop plays a sample of the batch's seeds (LOOP_SEEDS, evenly spread); the batch
    plays the same sample, and all `n_seeds` (in a fresh process, for its memory). Every
    looped game is compared with its row of the full batch and of the sample's batch.
    """
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
    sample = loop_sample(n_seeds, 30 if quick else LOOP_SEEDS)
    play(scenario, int(sample[0]), decisions)  # warm-up
    games = []
    start = time.perf_counter()  # the games only: comparing them comes after
    for seed in sample:
        games.append(play(scenario, int(seed), decisions))
    loop_s = time.perf_counter() - start
    same_seeds_s = median_seconds(
        lambda: play_batch(scenario, sample, decisions), 1 if quick else 5
    )
    full = play_batch(scenario, np.arange(n_seeds), decisions)
    small = play_batch(scenario, sample, decisions)
    difference = None
    for i, (seed, single) in enumerate(zip(sample, games, strict=True)):
        found = game_difference(scenario, single, full, int(seed)) or game_difference(
            scenario, single, small, i
        )
        if found is not None:
            difference = f"seed {int(seed)}: {found}"
            break
    loop_game_s = loop_s / sample.size
    batch_game_s = batch["seconds"] / n_seeds
    return {
        "batch_seeds": n_seeds,
        "batch_s": round(batch["seconds"], 3),
        "loop_s": round(loop_s, 2),  # the loop over `loop_seeds` games
        "batch_speedup": round(loop_game_s / batch_game_s, 1),  # per game
        "batch_identical": difference is None,
        "batch_rss_mb": round(batch["rss_mb"], 1),
        "loop_seeds": int(sample.size),
        "loop_game_ms": round(loop_game_s * 1000, 3),
        "batch_game_ms": round(batch_game_s * 1000, 4),
        "batch_same_seeds_s": round(same_seeds_s, 3),
        "batch_speedup_same_seeds": round(loop_s / same_seeds_s, 1),
        "batch_difference": difference,
    }


def median_seconds(run, repeats: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def same_game(scenario, single, result, i: int) -> bool:
    """Does game i of a batch equal the single game: bill, KPIs, events, score?"""
    return game_difference(scenario, single, result, i) is None


def game_difference(scenario, single, result, i: int) -> str | None:
    """How game i of a batch differs from the single game (the first difference), or None."""
    level = scenario.level
    names = [f"scheduled[{j}]" for j in range(len(level.events.scheduled))] + [
        f"random[{j}]" for j in range(len(level.events.random))
    ]
    for t, record in enumerate(single.history):
        if round(record.spend_usd * 100) != int(result.spend_cents[i, t]):
            return (
                f"turn {t + 1}: spend {record.spend_usd} against {result.spend_cents[i, t]} cents"
            )
        if round(record.value_usd * 100) != int(result.value_cents[i, t]):
            return (
                f"turn {t + 1}: value {record.value_usd} against {result.value_cents[i, t]} cents"
            )
        fired = {names[j] for j in np.flatnonzero(result.events[i, t])}
        if fired != {e.source for e in record.events if e.source}:
            return f"turn {t + 1}: events {sorted(fired)} in the batch"
    for key, values in result.kpis.items():
        if single.game_kpis[key] != float(values[i]):
            return f"kpi {key}: {single.game_kpis[key]!r} against {float(values[i])!r}"
    if single.score != float(result.score[i]) or single.stars != int(result.stars[i]):
        return f"score {single.score} ({single.stars} stars) against {float(result.score[i])}"
    return None


def verify_figures(quick: bool = False) -> dict[str, object]:
    """`verify` and `leaderboard` of 10,000 replays (benchmarks/verify_bench.py)."""
    empty = {"verify_replays": None, "verify_s": None, "leaderboard_s": None}
    script = _benchmark("verify_bench.py")
    if script is None:
        return empty
    argv = [sys.executable, str(script), "--json"]
    if quick:
        argv += ["--replays", "2000"]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        return empty
    figures = json.loads(done.stdout)
    return {
        "verify_replays": figures["replays"],
        "verify_s": round(figures["verify_s"], 2),
        "leaderboard_s": round(figures["leaderboard_s"], 2),
    }


def _benchmark(name: str) -> Path | None:
    """A script of benchmarks/, in a checkout (an installed wheel carries none)."""
    import finops_tui

    script = Path(finops_tui.__file__).resolve().parents[1] / "benchmarks" / name
    return script if script.is_file() else None


def ui_figures(quick: bool = False) -> dict[str, object]:
    """The app's bars, from the UI benchmark (benchmarks/ui_bench.py, in a checkout)."""
    script = _benchmark("ui_bench.py")
    empty = {
        "first_screen_s": None,
        "keypress_ms": None,
        "rss_mb": None,
        "fan_redraw_ms": None,
        "fan_key_during_ms": None,
    }
    if script is None:
        return empty
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
        "fan_key_during_ms": round(figures["fan_redraw_ms"]["key_during_forecast_p95"], 1),
        "fan_detail": figures["fan_redraw_ms"],
    }
    return out


def studio_figures(quick: bool = False) -> dict[str, object]:
    """The studio's redraw and the tournament's time (benchmarks/studio_bench.py)."""
    empty = {
        "studio_redraw_p95_ms": None,
        "studio_redraw_ms": None,
        "tournament_s": None,
        "tournament_plans": None,
    }
    script = _benchmark("studio_bench.py")
    if script is None:
        return empty
    argv = [sys.executable, str(script), "--json"] + (["--edits", "10"] if quick else [])
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        return empty
    figures = json.loads(done.stdout)
    return {
        "studio_redraw_p95_ms": round(figures["studio_redraw_ms"]["p95"], 1),
        "studio_redraw_ms": round(figures["studio_redraw_ms"]["median"], 1),
        "tournament_s": round(figures["tournament_s"], 2),
        "tournament_plans": figures["tournament_plans"],
    }


def table(results: dict[str, object]) -> str:
    m = results["machine"]
    rows = [f"finops-tui bench on {m['cores']} cores, {m['cpu']}, Python {m['python']}", ""]
    rows.append(f"{'figure':<22}{'measured':>12}  {'bar':>10}  verdict")
    for key, (op, bar) in BARS.items():
        value = results.get(key)
        if value is None:
            verdict, shown = "not measured", "-"
        else:
            ok = {"<": value < bar, "<=": value <= bar, ">=": value >= bar}[op]
            verdict, shown = ("ok" if ok else "MISSED"), f"{value:g}"
        rows.append(f"{key:<22}{shown:>12}  {op + ' ' + format(bar, 'g'):>10}  {verdict}")
    rows.append(f"{'batch_identical':<22}{results.get('batch_identical')!s:>12}")
    if results.get("loop_seeds") is not None:  # what the speed-up compares
        rows.append(
            f"{'':<22}per game: {results['loop_game_ms']:g} ms looped over "
            f"{results['loop_seeds']} seeds, {results['batch_game_ms']:g} ms in a batch of "
            f"{results['batch_seeds']}"
        )
    if results.get("verify_replays") is not None:  # what verify_s and leaderboard_s cover
        rows.append(
            f"{'':<22}verify_s and leaderboard_s ({results['leaderboard_s']:g} s): "
            f"{results['verify_replays']:,} replays of one level and seed"
        )
    typed_on = results.get("fan_redraw_typed_on_ms")
    if typed_on is not None:  # the fan's p95 when a key follows the decision at once
        rows.append(f"{'fan_redraw_typed_on_ms':<22}{typed_on:>12g}")
    return "\n".join(rows)
