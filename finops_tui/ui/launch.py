"""Start the Textual app from the command line: `finops-tui` and `finops-tui play`."""

from __future__ import annotations

import argparse
import gc

from finops_tui.content.saves import SaveStore, player_name
from finops_tui.content.saves import saves_dir as resolve_saves_dir
from finops_tui.gameplay.fan_process import FanProcess


def play(args: argparse.Namespace) -> int:
    """Open the title screen, or jump into a level; a bad level is a message, not a crash."""
    from finops_tui.ui.app import create_app

    # A bad level or name raises ContentError before the terminal is taken over; the CLI
    # prints its problems and exits 1.
    player = player_name(getattr(args, "player", "") or "")
    quiz_timing = _quiz_timing(args)
    app = create_app(
        level=getattr(args, "level", None),
        seed=getattr(args, "seed", None),
        player=player,
        store=_store(getattr(args, "saves_dir", None)),
        setting="advanced" if getattr(args, "advanced", False) else "standard",
        class_link=_class_link(args, player),
        watch=getattr(args, "watch", None),
        keymap=_keymap(args),
        quiz_timing=quiz_timing,
    )
    # Everything loaded so far (Textual, pydantic, numpy, the level) lives as long as the
    # app: frozen, the collector no longer walks it (see ui.app.tidy_memory).
    gc.freeze()
    # Forked now, before Textual starts a thread, it shares what was just frozen.
    app.fan_process = FanProcess.fork()

    def run() -> int:
        try:
            app.run()
        finally:
            if app.fan_process is not None:
                app.fan_process.close()
        return 0 if app.return_code in (None, 0) else app.return_code

    if app.class_link is None:
        return run()
    from finops_tui.ui.classroom.hosted import run_hosted

    return run_hosted(app.class_link.class_dir, "play", run)


def _class_link(args: argparse.Namespace, team: str):
    """In a hosted class, the link to its folder (the host always names level and team)."""
    class_dir = getattr(args, "class_dir", None)
    if not class_dir:
        return None
    from pathlib import Path

    from finops_tui.content.classroom import ClassDir
    from finops_tui.content.errors import ContentError
    from finops_tui.ui.classroom.link import ClassLink

    if not team or getattr(args, "level", None) is None:
        raise ContentError([f"{class_dir}: a class game needs a level and --player TEAM"])
    from finops_tui.content.classroom import check_team_name

    problem = check_team_name(team)
    if problem:
        raise ContentError([f"--player {team!r}: cannot be a team name: {problem}"])
    seat = getattr(args, "seat", None)
    if seat is not None:
        from finops_tui.gameplay.seats import TEAM_SLOT, parse_seat, seat_problem

        slot = TEAM_SLOT if seat == TEAM_SLOT else parse_seat(seat)
        if slot is None:
            raise ContentError([f"--seat: {seat_problem(seat)} (or team)"])
        seat = slot
    return ClassLink(ClassDir(Path(class_dir)), team, seat=seat)


def _keymap(args: argparse.Namespace):
    """The player's keymap; a hosted class's teams play on the default keys unless a
    file is named (`--keymap`), so the host's own keys never surprise a class."""
    from finops_tui.ui.app import FinOpsApp
    from finops_tui.ui.keymap import load_keymap

    named = getattr(args, "keymap", None)
    if getattr(args, "class_dir", None) and not named:
        return None
    return load_keymap(FinOpsApp, named)


def _quiz_timing(args: argparse.Namespace):
    """`--quiz-seconds S [--quiz-extra-seconds S]`: a time per quiz question (none by default)."""
    from finops_tui.content.errors import ContentError
    from finops_tui.content.quiz import QuizTiming

    seconds = getattr(args, "quiz_seconds", None)
    extra = getattr(args, "quiz_extra_seconds", 0.0) or 0.0
    if extra and seconds is None:
        raise ContentError(
            ["--quiz-extra-seconds: extra time needs a time per question: add --quiz-seconds S"]
        )
    return QuizTiming(seconds, extra)


def _store(saves_dir: str | None) -> SaveStore:
    return SaveStore(resolve_saves_dir(saves_dir))
