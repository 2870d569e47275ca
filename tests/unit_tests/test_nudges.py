"""Nudges between a seated team's member processes: reached at once, never blocking,
never failing, and nothing left behind by a member that was killed."""

from __future__ import annotations

import os
import select
import socket
import stat

from finops_tui.content.nudges import MAX_SOCKET_PATH, PREFIX, listen, nudge


def readable(listener, timeout: float = 1.0) -> bool:
    ready, _, _ = select.select([listener], [], [], timeout)
    return bool(ready)


def test_a_nudge_reaches_every_teammate_but_the_sender(tmp_path):
    folder = tmp_path / "seats" / "blue" / "tutorial"
    it, finance, ds = listen(folder), listen(folder), listen(folder)
    assert it and finance and ds
    try:
        assert nudge(folder, it) == 2
        assert readable(finance) and readable(ds)
        assert not readable(it, 0.05)
        assert finance.drain() == 1 and finance.drain() == 0
        assert nudge(folder) == 3  # the writer's thread: every member, its own too
        assert readable(it)
    finally:
        for listener in (it, finance, ds):
            listener.close()
    assert not list(folder.glob(f"{PREFIX}*"))  # closing removes the socket


def test_only_the_host_user_may_nudge(tmp_path):
    listener = listen(tmp_path)
    assert listener is not None
    try:
        mode = stat.S_IMODE(os.stat(listener.path).st_mode)
        assert mode & 0o077 == 0, oct(mode)
    finally:
        listener.close()


def test_a_killed_members_socket_is_removed_and_costs_nothing(tmp_path):
    stale = tmp_path / f"{PREFIX}99999-0.sock"
    orphan = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    orphan.bind(os.fspath(stale))
    orphan.close()  # killed: the file stays, nobody listens
    listener = listen(tmp_path)
    try:
        assert nudge(tmp_path) == 1
        assert not stale.exists()
        assert readable(listener)
    finally:
        listener.close()


def test_a_flood_of_nudges_never_blocks_the_sender(tmp_path):
    """A teammate frozen for minutes (its queue full): the sender goes on at once."""
    listener = listen(tmp_path)
    try:
        for _ in range(5000):
            nudge(tmp_path)
        assert listener.drain() > 0
    finally:
        listener.close()


def test_a_folder_deeper_than_a_socket_path_is_still_nudged(tmp_path):
    """A long level id under a deep class folder: past the ~100 bytes a socket's path
    may have, reached through the folder's descriptor."""
    deep = tmp_path / ("d" * 60) / ("e" * 64)
    assert len(os.fsencode(deep / "nudge-1234567-0.sock")) > MAX_SOCKET_PATH
    listener = listen(deep)
    if listener is None:  # a system without /proc/self/fd: no nudges, and no error
        assert nudge(deep) == 0
        return
    try:
        assert nudge(deep) == 1 and readable(listener)
    finally:
        listener.close()


def test_no_folder_means_no_nudge_and_no_error(tmp_path):
    assert nudge(tmp_path / "no-such-folder") == 0
    (tmp_path / "a-file").write_text("")
    assert listen(tmp_path / "a-file") is None


def test_the_seats_folder_made_for_a_socket_stays_usable(tmp_path):
    """The socket is made for the host's user only; the folders around it are not."""
    folder = tmp_path / "seats" / "blue" / "tutorial"
    listener = listen(folder)
    try:
        assert stat.S_IMODE(os.stat(folder).st_mode) & 0o700 == 0o700
    finally:
        if listener is not None:
            listener.close()
