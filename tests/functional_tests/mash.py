"""Mashing keys at an app faster than it draws, and counting which screen got each.

The mash tests steer to a screen, send seeded random keys in bursts (as a player does
who types faster than the redraw), and steer back when the keys have taken them away
before that screen got its share. Every key is counted against the screen on top when
the app dispatched it, so a test can assert that each screen really was mashed.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Callable

from textual import events
from textual.app import App
from textual.pilot import Pilot

from finops_tui.ui.textual_fixes import app_failure, send_key_as_terminal

from .waiting import wait_for

KEYS = [
    *string.ascii_lowercase,
    *string.digits,
    *["enter"] * 6,
    *["escape"] * 4,
    *["tab"] * 6,
    "shift+tab",
    *["up", "down", "left", "right"] * 3,
    "space",
    "backspace",
    "delete",
    "home",
    "end",
    "pageup",
    "pagedown",
    "full_stop",
    "question_mark",
    "f1",
    "ctrl+p",
    "ctrl+q",
    "ctrl+c",
]
BURST = 10  # keys sent before waiting for the app: a player mashing faster than it draws
MAX_STEERS = 8  # times a phase goes back to its screen after the keys took it away
CHARACTERS = {"full_stop": ".", "question_mark": "?", "space": " ", "minus": "-", "plus": "+"}
CHARACTERS |= {"comma": ",", "underscore": "_"}


def skip_memory_tidying(monkeypatch) -> None:
    """No full garbage collection at each turn and report while mashing.

    tidy_memory and release_memory (ui.app) collect and freeze the heap at a pause in
    play: a few tens of ms in the game, but half a second in a test process holding
    pytest and every level, and a mash starts dozens of turns (a fifth of its time).
    They change no behaviour; the play tests run them.
    """
    monkeypatch.setattr("finops_tui.ui.app.tidy_memory", lambda: None)
    monkeypatch.setattr("finops_tui.ui.app.release_memory", lambda: None)


def key_event(key: str) -> events.Key:
    character = key if len(key) == 1 else CHARACTERS.get(key)
    return events.Key(key, character)


def screen_name(app: App) -> str:
    """The screen on top, by class; an app's own default screen by the app's name."""
    name = type(app.screen).__name__
    return type(app).__name__ if name == "Screen" else name


class KeyLog:
    """Counts, per screen, the keys the app dispatched while it was on top; and quits."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.by_screen: Counter[str] = Counter()
        self.quits = 0
        dispatch = app.on_event

        async def on_event(event: events.Event) -> None:
            # A key reaches the app once from the terminal (then forwarded to the screen).
            if isinstance(event, events.Key) and not event.is_forwarded:
                self.by_screen[screen_name(app)] += 1
            await dispatch(event)

        async def no_quit() -> None:
            self.quits += 1  # quitting is not crashing: count it and keep mashing

        app.on_event = on_event  # type: ignore[method-assign]
        app.action_quit = no_quit  # type: ignore[method-assign]


async def arrive(pilot: Pilot, go_there: Callable[[], object], screen: str) -> None:
    """Steer to `screen` and wait until it has mounted."""
    app = pilot.app
    app.call_later(go_there)  # from the app's own loop, as a key's action would
    await wait_for(
        lambda: screen_name(app) == screen and app.screen.is_mounted,
        what=f"the {screen} to open (now on {screen_name(app)})",
    )
    await pilot.pause()


async def mash(
    pilot: Pilot,
    log: KeyLog,
    rng: random.Random,
    screen: str,
    go_there: Callable[[], object],
    count: int,
    keys: list[str] = KEYS,
    share: int = 0,
) -> int:
    """Send `count` random keys from `screen`; steer back while it has had fewer than
    `share` of them (at most MAX_STEERS times). Returns the keys sent."""
    app = pilot.app
    start = log.by_screen[screen]
    await arrive(pilot, go_there, screen)
    steers = 0
    for sent in range(0, count, BURST):
        received = log.by_screen[screen] - start
        if screen_name(app) != screen and received < share and steers < MAX_STEERS:
            steers += 1
            await arrive(pilot, go_there, screen)
        for _ in range(min(BURST, count - sent)):
            send_key_as_terminal(app, key_event(rng.choice(keys)))
        await pilot.pause()
        assert app.is_running, f"the app stopped while mashing from the {screen}"
        assert app_failure(app) is None, f"{screen}: {app_failure(app)!r}"
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert app_failure(app) is None, f"{screen}: {app_failure(app)!r}"
    return count
