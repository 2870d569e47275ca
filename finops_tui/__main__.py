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


if __name__ == "__main__":
    sys.exit(main())
