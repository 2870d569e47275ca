"""Measure the app's bars in a real pseudo-terminal, the way a player meets them.

    .venv/bin/python benchmarks/ui_bench.py [--runs 5] [--keys 40] [--json]

- first screen: from spawning `finops-tui` to the title screen's text on the terminal
  (bar: 1 s);
- key press: on the turn screen of `play sandbox`, from writing a key to the terminal
  to the first bytes of the redraw it causes (bar: 50 ms); the time until the screen
  is quiet again (tab underlines and scrolls animate) is reported beside it;
- memory: peak resident set (VmHWM) of the app after a whole tutorial game, debrief
  included (bar: 120 MB).

A benchmark, not a test: figures depend on the machine; run it by hand and report.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).with_name("finops-tui")
QUIET = 0.03  # seconds without output that end a redraw


class Terminal:
    """The app in a pseudo-terminal of a fixed size; we read what it draws."""

    def __init__(self, args: list[str], size: tuple[int, int] = (80, 24)) -> None:
        self.saves = tempfile.mkdtemp(prefix="finops-bench-")
        env = {**os.environ, "TERM": "xterm-256color", "FINOPS_TUI_SAVES": self.saves}
        env.pop("NO_COLOR", None)
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(ROOT)
            os.execve(str(EXE), [str(EXE), *args], env)
        self.pid, self.fd = pid, fd
        cols, rows = size
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.output = b""

    def read_until(self, needle: bytes, timeout: float = 10.0) -> float:
        """Seconds until `needle` has been drawn (since spawning)."""
        end = time.perf_counter() + timeout
        while needle not in self.output:
            if time.perf_counter() > end:
                raise TimeoutError(f"never drew {needle!r}")
            self._read(0.05)
        return time.perf_counter() - self.started

    def drain(self, quiet: float = QUIET, timeout: float = 5.0) -> float:
        """Read until the app has been quiet for `quiet` s; the time of the last byte."""
        last = time.perf_counter()
        end = last + timeout
        while time.perf_counter() < end:
            if self._read(quiet):
                last = time.perf_counter()
            else:
                break
        return last

    def key(self, data: bytes) -> tuple[float, float]:
        """Milliseconds from writing a key to the first byte of its redraw, and to the
        last (the end of any animation it starts, such as a tab's underline sliding)."""
        self.drain(0.2)
        sent = time.perf_counter()
        os.write(self.fd, data)
        if not self._read(2.0):
            raise TimeoutError(f"no redraw after {data!r}")
        first = time.perf_counter()
        return (first - sent) * 1000, (self.drain() - sent) * 1000

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return False
        self.output += chunk
        return bool(chunk)

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def first_screen(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        term = Terminal(["play"])
        try:
            times.append(term.read_until(b"FinOps TUI"))
        finally:
            term.close()
    return times


def key_presses(count: int) -> list[tuple[float, float]]:
    """Tab through the sandbox's decisions and flip a choice: each key a redraw."""
    term = Terminal(["play", "sandbox", "--seed", "1"])
    try:
        term.read_until(b"Briefing")
        term.key(b"\r")
        term.read_until(b"estimated")
        keys = [b"\t", b"\t", b"\x1b[Z", b"d", b"\t", b"\x1b[Z", b"\x1b[Z", b"d"]
        return [term.key(keys[i % len(keys)]) for i in range(count)]
    finally:
        term.close()


def memory_after_a_game() -> float:
    term = Terminal(["play", "tutorial", "--seed", "1"])
    try:
        term.read_until(b"Briefing")
        term.key(b"\r")
        for _ in range(3):
            term.read_until(b"estimated")
            term.key(b"n")
            term.read_until(b"Advisor")
            term.key(b"\r")
        term.read_until(b"Debrief")
        time.sleep(1.0)  # the par and naive runs finish in a worker
        term.drain(0.3)
        return term.peak_rss_mb()
    finally:
        term.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="launches to time")
    parser.add_argument("--keys", type=int, default=40, help="key presses to time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    starts = first_screen(args.runs)
    presses = key_presses(args.keys)
    keys = [first for first, _ in presses]
    settled = [last for _, last in presses]
    rss = memory_after_a_game()
    figures = {
        "first_screen_s": {"median": statistics.median(starts), "max": max(starts)},
        "key_press_ms": {
            "median": statistics.median(keys),
            "p95": sorted(keys)[int(0.95 * (len(keys) - 1))],
            "max": max(keys),
            "settled_median": statistics.median(settled),
            "settled_max": max(settled),
        },
        "peak_rss_mb": rss,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"first screen  median {figures['first_screen_s']['median']:.2f} s, "
        f"max {figures['first_screen_s']['max']:.2f} s   (bar 1 s)"
    )
    k = figures["key_press_ms"]
    print(
        f"key press     first redraw median {k['median']:.0f} ms, p95 {k['p95']:.0f} ms, "
        f"max {k['max']:.0f} ms   (bar 50 ms)"
    )
    print(
        f"              settled (animations done) median {k['settled_median']:.0f} ms, "
        f"max {k['settled_max']:.0f} ms"
    )
    print(f"peak memory   {rss:.0f} MB after a whole game   (bar 120 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
