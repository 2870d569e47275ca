"""Entry point for `finops-tui` and `python -m finops_tui`."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import threading
from typing import NoReturn


def main(argv: list[str] | None = None) -> int:
    # finops-tui uses no pydantic plugin, and looking for them reads the metadata of every
    # installed package at the first model built (about 12 ms of each start). A user's
    # own setting of the variable wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _skip_pydantic_plugin_loader()
    # Importing builds the engine's pydantic models: tens of thousands of objects that live
    # as long as the process, so collecting while importing only costs time (about 8% of
    # a headless start). They are then frozen out of every later collection.
    enabled = gc.isenabled()
    gc.disable()
    try:
        from finops_tui.cli.main import run
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return run(sys.argv[1:] if argv is None else argv)


def _skip_pydantic_plugin_loader() -> None:
    """With plugins disabled, pydantic's plugin loader returns none, but importing it still
    imports `importlib.metadata` (about 12 ms, 6% of a headless start). Stand in for it with
    the answer it would give; tests/unit_tests/test_start_up.py checks pydantic still asks
    that module, by that name, and answers the same."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true"):
        return
    import types

    loader = types.ModuleType("pydantic.plugin._loader", "No plugins: PYDANTIC_DISABLE_PLUGINS.")
    setattr(loader, "get_plugins", tuple)  # noqa: B010 (a module made here, not a class)
    sys.modules.setdefault("pydantic.plugin._loader", loader)


def console() -> NoReturn:
    """The `finops-tui` command: run it, then leave without tearing the interpreter down."""
    leave(main())


def leave(status: int) -> NoReturn:
    """End the process with `status`, skipping the interpreter's teardown.

    Tearing down frees, one by one, every module and object the OS frees at once anyway:
    about 11 ms of a headless command such as `simulate` (mypy leaves the same way).
    What must happen at exit still does: the output is flushed and the `atexit` handlers
    run. With a second thread still alive (a save being written, a server's worker) the
    process exits the usual way, which waits for it.
    """
    if threading.active_count() > 1:
        sys.exit(status)
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (`| head`) or a closed stream: nothing left to deliver.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(status)


if __name__ == "__main__":
    console()
