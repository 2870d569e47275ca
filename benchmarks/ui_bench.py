"""Measure the app's bars in a real pseudo-terminal, the way a player meets them.

    .venv/bin/python benchmarks/ui_bench.py [--runs 5] [--keys 40] [--fans 40] [--json]

- first screen: from spawning `finops-tui` to the title screen's text on the terminal
  (bar: 1 s);
- key press: on the turn screen of `play sandbox`, from writing a key to the terminal
  to the first bytes of the redraw it causes (bar: 50 ms); the time until the screen
  is quiet again (tab underlines and scrolls animate) is reported beside it;
- memory: peak resident set (VmHWM) of the app after a whole tutorial game, debrief
  included, plus the memory its forecast fan's helper process does not share with it
  (bar: 120 MB);
- fan redraw: on the turn screen of `play sandbox` at 120x40, from the key that flips
  training between on-demand and spot to the new forecast fan's P50 on the terminal
  (estimate, 1,000 futures in the helper process the app forks, redraw; bar: 100 ms).
  Every other flip, a key is pressed while the worker computes, as a player tabbing on
  would. The time
  `forecast_fan` takes in this process for the same decisions is reported beside it;
  inside the app (headless, the same screen, with no helper: the fan's worker thread
  shares the interpreter), the worker's own time and the time from its result to the
  chart being painted are timed too.

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
SETTLED = 0.1  # seconds without output before a timed key: any animation is over
TYPE_AHEAD = 0.01  # seconds after a choice before the key pressed while the fan computes


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

    def wait_for(self, needle: bytes, since: int, timeout: float = 10.0) -> float:
        """perf_counter() when `needle` has been drawn in the output after offset `since`."""
        end = time.perf_counter() + timeout
        while needle not in self.output[since:]:
            if time.perf_counter() > end:
                raise TimeoutError(f"never drew {needle!r}")
            self._read(0.05)
        return time.perf_counter()

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
        self.drain(SETTLED)
        sent = time.perf_counter()
        os.write(self.fd, data)
        if not self._read(2.0):
            raise TimeoutError(f"no redraw after {data!r}")
        first = time.perf_counter()
        return (first - sent) * 1000, (self.drain() - sent) * 1000

    def key_now(self, data: bytes) -> float:
        """Milliseconds from writing a key to the first redraw after it, without waiting
        for the screen to be quiet first (the app may be busy)."""
        self.drain(0.0, timeout=0.001)
        since = len(self.output)
        sent = time.perf_counter()
        os.write(self.fd, data)
        end = sent + 2.0
        while len(self.output) == since:
            if time.perf_counter() > end:
                raise TimeoutError(f"no redraw after {data!r}")
            self._read(0.5)
        return (time.perf_counter() - sent) * 1000

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

    def helpers_private_mb(self) -> float:
        """Memory the app's helper processes (the forecast fan's) hold that the app does
        not share: what they add to a player's footprint."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        total_kb = 0
        for child in children:
            for line in Path(f"/proc/{child}/smaps_rollup").read_text().splitlines():
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total_kb += int(line.split()[1])
        return total_kb / 1024

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
        return term.peak_rss_mb() + term.helpers_private_mb()
    finally:
        term.close()


def fan_redraws(count: int) -> tuple[list[float], list[float], list[float]]:
    """Flip training between on-demand and spot: each flip is a decision with a new fan.

    Returns milliseconds from the key to the new fan's rest-of-game P50 on the terminal,
    milliseconds `forecast_fan` takes here for the same decisions, and milliseconds to
    the first redraw of keys pressed while the fan's worker computes.
    """
    from finops_tui.content.levels import load_scenario
    from finops_tui.engine import new_game, start_decisions
    from finops_tui.engine.batch import forecast_fan
    from finops_tui.gameplay.fields import with_decision
    from finops_tui.gameplay.format import usd

    scenario = load_scenario("sandbox")
    state = new_game(scenario, 1)
    on_demand = start_decisions(scenario)
    spot = with_decision(on_demand, "training.pricing", "spot")
    shown: dict[str, bytes] = {}
    compute = []
    for _ in range(max(3, count // 4)):
        for decisions in (on_demand, spot):
            started = time.perf_counter()
            fan = forecast_fan(scenario, state.batch, decisions, futures=1000)
            compute.append((time.perf_counter() - started) * 1000)
            shown[decisions.training.pricing] = usd(fan.total_p50).encode()
    if shown["on-demand"] == shown["spot"]:
        raise RuntimeError("the two fans read the same: pick decisions that differ more")

    term = Terminal(["play", "sandbox", "--seed", "1"], size=(120, 40))
    try:
        term.read_until(b"Briefing")
        term.key(b"\r")
        term.read_until(shown["on-demand"])
        term.key(b"\t")  # GPU type -> GPUs
        term.key(b"\t")  # GPUs -> Buy as (on-demand chosen)
        times, during = [], []
        target, move = "spot", b"\x1b[B"
        for i in range(count):
            term.key(move)  # highlight the other option: not yet a decision
            term.drain(SETTLED)
            since = len(term.output)
            sent = time.perf_counter()
            os.write(term.fd, b" ")  # choose it: the decision changes
            if i % 2:
                # Every other change, a key while the worker computes: the UI must answer.
                time.sleep(TYPE_AHEAD)
                during.append(term.key_now(b"\t"))  # focus moves to the next decision
            times.append((term.wait_for(shown[target], since) - sent) * 1000)
            term.drain(0.15)  # the rest of the redraw
            if i % 2:
                term.key(b"\x1b[Z")  # shift+tab: back to "Buy as"
            if target == "spot":
                target, move = "on-demand", b"\x1b[A"
            else:
                target, move = "spot", b"\x1b[B"
        return times, compute, during
    finally:
        term.close()


def fan_inside_the_app(count: int) -> tuple[list[float], list[float]]:
    """In the app itself (headless): the fan worker's time, and its result -> painted.

    Returns milliseconds of `forecast_fan` in the worker (it shares the interpreter with
    the redraw of the estimate), and milliseconds from the worker's result to the chart
    rendering the new fan.
    """
    import asyncio

    from textual.widgets import RadioButton

    import finops_tui.ui.screens.turn as turn
    from finops_tui.ui.app import create_app
    from finops_tui.ui.widgets.spend_chart import SpendChart

    stamps: dict[str, float] = {}
    painted: dict[int, tuple[object, float]] = {}  # id(fan) -> (fan, first render of it)
    forecast, render = turn.forecast_fan, SpendChart._draw_strips

    def timed_forecast(*args, **kwargs):
        stamps["asked"] = time.perf_counter()
        fan = forecast(*args, **kwargs)
        stamps["result"] = time.perf_counter()
        return fan

    def timed_render(self):
        fan = self.series.fan
        if fan is not None and id(fan) not in painted:
            painted[id(fan)] = (fan, time.perf_counter())  # the fan is kept: ids stay unique
        return render(self)

    async def until(condition, what: str) -> None:
        end = time.perf_counter() + 10.0
        while not condition():
            if time.perf_counter() > end:
                raise TimeoutError(what)
            await asyncio.sleep(0.001)

    async def run() -> tuple[list[float], list[float]]:
        compute, paint = [], []
        app = create_app(level="sandbox", seed=1, animate=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("enter")
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            screen = app.screen
            for i in range(count):
                before = screen.fan
                for button in screen.query_one("#training--pricing").query(RadioButton):
                    if button.name == ("spot" if i % 2 == 0 else "on-demand"):
                        button.value = True
                await until(lambda before=before: screen.fan is not before, "no new fan")
                fan = screen.fan
                await until(lambda fan=fan: id(fan) in painted, "the new fan was never painted")
                compute.append((stamps["result"] - stamps["asked"]) * 1000)
                paint.append((painted[id(fan)][1] - stamps["result"]) * 1000)
                await pilot.pause(0.2)
        return compute, paint

    turn.forecast_fan, SpendChart._draw_strips = timed_forecast, timed_render
    try:
        return asyncio.run(run())
    finally:
        turn.forecast_fan, SpendChart._draw_strips = forecast, render


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def fan_figures(fans, alone, typed_on, compute, in_app, painted, during) -> dict[str, float]:
    return {
        "median": statistics.median(fans),
        "p95": p95(fans),
        "max": max(fans),
        "choice_only_median": statistics.median(alone),
        "choice_only_p95": p95(alone),
        "key_typed_on_median": statistics.median(typed_on),
        "key_typed_on_p95": p95(typed_on),
        "forecast_median": statistics.median(compute),
        "in_app_forecast_median": statistics.median(in_app),
        "result_to_painted_median": statistics.median(painted),
        "result_to_painted_max": max(painted),
        "key_during_forecast_median": statistics.median(during),
        "key_during_forecast_p95": p95(during),
        "key_during_forecast_max": max(during),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="launches to time")
    parser.add_argument("--keys", type=int, default=40, help="key presses to time")
    parser.add_argument("--fans", type=int, default=40, help="decision changes to time")
    parser.add_argument(
        "--in-app", type=int, default=10, help="decision changes timed inside the app"
    )
    parser.add_argument("--fan-only", action="store_true", help="only the fan's figures")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    fans, compute, during = fan_redraws(args.fans)
    alone, typed_on = fans[0::2], fans[1::2]  # even flips: the choice only
    in_app, painted = fan_inside_the_app(args.in_app)
    if args.fan_only:
        print(json.dumps(fan_figures(fans, alone, typed_on, compute, in_app, painted, during)))
        return 0
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
        "fan_redraw_ms": fan_figures(fans, alone, typed_on, compute, in_app, painted, during),
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
    f = figures["fan_redraw_ms"]
    print(
        f"fan redraw    decision -> new fan on screen median {f['median']:.0f} ms, "
        f"p95 {f['p95']:.0f} ms, max {f['max']:.0f} ms   (bar 100 ms)"
    )
    print(
        f"              the choice alone median {f['choice_only_median']:.0f} ms, "
        f"p95 {f['choice_only_p95']:.0f} ms; with a key typed on while the fan computes "
        f"median {f['key_typed_on_median']:.0f} ms, p95 {f['key_typed_on_p95']:.0f} ms"
    )
    print(
        f"              forecast_fan alone {f['forecast_median']:.0f} ms; in the app's worker "
        f"{f['in_app_forecast_median']:.0f} ms"
    )
    print(
        f"              result -> chart painted median {f['result_to_painted_median']:.0f} ms, "
        f"max {f['result_to_painted_max']:.0f} ms"
    )
    print(
        f"              a key while the fan computes: first redraw median "
        f"{f['key_during_forecast_median']:.0f} ms, max {f['key_during_forecast_max']:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
