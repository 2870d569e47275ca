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

    course = None
    if command == "facilitate" and getattr(args, "course", None):
        from finops_tui.gameplay.runsheet import install_course

        course = install_course(class_dir, args.course)  # a bad course: its file and key

    def run() -> int:
        if command == "scoreboard":
            from finops_tui.ui.classroom.scoreboard import ScoreboardApp

            app = ScoreboardApp(class_dir)
        else:
            from finops_tui.ui.classroom.facilitator import FacilitatorApp

            app = FacilitatorApp(class_dir, course)
        app.run()
        return 0 if app.return_code in (None, 0) else app.return_code

    from finops_tui.ui.classroom.hosted import run_hosted

    return run_hosted(class_dir, command, run)


def class_report(args: argparse.Namespace) -> int:
    """`class-report CLASS_DIR`: the class's report, as Markdown (charts as SVG files) and HTML."""
    from finops_tui.gameplay.class_report import write_class_report
    from finops_tui.gameplay.runsheet import class_course, read_runsheet

    class_dir = ClassDir(Path(args.class_dir))
    if not class_dir.root.is_dir() or class_dir.settings() is None:
        raise ContentError(
            [f"{class_dir.root}: not a class folder (start one with finops-tui host)"]
        )
    course = class_course(class_dir)
    paths = write_class_report(
        class_dir, course, read_runsheet(class_dir, course), Path(args.out) if args.out else None
    )
    for path in paths:
        print(f"Wrote {path}")
    return 0
