"""A command on its own pseudo-terminal, with bytes in and out and a window size."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import signal
import struct
import subprocess
import termios
from collections.abc import Awaitable, Callable, Mapping, Sequence

MAX_SIDE = 1000  # a client may claim any size; nobody has a 1000-column terminal
# Keys waiting for the program to read them. A person types a few bytes a second; past
# this much the program is not keeping up, and more keys are dropped, not queued.
MAX_PENDING_INPUT = 64 * 1024

Spawner = Callable[[list[str], dict[str, str], int], Awaitable[int]]


def clamp_size(cols: int, rows: int) -> tuple[int, int]:
    return max(10, min(int(cols or 80), MAX_SIDE)), max(5, min(int(rows or 24), MAX_SIDE))


def _make_controlling_tty() -> None:
    # Runs in the child after setsid(): the PTY on stdin becomes its terminal, so the
    # kernel sends it SIGWINCH when the window size changes.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess:
    """Run `argv` on a fresh PTY; output goes to `on_output`, exit to `on_exit`."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        size: tuple[int, int],
        on_output: Callable[[bytes], None],
        on_exit: Callable[[int | None], None],
        spawn: Spawner | None = None,
    ) -> None:
        self._argv = list(argv)
        self._env = dict(env)
        self._size = clamp_size(*size)
        self._on_output = on_output
        self._on_exit = on_exit
        self._master: int | None = None
        self._proc: subprocess.Popen | None = None
        self._pid: int | None = None
        # Another way to start the program on the terminal end (a fork server); it
        # returns the pid of a new session leader.
        self._spawn = spawn
        self._pending = bytearray()
        self._loop = asyncio.get_running_loop()
        self._closed = False
        self._paused = False
        self.dropped = 0  # input bytes dropped because the program was not reading

    @property
    def pid(self) -> int | None:
        return self._pid

    def start(self) -> None:
        """Start the program as a child process (no fork server)."""
        master, slave = pty.openpty()
        try:
            self._set_size(slave, *self._size)
            self._start_process(slave)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self._attach(master)

    async def start_async(self) -> None:
        """Start the program, by the fork server if there is one, without blocking the loop."""
        if self._spawn is None:
            self.start()
            return
        master, slave = pty.openpty()
        try:
            self._set_size(slave, *self._size)
            self._pid = await self._spawn(self._argv, self._env, slave)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        if self._closed:  # the session ended while the program was starting
            os.close(master)
            self._signal(signal.SIGHUP)
            self._loop.call_later(2.0, self._reap)
            return
        self._attach(master)

    def _attach(self, master: int) -> None:
        os.set_blocking(master, False)
        self._master = master
        if not self._paused:
            self._loop.add_reader(master, self._readable)

    def _start_process(self, slave: int) -> None:
        self._proc = subprocess.Popen(
            self._argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=self._env,
            start_new_session=True,
            preexec_fn=_make_controlling_tty,
            close_fds=True,
        )
        self._pid = self._proc.pid

    def write(self, data: bytes) -> bool:
        """Keystrokes to the program; never blocks the host's event loop, never queues
        more than MAX_PENDING_INPUT. False if the keys were dropped."""
        if self._master is None or self._closed:
            return False
        if len(self._pending) + len(data) > MAX_PENDING_INPUT:
            self.dropped += len(data)
            return False
        self._pending += data
        if len(self._pending) == len(data):  # otherwise a writer is already waiting
            self._flush()
        return True

    def pause_reading(self) -> None:
        """Stop reading the program's output (the SSH client is not taking it): the PTY
        fills, and the program waits on its own writes instead of the host buffering them."""
        if not self._paused:
            self._paused = True
            if self._master is not None and not self._closed:
                self._loop.remove_reader(self._master)

    def resume_reading(self) -> None:
        if self._paused:
            self._paused = False
            if self._master is not None and not self._closed:
                self._loop.add_reader(self._master, self._readable)

    def _flush(self) -> None:
        assert self._master is not None
        try:
            written = os.write(self._master, self._pending)
        except BlockingIOError:
            written = 0
        except OSError:
            self.close()
            return
        del self._pending[:written]
        if self._pending:
            self._loop.add_writer(self._master, self._writable)

    def _writable(self) -> None:
        assert self._master is not None
        self._loop.remove_writer(self._master)
        self._flush()

    def resize(self, cols: int, rows: int) -> None:
        self._size = clamp_size(cols, rows)
        if self._master is not None and not self._closed:
            with contextlib.suppress(OSError):
                self._set_size(self._master, *self._size)

    @staticmethod
    def _set_size(fd: int, cols: int, rows: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _readable(self) -> None:
        assert self._master is not None
        try:
            data = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""  # EIO: the program closed its terminal
        if data:
            self._on_output(data)
        else:
            self.close()

    def close(self) -> None:
        """Stop reading, end the program (politely, then firmly), report its exit."""
        if self._closed:
            return
        self._closed = True
        if self._master is not None:
            self._loop.remove_reader(self._master)
            self._loop.remove_writer(self._master)
            os.close(self._master)
        code = self._proc.poll() if self._proc is not None else None
        if self._running():
            self._signal(signal.SIGHUP)
            self._loop.call_later(2.0, self._reap)
        self._on_exit(code)

    async def wait_exited(self, timeout: float = 5.0) -> bool:
        """Wait (bounded) for the program to be gone, after close(); True if it is."""
        deadline = self._loop.time() + timeout
        while self._running():
            if self._loop.time() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def kill(self) -> None:
        """End the program now if it is still running (after close() had no effect)."""
        if self._running():
            self._signal(signal.SIGKILL)

    @property
    def running(self) -> bool:
        return self._running()

    def _running(self) -> bool:
        if self._proc is not None:
            return self._proc.poll() is None
        if self._pid is None:
            return False
        try:
            os.kill(self._pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def _signal(self, sig: int) -> None:
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._pid, sig)

    def _reap(self) -> None:
        if self._running():
            self._signal(signal.SIGKILL)
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=1)
