"""Kill a process while it saves, again and again: the previous save is always intact."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from finops_tui.content.levels import load_scenario
from finops_tui.content.saves import (
    SaveStore,
    learning_from,
    load_save,
    read_save,
    save_from_state,
    write_save,
)
from finops_tui.engine import plan_decisions, play

KILLS = 50
# Bounds the test on a slow machine; a healthy run takes about 20 s on 2 cores.
DEADLINE_S = 180

# The writer serializes its saves once, then only writes: almost all of its time is
# spent in the atomic write (`write_save` is `save_text` + `atomic_write_text`), so
# most kills land mid-write even on a RAM disk where fsync costs nothing.
WRITER = """
import itertools, sys
from pathlib import Path
from finops_tui.content.files import atomic_write_text
from finops_tui.content.saves import read_save, save_text
target = Path(sys.argv[1])
texts = [save_text(read_save(Path(p))) for p in sys.argv[2:]]
print("ready", flush=True)
for text in itertools.cycle(texts):
    atomic_write_text(target, text)
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def test_killing_a_writer_mid_save_never_loses_the_previous_save(tmp_path):
    scenario = load_scenario("tutorial")
    decisions = plan_decisions(scenario, scenario.level.plans["naive"])
    sources = []
    for turn in (1, 2, 3):
        path = tmp_path / "sources" / f"turn{turn}.toml"
        write_save(path, save_from_state(scenario, play(scenario, 5, decisions[:turn]), "kill"))
        sources.append(path)
    known = {read_save(p).integrity.checksum: read_save(p).turn for p in sources}
    folder = tmp_path / "saves"
    target = folder / "game.toml"
    write_save(target, read_save(sources[0]))
    store = SaveStore(folder)
    rng = random.Random(20261127)
    started = time.monotonic()
    mid_write = 0
    seen_turns: set[int] = set()
    for kill in range(KILLS):
        assert time.monotonic() - started < DEADLINE_S, f"only {kill} kills in {DEADLINE_S}s"
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target), *map(str, sources)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        ready = writer.stdout.readline()
        assert ready == "ready\n", writer.stderr.read() if writer.stderr else ""
        time.sleep(rng.uniform(0, 0.03))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        assert writer.returncode == -signal.SIGKILL

        # The save on disk is one of the complete saves, and it replays.
        save = read_save(target)
        assert known[save.integrity.checksum] == save.turn, f"kill {kill}: a mixed save"
        _, state, _ = load_save(target)
        assert state.turn == save.turn
        seen_turns.add(save.turn)
        # A write cut short leaves its temporary file; it is never taken for a save.
        temps = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
        assert all(p.name.startswith(".game.toml.") for p in temps)
        mid_write += len(temps)
        entries = store.list()
        assert [(e.path, e.problem) for e in entries] == [(target, None)], f"kill {kill}"
        for temp in temps:
            temp.unlink()

    print(f"{KILLS} kills, {mid_write} mid-write, turns seen {sorted(seen_turns)}, all intact")
    # The kills must really land mid-save, or the test proves nothing.
    assert mid_write >= KILLS // 5, f"only {mid_write} of {KILLS} kills landed mid-write"
    assert len(seen_turns) >= 2


# A learner's folder as the app writes it: the finished game's record rewritten with
# what is typed after the debrief, while a new game of the same level autosaves next to
# it, turn after turn, and is deleted now and then.
DRAFTS = """
drafts = [
    {"quiz": [{"question": 0, "choice": n % 3, "correct": n % 3 == 0}] * (1 + n % 3),
     "justification": f"draft {n} " + "why " * (50 * n),
     "reflections": {"What surprised you?": f"reflection {n}"}}
    for n in range(4)
]
"""
RECORD_WRITER = """
import itertools, sys
from pathlib import Path
from finops_tui.content.levels import load_scenario
from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play
folder, record = Path(sys.argv[1]), Path(sys.argv[2])
scenario = load_scenario("tutorial")
store = SaveStore(folder)
finished = play(scenario, 5, plan_decisions(scenario, scenario.level.plans["par"]))
naive = plan_decisions(scenario, scenario.level.plans["naive"])
new_game = [play(scenario, 5, naive[:turn]) for turn in (1, 2)]
{drafts}
print("ready", flush=True)
for n in itertools.count():
    store.autosave(scenario, finished, "kill", drafts[n % len(drafts)], path=record)
    path = store.new_autosave_path("tutorial", "kill")
    for state in new_game:
        path = store.autosave(scenario, state, "kill", path=path)
    store.delete(path)
""".replace("{drafts}", DRAFTS)
RECORD_KILLS = 30  # at least this many kills, and more until enough land mid-write
RECORD_MID_WRITES = RECORD_KILLS // 5
RECORD_MAX_KILLS = 150  # a bound on the loop: how often a kill lands mid-write is timing


def test_killing_mid_save_never_loses_or_cuts_a_finished_games_record(tmp_path):
    scenario = load_scenario("tutorial")
    finished = play(scenario, 5, plan_decisions(scenario, scenario.level.plans["par"]))
    folder = tmp_path / "saves"
    store = SaveStore(folder)
    scope: dict = {}
    exec(DRAFTS, {}, scope)  # the writer's drafts, to know each one when it is read back
    drafts = scope["drafts"]
    record = store.autosave(scenario, finished, "kill", drafts[0])
    written = [learning_from(d) for d in drafts]
    rng = random.Random(20261130)
    started = time.monotonic()
    mid_write = 0
    drafts_seen: set[str] = set()
    kills = 0
    while kills < RECORD_KILLS or (mid_write < RECORD_MID_WRITES and kills < RECORD_MAX_KILLS):
        kill, kills = kills, kills + 1
        assert time.monotonic() - started < DEADLINE_S, f"only {kill} kills in {DEADLINE_S}s"
        writer = subprocess.Popen(
            [sys.executable, "-c", RECORD_WRITER, str(folder), str(record)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        ready = writer.stdout.readline()
        assert ready == "ready\n", writer.stderr.read() if writer.stderr else ""
        time.sleep(rng.uniform(0, 0.08))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        assert writer.returncode == -signal.SIGKILL

        # The record is whole, replays to the finished game, and holds one of the drafts.
        _, state, save = load_save(record)
        assert state.finished and state.score == finished.score, f"kill {kill}"
        assert save.learning in written, f"kill {kill}: {save.justification[:20]!r}"
        drafts_seen.add(save.justification.split()[1])
        temps = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
        mid_write += len(temps)
        # Nothing else in the folder is cut short, and the only finished game is the record.
        entries = store.list()
        assert all(e.problem is None for e in entries), [e.problem for e in entries]
        assert [e.path for e in entries if e.finished] == [record], f"kill {kill}"
        for temp in temps:
            temp.unlink()

    print(f"{kills} kills, {mid_write} mid-write, drafts seen {sorted(drafts_seen)}")
    assert mid_write >= RECORD_MID_WRITES, f"only {mid_write} of {kills} kills mid-write"
    assert len(drafts_seen) >= 2
