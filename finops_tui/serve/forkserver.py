"""A warm process that forks a game per connection.

Starting Python, numpy, pydantic and Textual takes about a second of CPU; thirty
players arriving together on two cores would wait a quarter of a minute. The fork
server pays that once: it imports everything, then forks a child per session in a
few milliseconds. The child makes the session's PTY its controlling terminal and
runs the ordinary command line (`finops-tui play ...`), so nothing else changes.

The host talks to it over a Unix socket in the class folder (mode 0600), passing the
PTY's terminal end with SCM_RIGHTS. The socket lives in the host's own runtime folder;
when the host is gone (even killed), the fork server removes the socket and the folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import termios
import time
from pathlib import Path

MAX_REQUEST = 1 << 16
RUNTIME_PREFIX = "finops-tui-host-"
HANGUP_GRACE = 3  # seconds a hung-up game has to quit before it is ended


def _preload() -> None:
    """Import what a game needs (every screen and widget), so that each fork starts warm."""
    import importlib
    import pkgutil

    import finops_tui.cli.classroom
    import finops_tui.cli.main
    import finops_tui.ui
    from finops_tui.content.catalog import shipped_catalog

    for module in pkgutil.walk_packages(finops_tui.ui.__path__, "finops_tui.ui."):
        with contextlib.suppress(ImportError):
            importlib.import_module(module.name)
    shipped_catalog()


def serve(path: Path) -> None:
    """The fork server's main loop: accept a request, fork, answer with the pid."""
    host = os.getppid()  # before the slow imports: a host killed meanwhile is noticed
    signal.signal(signal.SIGTERM, lambda *_: _leave(path))
    _preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old_umask)
    listener.listen(64)
    listener.settimeout(1.0)
    try:
        _accept_loop(listener, host)
    finally:
        _remove_runtime(path)


def _leave(path: Path) -> None:
    _remove_runtime(path)
    os._exit(0)


def _remove_runtime(path: Path) -> None:
    """Remove the socket, and the host's runtime folder it lives in: nothing stale stays."""
    with contextlib.suppress(OSError):
        path.unlink()
    if path.parent.name.startswith(RUNTIME_PREFIX):
        shutil.rmtree(path.parent, ignore_errors=True)


def _accept_loop(listener: socket.socket, host: int) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            if os.getppid() != host:
                return  # the host is gone: nobody will ask for a game again
            continue
        except OSError:
            # Out of descriptors, say: wait instead of spinning on the same error.
            time.sleep(0.5)
            if os.getppid() != host:
                return
            continue
        conn.settimeout(10)
        with conn:
            try:
                message, fds, _, _ = socket.recv_fds(conn, MAX_REQUEST, 1)
                request = json.loads(message)
            except (OSError, ValueError):
                continue
            if len(fds) != 1:
                continue
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                listener.close()
                conn.close()
                _child(fds[0], request)
            os.close(fds[0])
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"pid": pid}).encode())


def _child(tty: int, request: dict) -> None:
    """In the forked child: take the PTY as the terminal, run the command line."""
    code = 1
    try:
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        os.setsid()
        fcntl.ioctl(tty, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(tty, fd)
        if tty > 2:
            os.close(tty)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
        _exit_apps_on_hangup()
        from finops_tui.__main__ import main

        code = main([str(a) for a in request["argv"]]) or 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        os._exit(code)


def _exit_apps_on_hangup() -> None:
    """A hung-up terminal (the host ended the session: a takeover, a shutdown, a lost
    client) ends the game the way quitting does: the app exits and unmounts, so it
    writes its team's status as away, instead of the process dying where it stands."""
    from textual.app import App

    apps: list[App] = []
    run = App.run

    def run_and_remember(self, *args, **kwargs):
        apps.append(self)
        return run(self, *args, **kwargs)

    def hang_up(signum: int, frame: object) -> None:
        # The terminal is gone: its writes now fail, and Textual's writer thread would
        # die on the first one and leave the app's last writes waiting forever. Point
        # the standard streams at /dev/null so the app can finish, and give it a few
        # seconds to (SIGALRM's default action ends the process if it cannot).
        _detach_from_terminal()
        signal.alarm(HANGUP_GRACE)
        loop = apps[-1]._loop if apps else None
        if loop is None or loop.is_closed():
            os._exit(128 + signum)
        loop.call_soon_threadsafe(apps[-1].exit)  # safe from a signal handler

    App.run = run_and_remember
    signal.signal(signal.SIGHUP, hang_up)


def _detach_from_terminal() -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.dup2(null, fd)
    os.close(null)


class ForkServerClient:
    """The host's side: start the server, ask it for a child on a given PTY."""

    def __init__(self, path: Path, python: str = sys.executable) -> None:
        self.path = Path(path)
        self.python = python
        self.process: subprocess.Popen | None = None

    async def start(self, timeout: float = 60.0) -> bool:
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "LANG": "C.UTF-8"}
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.process = subprocess.Popen(
            [self.python, "-m", "finops_tui.serve.forkserver", str(self.path)],
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.path.exists():
                return True
            if self.process.poll() is not None:
                return False
            await asyncio.sleep(0.05)
        return False

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.path.exists()

    async def spawn(self, argv: list[str], env: dict[str, str], tty: int) -> int:
        """Fork a child running `argv` on the terminal `tty`; returns its pid.

        The exchange is blocking socket I/O (SCM_RIGHTS has no asyncio stream), so it
        runs in a worker thread: a slow fork server never stalls every other session.
        """
        return await asyncio.to_thread(self._spawn_blocking, argv, env, tty)

    def _spawn_blocking(self, argv: list[str], env: dict[str, str], tty: int) -> int:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(10)
            conn.connect(str(self.path))
            socket.send_fds(conn, [json.dumps({"argv": argv, "env": env}).encode()], [tty])
            reply = conn.recv(4096)
        return int(json.loads(reply)["pid"])

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=1)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
