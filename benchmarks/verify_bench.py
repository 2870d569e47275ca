"""Time `finops-tui verify` and `leaderboard` on a course's worth of replays.

    .venv/bin/python benchmarks/verify_bench.py [--replays 10000] [--json]

Writes N honest replays of one level and seed into a temporary folder (removed after),
each a different game: every player forecasts each period's spend a little differently,
and one in three plays the level's `naive` plan instead of `par`. Then times the whole
`finops-tui verify` and `finops-tui leaderboard` processes over all of them (bar: 10 s
for 10,000), and checks that every replay was verified.

A benchmark, not a test: figures depend on the machine; run it by hand and report.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LEVEL, SEED = "spot-or-reserved", 0


def write_replays(folder: Path, count: int) -> list[str]:
    """`count` honest replays of LEVEL and SEED in `folder`; their file names.

    Each file is the text finops-tui itself writes (`save_text`, checked on the first
    of each plan), filled in from a template: tomli_w would take most of a minute.
    """
    from finops_tui.content.levels import load_scenario
    from finops_tui.engine import plan_decisions
    from finops_tui.engine.batch import play_batch

    scenario = load_scenario(LEVEL)
    plans = [plan_decisions(scenario, scenario.level.plans[p]) for p in ("par", "naive")]
    games = [_variant(plans[_plan_of(k)], k) for k in range(count)]
    # The claims are the batch engine's: game i of a batch is the single game exactly
    # (tests/unit_tests/test_batch.py), and `verify` checks every claim anyway.
    per_turn = [list(turn) for turn in zip(*games, strict=True)]
    result = play_batch(scenario, np.full(count, SEED), per_turn)
    claims = [
        (
            float(result.score[k]),
            int(result.stars[k]),
            sum(int(c) / 100.0 for c in result.spend_cents[k]),
            {key: float(values[k]) for key, values in result.kpis.items()},
        )
        for k in range(count)
    ]
    global _JOB
    _JOB = (scenario, games, claims, folder)  # forked children inherit it, unpickled
    halves = [range(0, count // 2), range(count // 2, count)]
    try:
        with multiprocessing.get_context("fork").Pool(2) as pool:  # checksums take a while
            parts = pool.map(_write_some, halves)
    finally:
        _JOB = None
    return [name for part in parts for name in part]


_JOB: tuple | None = None


def _variant(decisions: list, k: int) -> list:
    """A plan's decisions with player k's own forecast of each period's spend."""
    rng = np.random.default_rng(k)
    return [
        d.model_copy(update={"forecast_usd": round(float(rng.uniform(1e4, 1e5)), 2)})
        for d in decisions
    ]


def _plan_of(k: int) -> int:
    return 1 if k % 3 == 2 else 0  # one player in three plays `naive`


def _write_some(ks: range) -> list[str]:
    from finops_tui import __version__
    from finops_tui.content.saves import (
        SAVE_FORMAT,
        Claimed,
        Integrity,
        SaveFile,
        level_hash,
        prices_hash,
        save_checksum,
        save_text,
    )

    assert _JOB is not None
    scenario, games, claims, folder = _JOB
    common = {
        "format": SAVE_FORMAT,
        "app_version": __version__,
        "level": LEVEL,
        "setting": scenario.level.setting,
        "injected": [],
        "level_hash": level_hash(scenario.level),
        "prices_hash": prices_hash(scenario.catalog),
        "seed": SEED,
    }
    templates: dict[int, str] = {}
    names = []
    for k in ks:
        score, stars, spend, kpis = claims[k]
        claimed = Claimed(score=score, stars=stars, spend_usd=spend, kpis=kpis)
        draft = SaveFile.model_construct(
            **common, player=f"team {k:05d}", claimed=claimed, turns=games[k]
        )
        checksum = save_checksum(draft)
        plan = _plan_of(k)
        if plan not in templates:
            save = SaveFile.model_construct(**dict(draft), integrity=Integrity(checksum=checksum))
            templates[plan] = _template(save_text(save), draft, checksum)
        values = {
            "player": f'"{draft.player}"',
            "checksum": f'"{checksum}"',
            "score": str(score),
            "stars": str(stars),
            "spend_usd": str(spend),
            **{f"kpi_{key}": str(value) for key, value in kpis.items()},
            **{f"forecast_{t}": str(d.forecast_usd) for t, d in enumerate(games[k])},
        }
        name = f"r{k:05d}.toml"
        (folder / name).write_text(templates[plan].format(**values), encoding="utf-8")
        names.append(name)
    return names


def _template(text: str, save, checksum: str) -> str:
    """The save's text with its player's own values as {fields}; the rest is shared."""
    text = text.replace("{", "{{").replace("}", "}}")
    lines = text.splitlines(keepends=True)
    forecasts = iter(range(len(save.turns)))
    table = ""
    for i, line in enumerate(lines):
        if line.startswith("["):
            table = line.strip()
            continue
        key = line.split(" = ", 1)[0]
        if key == "player":
            lines[i] = "player = {player}\n"
        elif key == "checksum":
            lines[i] = "checksum = {checksum}\n"
        elif table == "[claimed]" and key in ("score", "stars", "spend_usd"):
            lines[i] = f"{key} = {{{key}}}\n"
        elif table == "[claimed.kpis]" and " = " in line:
            lines[i] = f"{key} = {{kpi_{key}}}\n"
        elif table == "[[turns]]" and key == "forecast_usd":
            lines[i] = f"forecast_usd = {{forecast_{next(forecasts)}}}\n"
    template = "".join(lines)
    assert next(forecasts, None) is None and f'"{checksum}"' in text
    return template


def timed(argv: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replays", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "finops_tui"]
    # In memory where there is such a folder: writing 10,000 files to disk is slow, and
    # `verify` reads them from the page cache either way.
    shm = Path("/dev/shm")
    where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="finops-verify-bench-", dir=where) as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        names = write_replays(folder, args.replays)
        written_s = time.perf_counter() - start
        verify_s, verified = timed([*cli, "verify", *names], folder)
        board_s, board = timed([*cli, "leaderboard", "--json", *names], folder)
    ok = sum(line.split(": ", 2)[1:2] == ["ok"] for line in verified.stdout.splitlines())
    ranked = len(json.loads(board.stdout)["rows"]) if board.returncode == 0 else 0
    if verified.returncode != 0 or ok != args.replays or ranked != args.replays:
        print(
            f"verify_bench: {ok} of {args.replays} verified (exit {verified.returncode}), "
            f"{ranked} ranked (exit {board.returncode}): {verified.stderr or board.stderr}",
            file=sys.stderr,
        )
        return 1
    figures = {
        "level": LEVEL,
        "seed": SEED,
        "replays": args.replays,
        "write_s": written_s,
        "verify_s": verify_s,
        "leaderboard_s": board_s,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"{args.replays:,} replays of {LEVEL}, seed {SEED}: verify {verify_s:.2f} s, "
            f"leaderboard {board_s:.2f} s   (bar 10 s; written in {written_s:.1f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
