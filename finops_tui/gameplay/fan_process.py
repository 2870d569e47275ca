"""The forecast fan, computed in a helper process forked before the app starts.

A fan is 1,000 futures of the batch engine, about 20 ms of numpy and Python. In a thread
it shares the app's interpreter: keys typed while it runs wait for it, and the draft it
belongs to cannot be drawn until it is done. In a child process it runs on the other
core while the app draws the draft, and keys are handled at once.

The child is forked from the game's own process before Textual starts any thread, after
the collector has frozen what was loaded: it shares those pages (copy on write) and adds
a few megabytes, not another interpreter's worth. It reads requests on one pipe and
answers on another, one at a time, and exits when the app closes its end (or dies).
Whatever goes wrong with it, the caller computes the fan itself: a fan is never lost.
No Textual here; `forecast` may be called from any thread.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
import time
import warnings
from typing import Any

from finops_tui.engine.batch import Fan, forecast_fan
from finops_tui.engine.batch_state import BatchState
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.scenario import Scenario

HEADER = struct.Struct("!I")  # the length of the pickle that follows
MAX_MESSAGE = 16 * 1024 * 1024  # a scenario is about 18 KB: anything near this is garbage
CLOSE_WAIT = 1.0  # seconds the helper has to exit once the app is done with it


class FanProcessGone(RuntimeError):
    """The helper process cannot answer (it died, or was never there)."""


FAN_NICENESS = 10  # how far the helper stands back from the game, in nice steps


def yield_to_the_app() -> None:
    """Run the helper at a lower priority than the game that forked it.

    The fan is an estimate that may come a moment later; a key's echo, a teammate's
    change or a timer may not. On a busy host (thirty games on two cores) the scheduler
    then gives the games their turn first, and the fans the time left over.
    """
    with contextlib.suppress(OSError):
        os.nice(FAN_NICENESS)


class FanProcess:
    """A forked helper that computes forecast fans; `forecast` falls back to this process."""

    def __init__(self, pid: int, requests: int, replies: int) -> None:
        self.pid = pid
        self._requests = requests  # the app writes here
        self._replies = replies  # and reads the fan here
        self._lock = threading.Lock()  # one request in flight: answers come back in order
        self.failed = False  # once it fails, the fan is computed here for the rest of the run

    @classmethod
    def fork(cls) -> FanProcess | None:
        """Fork the helper; None where processes cannot be forked or there is one core."""
        if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
            return None  # on one core a child only takes turns with the app
        child_reads, app_writes = os.pipe()
        app_reads, child_writes = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12 warns of forking a process that has threads (numpy's BLAS
            # pool). The child touches no lock those threads hold: it runs numpy's
            # element-wise code and pickles, and never uses BLAS.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: it never returns into the app's code
            status = 1
            try:
                os.close(app_writes)
                os.close(app_reads)
                yield_to_the_app()
                serve(child_reads, child_writes)
                status = 0
            finally:
                os._exit(status)  # no atexit handler, no buffer of the app's is flushed
        os.close(child_reads)
        os.close(child_writes)
        return cls(pid, app_writes, app_reads)

    def forecast(
        self, scenario: Scenario, state: BatchState, decisions: Decisions, futures: int = 1000
    ) -> Fan:
        """The fan from the helper, or computed here if the helper cannot give it."""
        if not self.failed:
            try:
                return self.ask(scenario, state, decisions, futures)
            except FanProcessGone:
                self.failed = True
                self.close()
        return forecast_fan(scenario, state, decisions, futures=futures)

    def ask(self, scenario: Scenario, state: BatchState, decisions: Decisions, futures: int) -> Fan:
        """The helper's fan; raises FanProcessGone if it cannot answer, ValueError as
        `forecast_fan` would for a request it refuses."""
        request = pickle.dumps((scenario, state, decisions, futures), pickle.HIGHEST_PROTOCOL)
        with self._lock:
            try:
                write_message(self._requests, request)
                reply = read_message(self._replies)
            except OSError as error:
                raise FanProcessGone(str(error)) from error
        if reply is None:
            raise FanProcessGone("the fan's helper process closed its pipe")
        kind, value = pickle.loads(reply)
        if kind == "error":
            raise ValueError(value)
        return value

    def close(self) -> None:
        """End the helper: it exits when it reads the end of its requests (after answering
        one in flight); one that does not within a second is killed. Then reap it."""
        _close(self._requests)
        self._requests = -1
        if not _reaped(self.pid, wait=CLOSE_WAIT):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            _reaped(self.pid, wait=CLOSE_WAIT)
        _close(self._replies)
        self._replies = -1


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):  # already closed
        os.close(fd)


def _reaped(pid: int, wait: float) -> bool:
    """True once `pid` has exited and been reaped (or was already), within `wait` s."""
    deadline = time.monotonic() + wait
    while True:
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return True  # already reaped
        if done:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def serve(requests: int, replies: int) -> None:
    """The helper's loop: a fan for each request, until the app closes its pipe."""
    _leave_the_terminal(keep=(requests, replies))
    while True:
        request = read_message(requests)
        if request is None:
            return
        scenario, state, decisions, futures = pickle.loads(request)
        reply: tuple[str, Any]
        try:
            reply = ("fan", forecast_fan(scenario, state, decisions, futures=futures))
        except ValueError as error:
            reply = ("error", str(error))
        try:
            write_message(replies, pickle.dumps(reply, pickle.HIGHEST_PROTOCOL))
        except BrokenPipeError:
            return  # the app is gone
        give_back_memory()


def give_back_memory() -> None:
    """Hand the fan's working arrays back to the system once it is answered: a helper
    that kept them would cost a hosted class about 11 MB more per team."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)  # under a millisecond, after the answer has gone


def _glibc() -> Any:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (macOS, musl): memory stays with the helper
        return None


_LIBC = _glibc() if sys.platform.startswith("linux") else None


def _leave_the_terminal(keep: tuple[int, int]) -> None:
    """The helper holds no terminal, socket or file of the app's open: a hosted game's
    terminal closes when the game exits, not when its helper does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the app's to handle
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    low, high = sorted(keep)
    os.closerange(3, low)
    os.closerange(low + 1, high)
    os.closerange(high + 1, _max_fd())


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        return 4096


def write_message(fd: int, payload: bytes) -> None:
    view = memoryview(HEADER.pack(len(payload)) + payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_message(fd: int) -> bytes | None:
    """One message, or None at the end of the pipe (a message cut short is an end too)."""
    header = _read_exactly(fd, HEADER.size)
    if header is None:
        return None
    (length,) = HEADER.unpack(header)
    if length > MAX_MESSAGE:
        raise OSError(f"a message of {length} bytes on the fan's pipe")
    return _read_exactly(fd, length)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
