"""`finops-tui host`: a class over SSH. Each connection plays in its own PTY process.

Learners join with `ssh -p 2222 TEAM@host` (the user name is the team); the room's
screen joins as `projector`; the facilitator as `facilitator`, with the password or
key set when the host starts. There is no shell, no exec, no forwarding and no SFTP:
every session runs the game, the scoreboard or the facilitator's console, nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from finops_tui.content.classroom import ClassDir, ClassSettings, check_team_name
from finops_tui.serve.forkserver import ForkServerClient
from finops_tui.serve.pty_process import PtyProcess, clamp_size

FACILITATOR, PROJECTOR = "facilitator", "projector"
SAFE_TERM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
PASSED_ENV = ("NO_COLOR", "COLORTERM")


@dataclass
class HostConfig:
    class_dir: ClassDir
    settings: ClassSettings
    bind: str = "127.0.0.1"
    port: int = 2222
    facilitator_password: str | None = None
    facilitator_keys: Sequence[str] = ()
    max_connections: int = 40
    idle_timeout: float = 30 * 60.0
    python: str = sys.executable
    extra_env: dict[str, str] = field(default_factory=dict)
    warm: bool = True  # fork games from a warm process instead of starting Python each time


class ClassHost:
    """The SSH server and the sessions it runs."""

    def __init__(self, config: HostConfig) -> None:
        self.config = config
        self.sessions: set[GameSession] = set()
        self.facilitator: GameSession | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._idle_task: asyncio.Task | None = None
        self.forkserver: ForkServerClient | None = None
        self._runtime = Path(tempfile.mkdtemp(prefix="finops-tui-host-"))

    async def start(self) -> None:
        if self.config.warm:
            client = ForkServerClient(self._runtime / "fork.sock", self.config.python)
            if await client.start():
                self.forkserver = client
            else:
                client.close()
        key = load_or_create_host_key(self.config.class_dir.host_key_path)
        authorized = None
        if self.config.facilitator_keys:
            authorized = asyncssh.import_authorized_keys("\n".join(self.config.facilitator_keys))
        self._acceptor = await asyncssh.create_server(
            lambda: HostServer(self, authorized),
            self.config.bind,
            self.config.port,
            server_host_keys=[key],
            encoding=None,  # binary-safe: bytes both ways
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
            login_timeout=60,
            keepalive_interval=30,
        )
        self._idle_task = asyncio.create_task(self._reap_idle())

    @property
    def port(self) -> int:
        assert self._acceptor is not None
        return self._acceptor.get_port()

    async def close(self) -> None:
        if self._idle_task:
            self._idle_task.cancel()
        for session in list(self.sessions):
            session.end("The host is shutting down. Your game is saved.\r\n")
        if self._acceptor:
            self._acceptor.close()
            await self._acceptor.wait_closed()
        if self.forkserver is not None:
            self.forkserver.close()
        shutil.rmtree(self._runtime, ignore_errors=True)

    def spawner(self):
        """How to start a session's program: by the warm fork server while it lives."""
        if self.forkserver is not None and self.forkserver.alive:
            return self.forkserver.spawn
        return None

    async def _reap_idle(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, self.config.idle_timeout / 4))
            now = time.monotonic()
            for session in list(self.sessions):
                if now - session.last_input > self.config.idle_timeout:
                    session.end("Disconnected after a long idle time. Your game is saved.\r\n")

    def command_for(self, user: str) -> list[str]:
        s, cd = self.config.settings, str(self.config.class_dir.root)
        base = [self.config.python, "-m", "finops_tui"]
        if user == PROJECTOR:
            return [*base, "scoreboard", "--class-dir", cd]
        if user == FACILITATOR:
            return [*base, "facilitate", "--class-dir", cd]
        argv = [
            *base,
            "play",
            s.level,
            "--seed",
            str(s.seed),
            "--player",
            user,
            "--saves-dir",
            str(self.config.class_dir.team_dir(user)),
            "--class-dir",
            cd,
        ]
        return [*argv, "--advanced"] if s.setting == "advanced" else argv

    def refusal(self, user: str, has_pty: bool) -> str | None:
        """Why this session cannot start, in words for the person at the keyboard."""
        if not has_pty:
            return "finops-tui needs a terminal: connect with plain `ssh -p PORT TEAM@HOST`.\r\n"
        if len(self.sessions) >= self.config.max_connections:
            return (
                f"The class is full ({self.config.max_connections} connections). "
                "Ask your facilitator.\r\n"
            )
        if user == FACILITATOR:
            if self.facilitator is not None:
                return "A facilitator is already connected; only one at a time.\r\n"
            return None
        if user == PROJECTOR:
            return None
        problem = check_team_name(user)
        if problem:
            return f"{user!r} cannot be a team name: {problem}.\r\n"
        if any(s.user == user for s in self.sessions):
            return f"Team {user!r} is already playing from another terminal.\r\n"
        return None


class HostServer(asyncssh.SSHServer):
    """Authentication and what a connection may ask for (only a game session)."""

    def __init__(self, host: ClassHost, authorized: asyncssh.SSHAuthorizedKeys | None) -> None:
        self.host = host
        self.authorized = authorized
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn

    def begin_auth(self, username: str) -> bool:
        # Teams and the projector need no password: the room is the trust boundary.
        return username == FACILITATOR

    def password_auth_supported(self) -> bool:
        return self.host.config.facilitator_password is not None

    def validate_password(self, username: str, password: str) -> bool:
        expected = self.host.config.facilitator_password
        return (
            username == FACILITATOR
            and expected is not None
            and hmac.compare_digest(password.encode(), expected.encode())
        )

    def public_key_auth_supported(self) -> bool:
        return self.authorized is not None

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        if username != FACILITATOR or self.authorized is None:
            return False
        return self.authorized.validate(key, "", "") is not None

    # No forwarding of any kind.
    def connection_requested(self, *args: object) -> bool:
        return False

    def server_requested(self, *args: object) -> bool:
        return False

    def unix_connection_requested(self, *args: object) -> bool:
        return False

    def unix_server_requested(self, *args: object) -> bool:
        return False

    def session_requested(self) -> GameSession:
        assert self.conn is not None
        return GameSession(self.host, self.conn.get_extra_info("username") or "")


class GameSession(asyncssh.SSHServerSession):
    """One SSH session: a game (or scoreboard, or console) on its own PTY."""

    def __init__(self, host: ClassHost, user: str) -> None:
        self.host = host
        self.user = user
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term = "xterm-256color"
        self.size = (80, 24)
        self.has_pty = False
        self.process: PtyProcess | None = None
        self.last_input = time.monotonic()
        self.env: dict[str, str] = {}

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple, term_modes: dict) -> bool:
        self.has_pty = True
        if term_type and SAFE_TERM.fullmatch(term_type):
            self.term = term_type
        self.size = clamp_size(term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        return False  # no commands: only the game

    def subsystem_requested(self, subsystem: str) -> bool:
        return False  # no SFTP or anything else

    def session_started(self) -> None:
        assert self.chan is not None
        refusal = self.host.refusal(self.user, self.has_pty)
        if refusal:
            self.chan.write(refusal.encode())
            self.chan.exit(1)
            return
        self.host.sessions.add(self)
        if self.user == FACILITATOR:
            self.host.facilitator = self
        client_env = self.chan.get_environment()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.host.config.class_dir.root),
            "LANG": "C.UTF-8",
            "TERM": self.term,
            **{k: str(client_env[k])[:64] for k in PASSED_ENV if k in client_env},
            **self.host.config.extra_env,
        }
        argv = self.host.command_for(self.user)
        spawn = self.host.spawner()
        if spawn is not None:
            argv = argv[3:]  # the fork server is already `python -m finops_tui`
        self.process = PtyProcess(argv, env, self.size, self._output, self._exited, spawn)
        try:
            self.process.start()
        except OSError as exc:
            self.end(f"The game could not start here: {exc.strerror}.\r\n")

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.last_input = time.monotonic()
        if self.process is not None:
            self.process.write(data)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = clamp_size(width, height)
        if self.process is not None:
            self.process.resize(*self.size)

    def eof_received(self) -> bool:
        self.end("")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._forget()
        if self.process is not None:
            self.process.close()

    def _output(self, data: bytes) -> None:
        if self.chan is not None:
            with contextlib.suppress(OSError, asyncssh.Error):
                self.chan.write(data)

    def _exited(self, code: int | None) -> None:
        self._forget()
        if self.chan is not None:
            with contextlib.suppress(OSError, asyncssh.Error):
                self.chan.exit(code or 0)

    def end(self, message: str) -> None:
        if self.chan is not None and message:
            with contextlib.suppress(OSError, asyncssh.Error):
                self.chan.write(message.encode())
        if self.process is not None:
            self.process.close()
        elif self.chan is not None:
            with contextlib.suppress(OSError, asyncssh.Error):
                self.chan.exit(0)

    def _forget(self) -> None:
        self.host.sessions.discard(self)
        if self.host.facilitator is self:
            self.host.facilitator = None


def load_or_create_host_key(path: Path) -> asyncssh.SSHKey:
    """The class's host key: created on first start (0600), the same ever after."""
    if path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_private_key())
    return key
