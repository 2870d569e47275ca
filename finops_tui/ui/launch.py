"""Start the Textual app from the command line: `finops-tui` and `finops-tui play`."""

from __future__ import annotations

import argparse


def play(args: argparse.Namespace) -> int:
    """Open the title screen, or jump into a level; a bad level is a message, not a crash."""
    from finops_tui.ui.app import create_app

    # A bad level raises ContentError before the terminal is taken over; the CLI prints it.
    app = create_app(
        level=getattr(args, "level", None),
        seed=getattr(args, "seed", None),
        player=getattr(args, "player", "") or "",
        store=_store(getattr(args, "saves_dir", None)),
    )
    app.run()
    return 0 if app.return_code in (None, 0) else app.return_code


def _store(saves_dir: str | None):
    try:
        from finops_tui.content.saves import SaveStore
        from finops_tui.content.saves import saves_dir as resolve_dir
    except ImportError:  # the save store is not there yet: play without saves
        return None
    return SaveStore(resolve_dir(saves_dir))
