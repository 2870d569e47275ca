"""Reading TOML files with errors that name the file and the problem."""

from __future__ import annotations

import tomllib
from pathlib import Path

from finops_tui.content.errors import ContentError


def read_toml(path: Path) -> dict:
    """Parse a TOML file; every failure becomes a ContentError naming the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ContentError([f"{path}: file not found"]) from None
    except IsADirectoryError:
        raise ContentError([f"{path}: is a folder, expected a TOML file"]) from None
    except OSError as exc:
        raise ContentError([f"{path}: cannot read: {exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(
            [
                f"{path}: encoding: not UTF-8 text"
                f" (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
            ]
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError([f"{path}: toml: {exc}"]) from None
    except RecursionError:
        raise ContentError(
            [f"{path}: toml: nested too deeply to be a level, plan or save"]
        ) from None
