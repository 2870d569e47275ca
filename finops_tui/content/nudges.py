"""Nudges between a seated team's member processes: "look at the team's files now".

Each member reads its teammates' files on a timer. A member that has just written a
change also nudges the others: a one-byte datagram on a Unix socket each member listens
on in the team's folder (`nudge-PID-N.sock`, mode 0600). The nudged member reads at once
instead of at its next look, so a change shows on the other seats' screens without the
wait; the files stay the only truth, and a lost nudge costs only that wait.

A socket's path is limited to about a hundred bytes, and a class folder's seats can be
deeper: on Linux each socket is reached through the folder's descriptor
(`/proc/self/fd/N/nudge-...`), which is always short. Elsewhere a folder too deep, or
one where a socket cannot be made, means no nudges: the members' timers still look.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

# sockaddr_un holds 108 bytes on Linux, 104 on macOS, with the closing NUL.
MAX_SOCKET_PATH = 100
PREFIX = "nudge-"
_serial = itertools.count()


class NudgeListener:
    """This member's socket: readable when a teammate nudged it."""

    def __init__(self, sock: socket.socket, path: Path) -> None:
        self.socket = sock
        self.path = path

    def fileno(self) -> int:
        return self.socket.fileno()

    def drain(self) -> int:
        """Read every nudge waiting; how many there were."""
        count = 0
        while True:
            try:
                self.socket.recv(16)
            except (BlockingIOError, InterruptedError):
                return count
            except OSError:
                return count
            count += 1

    def close(self) -> None:
        self.socket.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


@contextlib.contextmanager
def _addresses(folder: Path) -> Iterator[Callable[[str], str | None]]:
    """How to name a socket in `folder`: through the folder's descriptor where the system
    allows it, else by its path (None if that is too long)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        fd = None
    try:
        if fd is not None and os.path.isdir(f"/proc/self/fd/{fd}"):
            yield lambda name: f"/proc/self/fd/{fd}/{name}"
        else:
            yield (
                lambda name: (
                    os.fspath(folder / name)
                    if len(os.fsencode(folder / name)) <= MAX_SOCKET_PATH
                    else None
                )
            )
    finally:
        if fd is not None:
            os.close(fd)


def listen(folder: Path) -> NudgeListener | None:
    """A socket in `folder` that teammates nudge; None where one cannot be made."""
    name = f"{PREFIX}{os.getpid()}-{next(_serial)}.sock"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setblocking(False)
    with _addresses(folder) as address:
        where = address(name)
        if where is None:
            sock.close()
            return None
        old_umask = os.umask(0o177)  # the socket file: the host's user only
        try:
            with contextlib.suppress(FileNotFoundError):
                (folder / name).unlink()
            sock.bind(where)
        except OSError:
            sock.close()
            return None
        finally:
            os.umask(old_umask)
    return NudgeListener(sock, folder / name)


def nudge(folder: Path, mine: NudgeListener | None = None) -> int:
    """Nudge every teammate listening in `folder` (not `mine`); how many were reached.

    Never blocks and never fails: a teammate whose queue is full has nudges waiting
    anyway, and the socket of a member that was killed is removed.
    """
    try:
        paths = [p for p in folder.glob(f"{PREFIX}*.sock") if mine is None or p != mine.path]
    except OSError:
        return 0
    if not paths:
        return 0
    reached = 0
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender, _addresses(folder) as address:
        sender.setblocking(False)
        for path in paths:
            where = address(path.name)
            if where is None:
                continue
            try:
                sender.sendto(b"!", where)
                reached += 1
            except BlockingIOError:
                reached += 1  # its queue is full: it has nudges to read already
            except ConnectionRefusedError:
                with contextlib.suppress(OSError):
                    path.unlink()  # nobody listens: a member that was killed
            except OSError:
                continue
    return reached
