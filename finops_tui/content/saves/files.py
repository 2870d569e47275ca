"""One save file on disk: written whole or not at all, checked when read."""

from __future__ import annotations

import stat
from pathlib import Path

import tomli_w
from pydantic import (
    ValidationError,
)

from finops_tui import __version__
from finops_tui.content.errors import ContentError, describe_validation
from finops_tui.content.files import atomic_write_text, read_toml
from finops_tui.content.saves.format import (
    MAX_SAVE_BYTES,
    SAVE_FORMAT,
    SaveFile,
    unanswered_left_out,
)

# --- writing ------------------------------------------------------------------------


def save_text(save: SaveFile) -> str:
    """A save as TOML text, ready for `atomic_write_text`."""
    return tomli_w.dumps(unanswered_left_out(save.model_dump(mode="python", exclude_none=True)))


def write_save(path: Path, save: SaveFile) -> None:
    """Write a save atomically; ContentError (naming the file) if the disk refuses."""
    atomic_write_text(Path(path), save_text(save))


# --- reading and checking -----------------------------------------------------------


def read_save(path: Path) -> SaveFile:
    """Parse and validate a save file; every problem is a ContentError naming the file."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError:
        info = None  # read_toml reports missing and unreadable files in its own words
    if info is not None and not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        # A pipe or a device could be read forever.
        raise ContentError([f"{path}: not a regular file, expected a save"])
    size = info.st_size if info is not None else 0
    if size > MAX_SAVE_BYTES:
        raise ContentError([f"{path}: too large to be a save ({size:,} bytes)"])
    try:
        data = read_toml(path)
    except RecursionError:
        raise ContentError([f"{path}: toml: nested too deeply to be a save"]) from None
    _check_format(path, data)
    if "integrity" not in data:
        raise ContentError(
            [
                f"{path}: integrity: missing: the file is cut short (truncated), "
                "or was not written by finops-tui"
            ]
        )
    try:
        return SaveFile.model_validate(data)
    except ValidationError as exc:
        raise ContentError(describe_validation(path, exc)) from None


def _check_format(path: Path, data: dict) -> None:
    fmt = data.get("format")
    if fmt is None:
        raise ContentError(
            [f"{path}: format: required key is missing (is this a finops-tui save?)"]
        )
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        raise ContentError([f"{path}: format: expected a whole number, got {fmt!r}"])
    if fmt > SAVE_FORMAT:
        raise ContentError(
            [
                f"{path}: format: this save is format {fmt}, written by a newer finops-tui; "
                f"this version ({__version__}) reads format {SAVE_FORMAT}: update to load it"
            ]
        )
    if fmt != SAVE_FORMAT:
        raise ContentError(
            [
                f"{path}: format: this save is format {fmt}, written by an older finops-tui; "
                f"this version ({__version__}) reads format {SAVE_FORMAT} only"
            ]
        )
