"""`host`: serve a class over SSH (`web` is in cli/web.py)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import resource
import secrets
import signal
import sys
from pathlib import Path

from finops_tui.cli.main import UsageError
from finops_tui.content.classroom import ClassDir, ClassSettings
from finops_tui.content.levels import load_scenario
from finops_tui.gameplay.runsheet import install_course

PASSWORD_ENV = "FINOPS_TUI_FACILITATOR_PASSWORD"


def host(args: argparse.Namespace) -> int:
    from finops_tui.serve.ssh import ClassHost, HostConfig, HostKeyError

    class_dir = ClassDir(Path(args.class_dir))
    scenario = load_scenario(args.level)  # a bad level stops here, with its file and key
    install_course(class_dir, getattr(args, "course", None))  # so does a bad course
    settings = class_dir.create(
        ClassSettings(
            level=scenario.level.id,
            seed=args.seed,
            setting="advanced" if args.advanced else "standard",
        )
    )
    keys = []
    for name in args.facilitator_key or []:
        try:
            keys.append(Path(name).read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"finops-tui host: --facilitator-key {name}: {exc.strerror}") from None
    password = args.facilitator_password or os.environ.get(PASSWORD_ENV)
    generated = password is None and not keys
    if generated:
        password = secrets.token_urlsafe(9)
    config = HostConfig(
        class_dir=class_dir,
        settings=settings,
        bind=args.bind,
        port=args.port,
        facilitator_password=password,
        facilitator_keys=keys,
        max_connections=args.max_connections,
        idle_timeout=args.idle_minutes * 60.0,
    )
    logging.basicConfig(format="%(asctime)s finops-tui host: %(message)s", level=logging.WARNING)
    raise_file_limit()
    try:
        return asyncio.run(_serve(ClassHost(config), generated))
    except HostKeyError as exc:
        print(f"finops-tui host: {exc}", file=sys.stderr)
        return 1


def raise_file_limit() -> None:
    """Every connection costs a few descriptors: use what the system allows (up to 8192)."""
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


async def _serve(class_host, generated_password: bool) -> int:
    config = class_host.config
    try:
        await class_host.start()
    except OSError as exc:
        print(
            f"finops-tui host: cannot listen on {config.bind}:{config.port}: {exc.strerror}",
            file=sys.stderr,
        )
        await class_host.close()
        return 1
    for notice in class_host.notices:
        print(f"finops-tui host: {notice}", file=sys.stderr)
    s = config.settings
    where = f"-p {class_host.port} " if class_host.port != 22 else ""
    print(f"Hosting {s.level} (seed {s.seed}, {s.setting}) on {config.bind}:{class_host.port}")
    print(f"Class folder: {config.class_dir.root}")
    print(f"  teams:       ssh {where}TEAM@{config.bind}")
    print(f"  a seat:      ssh {where}TEAM+it@{config.bind}  (or +finance, +ds)")
    print(f"  projector:   ssh {where}projector@{config.bind}")
    print(f"  facilitator: ssh {where}facilitator@{config.bind}")
    if generated_password:
        print(f"  facilitator password: {config.facilitator_password}")
    print("Ctrl+C stops the host; every team's game is saved after each turn.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await class_host.close()  # the fork socket and its folder go too
    return 0
