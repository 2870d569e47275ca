"""What every program a class host runs shares: plain text, no files written, no tracebacks.

The team game (`play --class-dir`), the projector (`scoreboard`) and the facilitator's
console (`facilitate`) run on the host, on a terminal that belongs to someone else. So:

- a notification is text as typed (a broadcast with `[/b]` in it is just that text);
- nothing offers to write a screenshot into the class folder;
- an unexpected error is written to the class's error log on the host, and the person
  at the terminal reads one sentence: never a traceback with local variables and paths;
- a text cursor stays still: blinking, it redraws its field twice a second, sent over
  the network to each learner (and thirty of them share the host's two cores).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual import events
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.widgets import Input, TextArea

from finops_tui.content.classroom import ClassDir
from finops_tui.content.errors import ContentError

SORRY = {
    "play": "Something went wrong on the class host; it is logged there for the facilitator. "
    "Your game is saved after every turn: connect again to go on.",
    "scoreboard": "Something went wrong on the class host; it is logged there for the "
    "facilitator. Connect again to see the scoreboard.",
    "facilitate": "Something went wrong on the class host; see logs/errors.log in the class "
    "folder. Connect again: the class is as you left it.",
}
# Palette entries that write files on the host.
FILE_WRITING_COMMANDS = frozenset({"Screenshot"})


def sorry(program: str) -> str:
    return SORRY.get(program, SORRY["play"])


def describe_failure(error: BaseException) -> str:
    """The traceback as plain lines for the log (no local variables: they may hold anything)."""
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def log_failure(class_dir: ClassDir, program: str, error: BaseException) -> None:
    class_dir.log_error(program, describe_failure(error))


def run_hosted(class_dir: ClassDir, program: str, run: Callable[[], int]) -> int:
    """Run a program of the class host: what goes wrong outside the app is logged, not shown.

    (Inside the app, HostedApp does the same.) The person at the terminal reads one
    sentence; the traceback goes to the class's error log for the facilitator.
    """
    try:
        return run()
    except (ContentError, KeyboardInterrupt, BrokenPipeError):
        raise  # the command line says these in words already
    except Exception as exc:
        log_failure(class_dir, program, exc)
        print(sorry(program), file=sys.stderr)
        return 1


class PlainNotifications:
    """Every notification is text: its message carries names, paths and typed words."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        # Widget.notify passes markup=True by default; nothing this project says is markup.
        super().notify(  # type: ignore[misc]
            message, title=title, severity=severity, timeout=timeout, markup=False
        )


class HostedApp(PlainNotifications):
    """Mixed into an App: while `hosted_class` is set, failures are logged, not shown."""

    hosted_class: ClassDir | None = None
    hosted_program: str = "play"

    def host_in(self, class_dir: ClassDir | None, program: str) -> None:
        self.hosted_class = class_dir
        self.hosted_program = program
        if class_dir is not None:
            # A `TEXTUAL=devtools,debug` left in the host's environment must not send a
            # class's screens to a developer console, nor print every error on exit.
            app: App = self  # type: ignore[assignment]
            app.features = frozenset(app.features - {"devtools", "debug"})
            app.devtools = None

    # -- a steady cursor
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if self.hosted_class is not None and isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False

    # -- no files written on the host from the palette or a key
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):  # type: ignore[misc]
            if self.hosted_class is None or command.title not in FILE_WRITING_COMMANDS:
                yield command

    def deliver_screenshot(self, *args: Any, **kwargs: Any) -> None:
        if self.hosted_class is not None:
            self.notify("Screenshots are off in a hosted class.", severity="warning")
            return
        super().deliver_screenshot(*args, **kwargs)  # type: ignore[misc]

    def action_screenshot(self, *args: Any, **kwargs: Any) -> None:
        if self.hosted_class is not None:
            self.notify("Screenshots are off in a hosted class.", severity="warning")
            return
        super().action_screenshot(*args, **kwargs)  # type: ignore[misc]

    # -- no traceback on someone else's terminal
    def _handle_exception(self, error: Exception) -> None:
        if self.hosted_class is None:
            super()._handle_exception(error)  # type: ignore[misc]
            return
        app: App = self  # type: ignore[assignment]
        log_failure(self.hosted_class, self.hosted_program, error)
        app._return_code = 1
        if app._exception is None:  # run_test re-raises it, so tests still see the failure
            app._exception = error
            app._exception_event.set()
        app._exit_renderables.clear()
        app._exit_renderables.append(Text(sorry(self.hosted_program)))
        app._close_messages_no_wait()

    def _print_error_renderables(self) -> None:
        app: App = self  # type: ignore[assignment]
        if self.hosted_class is not None and app._exit_renderables:
            # Whatever Textual queued (a traceback, a panic), the terminal gets the sentence.
            app._exit_renderables.clear()
            app.error_console.print(Text(sorry(self.hosted_program)))
            return
        super()._print_error_renderables()  # type: ignore[misc]
