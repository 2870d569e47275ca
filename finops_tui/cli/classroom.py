"""`scoreboard` and `facilitate`: the classroom's screens, started by the host per session."""

from __future__ import annotations

import argparse
from pathlib import Path

from finops_tui.content.classroom import ClassDir
from finops_tui.content.errors import ContentError


def classroom_app(command: str, args: argparse.Namespace) -> int:
    class_dir = ClassDir(Path(args.class_dir))
    if class_dir.settings() is None:
        raise ContentError(
            [f"{class_dir.root}: not a class folder (start one with finops-tui host)"]
        )

    def run() -> int:
        if command == "scoreboard":
            from finops_tui.ui.classroom.scoreboard import ScoreboardApp

            app = ScoreboardApp(class_dir)
        else:
            from finops_tui.ui.classroom.facilitator import FacilitatorApp

            app = FacilitatorApp(class_dir)
        app.run()
        return 0 if app.return_code in (None, 0) else app.return_code

    from finops_tui.ui.classroom.hosted import run_hosted

    return run_hosted(class_dir, command, run)
