"""Replays verified by the thousand: a class's or a course's, in one pass of the batch engine.

`verify_replay` re-plays one file through the single-game engine (about 20 ms for a
12-turn level). Here replays are grouped by what their games share (level, setting,
injected events, content hashes and seed) and each group is played as one batch, in
which game i equals the single game of replay i exactly. A replay that is not plainly
honest (a hash, a claim, a decision or the checksum off, a game not finished) is
handed to `verify_replay` itself, so every verdict, and every message, is the one
checking it alone would give.

Two more things make 10,000 replays take seconds rather than minutes: a file that is
plainly a save is parsed with rtoml (ten times faster than tomllib; anything else is
read by `read_save`), and a large set is split between processes, one per core.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from finops_tui.content.errors import ContentError
from finops_tui.content.saves import (
    MAX_SAVE_BYTES,
    SAVE_FORMAT,
    Claimed,
    SaveFile,
    claim_difference,
    level_hash,
    prices_hash,
    read_save,
    save_checksum,
    scenario_for,
    verify_replay,
)
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import check_decisions, new_game
from finops_tui.engine.kernel import DecisionArrays, initial_state, resolve
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.scoring import game_kpis, score, stars

# Fewer replays than this are verified in this process: a second one costs more than it saves.
PARALLEL_FROM = 400


@dataclass(frozen=True)
class VerifiedReplay:
    """A replay whose claims the engine confirmed: who played what, and what the engine
    computed (never what the file claims)."""

    path: Path
    player: str
    level: str
    setting: str
    seed: int
    turns: int
    score: float
    stars: int
    spend_usd: float
    turns_over_budget: int
    play: str  # equal for replays with the same level, setting, seed and every decision

    @classmethod
    def of(cls, path: Path, save: SaveFile, **result: float) -> VerifiedReplay:
        return cls(
            path=path,
            player=save.player,
            level=save.level,
            setting=save.setting,
            seed=save.seed,
            turns=save.turn,
            play=play_digest(save),
            **result,  # type: ignore[arg-type]
        )


Verdict = VerifiedReplay | ContentError


def play_digest(save: SaveFile) -> str:
    """A digest of level, setting, seed and every decision: equal for identical play."""
    # Field values in field order, floats by repr (exact): the same in every process.
    turns = [
        [tuple(part.__dict__.values()) for part in (d.training, d.inference, d.practices)]
        + [d.forecast_usd]
        for d in save.turns
    ]
    blob = repr([save.level, save.setting, save.seed, turns])
    return hashlib.sha256(blob.encode()).hexdigest()


def verify_replays(paths: Sequence[Path | str], processes: int | None = None) -> list[Verdict]:
    """Each replay's verdict, in order: what `verify_replay` would say of it alone.

    `processes` splits the work (default: one per core for PARALLEL_FROM replays or more).
    """
    if processes is None:
        processes = min(os.cpu_count() or 1, 8) if len(paths) >= PARALLEL_FROM else 1
    processes = max(1, min(processes, len(paths)))
    # Forking a process that has loaded numpy is safe on Linux, not on macOS or Windows.
    if processes == 1 or not sys.platform.startswith("linux"):
        return _verify_here(paths)
    size = -(-len(paths) // processes)
    chunks = [list(paths[i : i + size]) for i in range(0, len(paths), size)]
    try:
        # fork: the children have the engine imported already, and nothing to re-read.
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            parts = pool.map(_verify_sent, chunks)
    except OSError:  # no process to be had (a limit, no memory): verify them here
        return _verify_here(paths)
    return [ContentError(v[1]) if isinstance(v, tuple) else v for part in parts for v in part]


def _verify_sent(paths: list[Path | str]) -> list[VerifiedReplay | tuple[str, list[str]]]:
    """In a worker: the verdicts, with errors as (kind, problems) (ContentError does not
    survive pickling)."""
    return [
        ("error", v.problems) if isinstance(v, ContentError) else v for v in _verify_here(paths)
    ]


def _verify_here(paths: Sequence[Path | str]) -> list[Verdict]:
    verdicts: list[Verdict | None] = [None] * len(paths)
    groups: dict[tuple, list[tuple[int, Path, SaveFile]]] = {}
    for i, name in enumerate(paths):
        path = Path(name)
        try:
            save = _read(path)
        except ContentError as exc:
            verdicts[i] = exc
            continue
        groups.setdefault(_game_key(save), []).append((i, path, save))
    scenarios: dict[tuple, Scenario | ContentError] = {}
    for key, members in groups.items():
        first_path, first_save = members[0][1], members[0][2]
        scenario_key = key[:3]
        if scenario_key not in scenarios:
            try:
                scenarios[scenario_key] = scenario_for(first_path, first_save)
            except ContentError as exc:
                scenarios[scenario_key] = exc
        scenario = scenarios[scenario_key]
        if isinstance(scenario, ContentError):
            for i, path, save in members:
                verdicts[i] = _same_problem(scenario, first_path, path, save)
            continue
        for i, verdict in _verify_group(scenario, members):
            verdicts[i] = verdict
    assert all(v is not None for v in verdicts)
    return verdicts  # type: ignore[return-value]


def _read(path: Path) -> SaveFile:
    """What `read_save` reads, the quick way when the file is plainly a finops-tui save."""
    save = _read_quickly(path)
    return save if save is not None else read_save(path)


def _read_quickly(path: Path) -> SaveFile | None:
    """The save, parsed with rtoml; None for anything `read_save` should judge itself.

    rtoml reads TOML 1.1, which tomllib refuses in a few places (escapes such as \\e and
    \\x41, inline tables over several lines or with a trailing comma, times without
    seconds, a byte-order mark). A file with a backslash or a brace, or starting with a
    byte-order mark, is left to `read_save`; a time where a save has text or a number is
    refused by the model either way.
    """
    try:
        import rtoml
    except ImportError:  # an optional speed-up: tomllib reads the same saves
        return None
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SAVE_BYTES:
            return None
        text = path.read_bytes().decode("utf-8")
        if text.startswith("\ufeff") or "\\" in text or "{" in text:
            return None
        data = rtoml.loads(text)
        fmt = data.get("format")
        if type(fmt) is not int or fmt != SAVE_FORMAT or "integrity" not in data:
            return None
        return SaveFile.model_validate(data)
    except Exception:  # whatever it is, read_save names it in its own words
        return None


def _game_key(save: SaveFile) -> tuple:
    """What the games of a batch must share: the scenario (first three), then the rest."""
    injected = (
        json.dumps([e.model_dump(mode="json") for e in save.injected], sort_keys=True)
        if save.injected
        else ""
    )
    return (save.level, save.setting, injected, save.level_hash, save.prices_hash, save.seed)


def _same_problem(exc: ContentError, first: Path, path: Path, save: SaveFile) -> ContentError:
    """The scenario's problem as `path` itself would be told it (it names the file)."""
    prefix = f"{first}: "
    if all(p.startswith(prefix) for p in exc.problems):
        return ContentError([f"{path}: {p[len(prefix) :]}" for p in exc.problems])
    try:
        scenario_for(path, save)
    except ContentError as own:
        return own
    return exc


def _verify_group(
    scenario: Scenario, members: list[tuple[int, Path, SaveFile]]
) -> list[tuple[int, Verdict]]:
    """One batch for the members that look honest; `verify_replay` for the others."""
    level = scenario.level
    hashes = (level_hash(level), prices_hash(scenario.catalog))
    plain, doubtful = [], []
    for member in members:
        save = member[2]
        looks_honest = (
            (save.level_hash, save.prices_hash) == hashes
            and save.turn == level.turns
            and save.integrity.checksum == save_checksum(save)
        )
        (plain if looks_honest else doubtful).append(member)
    out: list[tuple[int, Verdict]] = []
    if plain:
        try:
            games = _play(scenario, [save for _, _, save in plain])
        except (ValueError, ArithmeticError):
            games = None  # one game the engine refuses: each is told alone, below
        if games is None:
            doubtful += plain
        else:
            for (i, path, save), game in zip(plain, games, strict=True):
                if game is None or claim_difference(save.claimed, game[0]) is not None:
                    doubtful.append((i, path, save))
                    continue
                claimed, over = game
                result = VerifiedReplay.of(
                    path,
                    save,
                    score=claimed.score,
                    stars=claimed.stars,
                    spend_usd=claimed.spend_usd,
                    turns_over_budget=over,
                )
                out.append((i, result))
    for i, path, _ in doubtful:
        out.append((i, _verify_alone(path, scenario)))
    return out


def _verify_alone(path: Path, scenario: Scenario) -> Verdict:
    try:
        _, state, save = verify_replay(path, scenario)
    except ContentError as exc:
        return exc
    return VerifiedReplay.of(
        path,
        save,
        score=state.score,
        stars=state.stars,
        spend_usd=state.spend_usd,
        turns_over_budget=sum(r.spend_usd > r.budget_usd for r in state.history),
    )


def _play(scenario: Scenario, saves: list[SaveFile]) -> list[tuple[Claimed, int] | None]:
    """Every save's game in one batch: (the result as a claim, turns over budget) each,
    or None for a game with a decision `resolve_turn` would refuse."""
    level = scenario.level
    seeds = np.array([save.seed for save in saves], dtype=np.int64)
    refused = np.zeros(seeds.size, dtype=bool)
    refusals = _static_refusals(scenario, saves)
    state = initial_state(scenario, seeds)
    spend, budget = [], []
    for t in range(level.turns):
        arrays, problems = _turn_arrays(scenario, [save.turns[t] for save in saves], refusals)
        refused |= problems
        if level.budget.hard_cap:
            # resolve_turn refuses a turn whose calm-world estimate is over the hard cap.
            _, estimate = resolve(scenario, state, arrays, quiet=True)
            refused |= estimate.spend > estimate.budget
        state, out = resolve(scenario, state, arrays)
        spend.append(out.spend)
        budget.append(out.budget)
    kpis = game_kpis(scenario, state)
    scores = score(level, kpis)
    star_counts = stars(level, scores)
    spend_cents, budget_cents = np.stack(spend, axis=1), np.stack(budget, axis=1)
    games: list[tuple[Claimed, int] | None] = []
    for i in range(seeds.size):
        if refused[i]:
            games.append(None)
            continue
        claimed = Claimed.model_construct(
            score=float(scores[i]),
            stars=int(star_counts[i]),
            # As GameState.spend_usd adds it: each period's cents in dollars, in order.
            spend_usd=sum(int(c) / 100.0 for c in spend_cents[i]),
            kpis={k: float(v[i]) for k, v in kpis.items()},
        )
        games.append((claimed, int((spend_cents[i] > budget_cents[i]).sum())))
    return games


def _choices(decisions: Decisions) -> tuple:
    """Decisions but the player's forecast, which no check looks at and every player
    types differently: converted and checked once for all the games that share them."""
    return tuple(
        tuple(part.__dict__.values())
        for part in (decisions.training, decisions.inference, decisions.practices)
    )


def _static_refusals(scenario: Scenario, saves: list[SaveFile]) -> dict[tuple, bool]:
    """For each distinct choice of the saves: would `check_decisions` refuse it, the hard
    cap left aside (it depends on the game's state; `_play` checks it)."""
    level = scenario.level
    uncapped = scenario
    if level.budget.hard_cap:
        budget = level.budget.model_copy(update={"hard_cap": False})
        uncapped = replace(scenario, level=level.model_copy(update={"budget": budget}))
    state = new_game(uncapped, saves[0].seed)
    refusals: dict[tuple, bool] = {}
    for save in saves:
        for decisions in save.turns:
            key = _choices(decisions)
            if key not in refusals:
                refusals[key] = bool(check_decisions(uncapped, state, decisions))
    return refusals


def _turn_arrays(
    scenario: Scenario, decisions: list[Decisions], refusals: dict[tuple, bool]
) -> tuple[DecisionArrays, np.ndarray]:
    """One turn's decisions as arrays, each distinct choice converted once; which are refused."""
    index: dict[tuple, int] = {}
    first: list[Decisions] = []
    rows = np.empty(len(decisions), dtype=np.int64)
    for i, d in enumerate(decisions):
        key = _choices(d)
        row = index.setdefault(key, len(index))
        if row == len(first):
            first.append(d)
        rows[i] = row
    arrays = DecisionArrays.from_decisions(scenario, first)
    columns = {f.name: getattr(arrays, f.name)[rows] for f in fields(arrays)}
    columns["forecast"] = np.array([d.forecast_usd for d in decisions], dtype=float)
    refused = np.array([refusals[k] for k in index], dtype=bool)[rows]
    return DecisionArrays(**columns), refused
