"""Entry point for `finops-tui` and `python -m finops_tui`."""

from __future__ import annotations

import gc
import os
import sys


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


if __name__ == "__main__":
    sys.exit(main())
