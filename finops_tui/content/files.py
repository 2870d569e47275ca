"""Files in and out: TOML read with errors that name the file, text written atomically."""

from __future__ import annotations

import functools
import os
import stat
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


def atomic_write_text(path: Path, text: str) -> None:
    """Write a temporary file in the same folder, fsync it, rename it over `path`.

    Killed at any moment, `path` holds either its old content or the new one, never a
    mix. A kill may leave a `.NAME.*.tmp` file behind; it never ends in `.toml`.
    """
    path = Path(path)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        import tempfile  # here: a command that only reads starts without it

        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ContentError([f"{path}: cannot save: {exc.strerror or exc}"]) from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _new_file_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ContentError([f"{path}: cannot save: {exc.strerror or exc}"]) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)


def _new_file_mode(path: Path) -> int:
    """The mode `open` would give: mkstemp's 0600 would hide saves from a shared class folder."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    # The rename is only durable once the folder's entry is on disk (not possible on Windows).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
