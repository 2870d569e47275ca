"""The host's files: its SSH host key (kept in the class folder) and its runtime folder
(the fork server's socket, in the temp folder), each written so a kill leaves nothing
that blocks the next start."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import asyncssh

from finops_tui.serve.forkserver import RUNTIME_PREFIX

KEY_BEGIN = b"-----BEGIN OPENSSH PRIVATE KEY-----"
KEY_END = b"-----END OPENSSH PRIVATE KEY-----"
PID_FILE = "host.pid"


class HostKeyError(Exception):
    """The host key file exists but cannot be used; the message says what to do."""


def load_or_create_host_key(path: Path) -> tuple[asyncssh.SSHKey, str | None]:
    """The class's host key: created on first start (0600), the same ever after.

    Returns the key and, when an unusable file was set aside, a sentence saying so.
    An empty or cut-off key (a start killed while writing it, before any team could
    have seen it) is set aside and replaced; anything else unreadable is an error
    with the file's name, because replacing a key that teams trust would make every
    ssh client warn that the host changed.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = None
    except OSError as exc:
        raise HostKeyError(f"{path}: cannot read the host key: {exc.strerror}") from None
    notice = None
    if data is not None:
        try:
            return asyncssh.import_private_key(data), None
        except (asyncssh.KeyImportError, ValueError, UnicodeDecodeError):
            if not _cut_off(data):
                raise HostKeyError(
                    f"{path}: not an OpenSSH private key; move it away (a new host key is "
                    "then created, and ssh clients that knew the old one will warn)"
                ) from None
        aside = path.with_name(path.name + ".broken")
        os.replace(path, aside)
        notice = f"{path} was empty or cut off (a start killed while writing it); kept as "
        notice += f"{aside.name} and replaced with a new host key"
    key = asyncssh.generate_private_key("ssh-ed25519")
    write_private_atomically(path, key.export_private_key())
    return key, notice


def _cut_off(data: bytes) -> bool:
    text = data.strip()
    return not text or (text.startswith(KEY_BEGIN[: len(text)]) and KEY_END not in text)


def write_private_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` (mode 0600) so that a reader sees all of it or none of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # the rename itself survives a power cut
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def make_runtime_dir() -> Path:
    """A private folder for this host's fork socket, after removing stale ones."""
    remove_stale_runtime_dirs()
    runtime = Path(tempfile.mkdtemp(prefix=RUNTIME_PREFIX))
    (runtime / PID_FILE).write_text(str(os.getpid()), encoding="ascii")
    return runtime


def remove_stale_runtime_dirs(root: Path | None = None, now: float | None = None) -> list[Path]:
    """Remove runtime folders left by hosts that were killed; returns what was removed."""
    root = Path(root or tempfile.gettempdir())
    now = time.time() if now is None else now
    removed = []
    for folder in root.glob(RUNTIME_PREFIX + "*"):
        with contextlib.suppress(OSError):
            if folder.is_dir() and folder.stat().st_uid == os.getuid() and _stale(folder, now):
                shutil.rmtree(folder)
                removed.append(folder)
    return removed


def _stale(folder: Path, now: float) -> bool:
    try:
        pid = int((folder / PID_FILE).read_text(encoding="ascii"))
    except (OSError, ValueError):
        pid = None
    if pid is not None:
        return not _alive(pid)
    # A folder from a version without a pid file: stale if nobody answers on its socket.
    sock = folder / "fork.sock"
    if sock.exists():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            try:
                probe.connect(str(sock))
            except OSError:
                return True
            return False
    return now - folder.stat().st_mtime > 3600  # being created by a starting host, or old


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
