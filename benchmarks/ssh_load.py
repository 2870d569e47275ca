"""Load test of `finops-tui host`: N players connect at once over SSH, then type.

Measures, per player, the time from connecting to the first screen (the class lobby),
and, once the player has opened the briefing, the time from each key press (scrolling
the briefing) to the first redrawn bytes; reports medians and the 95th percentile.
Only loopback is used. Run:  python benchmarks/ssh_load.py --players 30 [--json]

With --seats 3, the players are teams of three seats (blue+it, blue+finance, blue+ds...),
each member connecting at once. Measured: each member's first screen (from its own
connection) and its way on to the turn screen; then, once the class has arrived (every
screen still for a second, the machine half idle: settle_s), each team's IT seat
switches how training is bought, again and again, the teams spread evenly over the gap,
and the IT seat's key press to its own redraw and to the change showing on each other
seat's screen ("IT: Buy as -> Spot") are timed:
    python benchmarks/ssh_load.py --players 30 --seats 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

ANSI = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|[=>])")
FIRST_SCREEN_TEXT = b"First Bill"


async def start_host(class_dir: Path) -> tuple[asyncio.subprocess.Process, int]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "finops_tui",
        "host",
        "--class-dir",
        str(class_dir),
        "--port",
        "0",
        "--level",
        "tutorial",
        "--max-connections",
        "200",
        "--facilitator-password",
        "load-test",
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    while True:
        line = (await process.stdout.readline()).decode()
        match = re.search(r"127\.0\.0\.1:(\d+)", line)
        if match:
            return process, int(match.group(1))
        if not line:
            raise RuntimeError("the host did not start")


async def player(port: int, name: str, keys: int, gap: float) -> dict:
    start = time.monotonic()
    conn = await asyncssh.connect(
        "127.0.0.1", port, username=name, known_hosts=None, client_keys=None, agent_path=None
    )
    process = await conn.create_process(
        term_type="xterm-256color", term_size=(80, 24), encoding=None
    )
    seen = b""
    while FIRST_SCREEN_TEXT not in ANSI.sub(b"", seen):
        chunk = await asyncio.wait_for(process.stdout.read(65536), 60)
        if not chunk:
            raise RuntimeError(f"{name}: disconnected before the first screen")
        seen += chunk
    first_screen = time.monotonic() - start
    # Open the briefing (the lobby's Enter), then scroll it as a reader would.
    process.stdin.write(b"\r")
    seen = b""
    while b"Briefing" not in ANSI.sub(b"", seen):
        chunk = await asyncio.wait_for(process.stdout.read(65536), 60)
        if not chunk:
            raise RuntimeError(f"{name}: disconnected before the briefing")
        seen += chunk
    await asyncio.sleep(1.0)  # let the screen settle before typing
    latencies = []
    for i in range(keys):
        await drain(process)
        # Scroll the briefing down and up: each key redraws part of the screen.
        process.stdin.write(b"\x1b[B" if i % 2 == 0 else b"\x1b[A")
        sent = time.monotonic()
        await asyncio.wait_for(process.stdout.read(65536), 10)
        latencies.append((time.monotonic() - sent) * 1000)
        await asyncio.sleep(gap)
    process.close()
    conn.close()
    return {"first_screen_s": first_screen, "keypress_ms": latencies}


SEATS = ("it", "finance", "ds")


async def seat_terminal(port: int, user: str):
    conn = await asyncssh.connect(
        "127.0.0.1", port, username=user, known_hosts=None, client_keys=None, agent_path=None
    )
    process = await conn.create_process(
        term_type="xterm-256color", term_size=(100, 30), encoding=None
    )
    return conn, process


async def read_for(process, needle: bytes, timeout: float = 60) -> None:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in ANSI.sub(b"", seen):
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"{needle!r} never appeared")
        chunk = await asyncio.wait_for(process.stdout.read(65536), left)
        if not chunk:
            raise RuntimeError("disconnected")
        seen += chunk


async def seated_member(port: int, user: str):
    """A member arriving: connected, and the time from connecting to its first screen."""
    start = time.monotonic()
    conn, process = await seat_terminal(port, user)
    await read_for(process, FIRST_SCREEN_TEXT)
    return conn, process, time.monotonic() - start


async def to_the_turn(process) -> float:
    """From the lobby, through the briefing, to the team's turn screen: how long it took."""
    start = time.monotonic()
    process.stdin.write(b"\r")
    await read_for(process, b"Briefing")
    process.stdin.write(b"\r")
    await read_for(process, b"Month 1 of")
    return time.monotonic() - start


async def seated_team(
    port: int,
    team: str,
    seats: int,
    changes: int,
    gap: float,
    playing: asyncio.Barrier,
    settled: list[float],
    offset: float = 0.0,
) -> dict:
    """One team of `seats` members, arriving together; its IT seat changes a decision
    `changes` times once every team is on its turn screen (`playing`), starting `offset`
    seconds after the others so that the teams' changes are spread evenly. Measured: each
    member's first screen (from its own connection) and its way to the turn screen,
    the IT seat's key press to its own screen's redraw, and to the change shown on
    each other seat's screen."""
    members = await asyncio.gather(
        *(seated_member(port, f"{team}+{seat}") for seat in SEATS[:seats])
    )
    firsts = [first for _conn, _process, first in members]
    to_turn = await asyncio.gather(*(to_the_turn(process) for _conn, process, _first in members))
    it = members[0][1]
    others = [process for _conn, process, _first in members[1:]]
    await read_for(it, b"deciding")  # IT's screen knows its team: its keys go to the form
    # The class plays once everyone has arrived and the host has settled: thirty turn
    # screens being built at once take the two cores for several seconds (to_turn_s,
    # settle_s), which is arriving, not playing.
    await asyncio.gather(*(drain(process, quiet=1.0) for _conn, process, _first in members))
    if await playing.wait() == 0:
        settled.append(await host_settled())
    await playing.wait()
    # Ten teams do not all click in the same tenth of a second: each starts at its own
    # point of the gap, the same rate of changes as a class, spread as one would be.
    await asyncio.sleep(offset)
    it.stdin.write(b"\t\t")  # to how training is bought
    keys_ms, seen_ms = [], []
    for i in range(changes):
        for process in (it, *others):
            await drain(process)
        word = b"Spot" if i % 2 == 0 else b"On-demand"
        it.stdin.write(b"\x1b[B " if i % 2 == 0 else b"\x1b[A ")
        sent = time.monotonic()
        needle = b"IT: Buy as \xe2\x86\x92 " + word

        async def own_redraw(sent: float = sent) -> None:
            await asyncio.wait_for(it.stdout.read(65536), 10)
            keys_ms.append((time.monotonic() - sent) * 1000)

        await asyncio.gather(own_redraw(), *(read_for(p, needle, 20) for p in others))
        seen_ms.append((time.monotonic() - sent) * 1000)
        await asyncio.sleep(gap)
    for conn, process, _first in members:
        process.close()
        conn.close()
    return {
        "first_screen_s": firsts,
        "to_turn_s": to_turn,
        "keypress_ms": keys_ms,
        "seen_ms": seen_ms,
    }


def cpu_times() -> tuple[int, int] | None:
    """The machine's (busy, total) CPU ticks since boot, from /proc/stat (Linux)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    return sum(fields) - idle, sum(fields)


async def host_settled(idle_share: float = 0.5, most: float = 60.0) -> float:
    """Wait until the machine (host and benchmark share it, loopback only) is at least
    `idle_share` idle over a second; how many seconds that took. Without /proc/stat,
    five seconds."""
    start = time.monotonic()
    before = cpu_times()
    if before is None:
        await asyncio.sleep(5.0)
        return 5.0
    while time.monotonic() - start < most:
        await asyncio.sleep(1.0)
        now = cpu_times()
        assert now is not None
        busy, total = now[0] - before[0], now[1] - before[1]
        before = now
        if total and 1 - busy / total >= idle_share:
            break
    return time.monotonic() - start


async def drain(process, quiet: float = 0.15) -> None:
    """Read until the screen has been still for `quiet` seconds."""
    while True:
        try:
            await asyncio.wait_for(process.stdout.read(65536), quiet)
        except TimeoutError:
            return


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(players: int, keys: int, gap: float, seats: int = 0) -> dict:
    if seats:
        return await main_seated(players, seats, keys, gap)
    with tempfile.TemporaryDirectory() as folder:
        host, port = await start_host(Path(folder) / "class")
        try:
            results = await asyncio.gather(
                *(player(port, f"team{i:02d}", keys, gap) for i in range(players))
            )
        finally:
            host.terminate()
            await host.wait()
    firsts = [r["first_screen_s"] for r in results]
    keys_ms = [ms for r in results for ms in r["keypress_ms"]]
    return {
        "players": players,
        "cores": os.cpu_count(),
        "first_screen_s_median": round(statistics.median(firsts), 2),
        "first_screen_s_max": round(max(firsts), 2),
        "keypress_ms_median": round(statistics.median(keys_ms), 1),
        "keypress_ms_p95": round(percentile(keys_ms, 0.95), 1),
        "key_presses": len(keys_ms),
    }


async def main_seated(players: int, seats: int, changes: int, gap: float) -> dict:
    teams = max(1, players // seats)
    with tempfile.TemporaryDirectory() as folder:
        class_dir = Path(folder) / "class"
        host, port = await start_host(class_dir)
        from finops_tui.content.classroom import ClassDir, Control

        ClassDir(class_dir).write_control(Control(phase="playing", open_turn=1))
        playing = asyncio.Barrier(teams)
        settled: list[float] = []
        try:
            results = await asyncio.gather(
                *(
                    seated_team(
                        port, f"team{i:02d}", seats, changes, gap, playing, settled, gap * i / teams
                    )
                    for i in range(teams)
                )
            )
        finally:
            host.terminate()
            await host.wait()
    seen = [ms for r in results for ms in r["seen_ms"]]
    firsts = [s for r in results for s in r["first_screen_s"]]
    keys_ms = [ms for r in results for ms in r["keypress_ms"]]
    return {
        "teams": teams,
        "seats": seats,
        "cores": os.cpu_count(),
        "first_screen_s_median": round(statistics.median(firsts), 2),
        "first_screen_s_max": round(max(firsts), 2),
        "to_turn_screen_s_max": round(max(s for r in results for s in r["to_turn_s"]), 2),
        "settle_s": round(settled[0], 1),
        "keypress_ms_median": round(statistics.median(keys_ms), 1),
        "keypress_ms_p95": round(percentile(keys_ms, 0.95), 1),
        "seat_change_seen_ms_median": round(statistics.median(seen), 1),
        "seat_change_seen_ms_p95": round(percentile(seen, 0.95), 1),
        "changes": len(seen),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=30)
    parser.add_argument("--keys", type=int, default=20, help="key presses per player")
    parser.add_argument(
        "--gap", type=float, default=1.0, help="seconds between one player's key presses"
    )
    parser.add_argument(
        "--seats", type=int, default=0, choices=(0, 2, 3), help="players per team, in seats"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(main(args.players, args.keys, args.gap, args.seats))
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:<24}{value}")
