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
from finops_tui.content.saves import atomic_write_text, read_save, save_text
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
