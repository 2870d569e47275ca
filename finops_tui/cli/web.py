"""`web`: host a class in the browser. Every visitor is a team of the class, as over SSH."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from finops_tui.cli.main import UsageError
from finops_tui.content.classroom import ClassDir, ClassSettings
from finops_tui.content.levels import load_scenario
from finops_tui.gameplay.runsheet import install_course


def web(args: argparse.Namespace) -> int:
    from finops_tui.serve.web import WebClass, WebConfig

    if args.level_arg and args.level and args.level_arg != args.level:
        raise UsageError(
            f"finops-tui web: two levels given ({args.level_arg!r} and --level {args.level!r})"
        )
    class_dir = ClassDir(Path(args.class_dir))
    scenario = load_scenario(args.level or args.level_arg or "tutorial")  # a bad level stops here
    install_course(class_dir, getattr(args, "course", None))  # so does a bad course
    settings = class_dir.create(
        ClassSettings(
            level=scenario.level.id,
            seed=args.seed,
            setting="advanced" if args.advanced else "standard",
        )
    )
    config = WebConfig(
        class_dir=class_dir,
        settings=settings,
        bind=args.bind,
        port=args.port,
        max_connections=args.max_connections,
        idle_timeout=args.idle_minutes * 60.0,
        title=f"finops-tui · {scenario.level.title}",
    )
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
    return asyncio.run(_serve(WebClass(config)))


async def _serve(server) -> int:
    config = server.config
    try:
        await server.start()
    except OSError as exc:
        print(
            f"finops-tui web: cannot listen on {config.bind}:{config.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    s = config.settings
    url = f"http://{_url_host(config.bind)}:{server.port}/"
    cd = config.class_dir.root
    print(f"Serving {s.level} (seed {s.seed}, {s.setting}) on {url}")
    print(f"Class folder: {cd}")
    print(f"  teams:       open {url} and type the team name, or {url}?team=NAME")
    print(f"  facilitator: finops-tui facilitate --class-dir {cd}")
    print(f"  projector:   finops-tui scoreboard --class-dir {cd}")
    print("Ctrl+C stops the server; every team's game is saved after each turn.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.close()
    return 0


def _url_host(bind: str) -> str:
    return f"[{bind}]" if ":" in bind else bind
