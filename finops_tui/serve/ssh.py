"""`finops-tui host`: a class over SSH. Each connection plays in its own PTY process.

Learners join with `ssh -p 2222 TEAM@host` (the user name is the team); the room's
screen joins as `projector`; the facilitator as `facilitator`, with the password or
key set when the host starts. There is no shell, no exec, no forwarding and no SFTP:
every session runs the game, the scoreboard or the facilitator's console, nothing else.

What one client can cost the class is bounded: connections are counted from the
moment they open (teams, projectors and the facilitator each have their own share, so
a full class never locks the facilitator out), a connection must log in and open its
game within a short time or it is closed, each address may open only so many
connections a minute, a session's keys are metered, and a game's output is read only
as fast as its SSH client takes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import re
import resource
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from finops_tui.content.classroom import ClassDir, ClassSettings, check_team_name
from finops_tui.serve.files import HostKeyError, load_or_create_host_key, make_runtime_dir
from finops_tui.serve.forkserver import HANGUP_GRACE, ForkServerClient
from finops_tui.serve.limits import AddressRate, TokenBucket
from finops_tui.serve.pty_process import PtyProcess, clamp_size

__all__ = ["ClassHost", "HostConfig", "HostKeyError", "load_or_create_host_key"]

FACILITATOR, PROJECTOR = "facilitator", "projector"
SAFE_TERM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
PASSED_ENV = ("NO_COLOR", "COLORTERM")
FACILITATOR_SLOTS = 2  # the console, and a second terminal to take it over from a frozen one
PASSWORD_TRIES, PASSWORD_DELAY = 3, 1.0
RESIZE_INTERVAL = 0.1  # seconds between window changes passed to a game
REFUSAL_SLOTS = 2  # connections past the cap let in only to be told why, in their terminal
TAKEOVER_SLOTS = 2  # teams past the cap coming back from a new terminal to take over
FILES_PER_CONNECTION = 4  # socket, PTY, and a spawn's socket and terminal while it starts
FILES_KEPT = 48  # the listener, the event loop, logs, the class folder's files
ONLY_THE_GAME = (
    "finops-tui offers only the game here: no commands, no SFTP. "
    "Connect with plain `ssh -p PORT TEAM@HOST`.\r\n"
)

log = logging.getLogger("finops_tui.host")


@dataclass
class HostConfig:
    class_dir: ClassDir
    settings: ClassSettings
    bind: str = "127.0.0.1"
    port: int = 2222
    facilitator_password: str | None = None
    facilitator_keys: Sequence[str] = ()
    max_connections: int = 40  # teams' connections; the facilitator and projectors have their own
    max_projectors: int = 3
    idle_timeout: float = 30 * 60.0
    login_timeout: float = 30.0  # from opening the connection to being logged in
    session_grace: float = 10.0  # from logging in (or leaving a game) to opening a game
    address_burst: int | None = None  # new connections at once per address (a room's worth)
    address_per_minute: float | None = None  # then this many a minute (a room's worth)
    input_rate: float = 512.0  # bytes of keys a second, per session (a held key is 90)
    input_burst: float = 16384.0  # a paste of this size passes at once
    keepalive_interval: float = 10.0  # a client silent for 3 of these is gone
    keepalive_count_max: int = 3
    takeover_timeout: float = 60.0  # to answer "take the team over?"
    python: str = sys.executable
    extra_env: dict[str, str] = field(default_factory=dict)
    warm: bool = True  # fork games from a warm process instead of starting Python each time


class ClassHost:
    """The SSH server, the connections it holds and the sessions it runs."""

    def __init__(self, config: HostConfig) -> None:
        self.config = config
        self.sessions: set[GameSession] = set()
        self.facilitator: GameSession | None = None
        self.connections: dict[HostServer, str] = {}  # each open connection and its role
        self.processes: set[PtyProcess] = set()  # games started, until seen gone
        self.notices: list[str] = []  # sentences for whoever started the host
        self.refused = 0  # connections closed on arrival (cap or rate)
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._idle_task: asyncio.Task | None = None
        self.forkserver: ForkServerClient | None = None
        self._runtime: Path | None = None
        room = config.max_connections + FACILITATOR_SLOTS + config.max_projectors
        # A whole room behind one NAT address may arrive in the same minute.
        self._rate = AddressRate(
            config.address_burst or max(8, room), config.address_per_minute or max(8, room)
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._old_handler = None
        self._reported: dict[str, tuple[float, int]] = {}
        self.connection_limit = self._connection_limit()

    def _connection_limit(self) -> int:
        c = self.config
        wanted = (
            c.max_connections
            + TAKEOVER_SLOTS
            + FACILITATOR_SLOTS
            + c.max_projectors
            + REFUSAL_SLOTS
        )
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return wanted
        fits = max(FACILITATOR_SLOTS + 1, (soft - FILES_KEPT) // FILES_PER_CONNECTION)
        if fits < wanted:
            self.notices.append(
                f"this process may open {soft} files, enough for {fits} connections, "
                f"not {wanted}: raise `ulimit -n` for a class this size"
            )
        return min(wanted, fits)

    async def start(self) -> None:
        key, notice = load_or_create_host_key(self.config.class_dir.host_key_path)
        if notice:
            self.notices.append(notice)
        self._runtime = make_runtime_dir()
        self._loop = asyncio.get_running_loop()
        self._old_handler = self._loop.get_exception_handler()
        self._loop.set_exception_handler(self._exception_handler)
        if self.config.warm:
            client = ForkServerClient(self._runtime / "fork.sock", self.config.python)
            if await client.start():
                self.forkserver = client
            else:
                client.close()
        authorized = None
        if self.config.facilitator_keys:
            authorized = asyncssh.import_authorized_keys("\n".join(self.config.facilitator_keys))
        c = self.config
        self._acceptor = await asyncssh.create_server(
            lambda: HostServer(self, authorized),
            c.bind,
            c.port,
            # asyncio accepts up to `backlog` sockets in one go before any is counted:
            # a burst no larger than the cap cannot use up the descriptors first.
            backlog=min(100, max(8, self.connection_limit)),
            server_host_keys=[key],
            encoding=None,  # binary-safe: bytes both ways
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
            login_timeout=c.login_timeout,
            # A live client answers a keepalive at once; one that does not answer three
            # in a row (about 30 s) is gone, and its team may join again.
            keepalive_interval=c.keepalive_interval,
            keepalive_count_max=c.keepalive_count_max,
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
        # Each game was asked to quit; one that cannot (stuck writing to a dead terminal)
        # is ended, so that no game outlives the host.
        await asyncio.gather(*(p.wait_exited(HANGUP_GRACE) for p in self.processes))
        for process in self.processes:
            process.kill()
        for server in list(self.connections):
            server.close()
        if self._acceptor:
            self._acceptor.close()
            await self._acceptor.wait_closed()
        if self.forkserver is not None:
            self.forkserver.close()
        if self._runtime is not None:
            shutil.rmtree(self._runtime, ignore_errors=True)
        if self._loop is not None:
            self._loop.set_exception_handler(self._old_handler)

    def report(self, key: str, message: str, window: float = 60.0, exc_info=None) -> None:
        """Log `message` once per `window` seconds however often it happens, with a count."""
        now = time.monotonic()
        first, held = self._reported.get(key, (-window, 0))
        if now - first < window:
            self._reported[key] = (first, held + 1)
            return
        if held:
            message += f" ({held} more like it in the last {window:.0f} s)"
        if len(self._reported) > 1000:  # keys are a handful of kinds; never a leak
            self._reported.clear()
        self._reported[key] = (now, 0)
        log.warning(message, exc_info=exc_info)

    def _exception_handler(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        # Out of descriptors, asyncio's accept loop retries every second and reports each
        # time; say it once a minute instead, with the count.
        message = str(context.get("message", "error"))
        exc = context.get("exception")
        detail = f": {exc}" if exc else ""
        # A system condition is said in a line; a bug keeps its traceback (on the host only).
        trace = exc if isinstance(exc, Exception) and not isinstance(exc, OSError) else None
        self.report(f"loop:{message}", f"{message}{detail}", exc_info=trace)

    def spawner(self):
        """How to start a session's program: by the warm fork server while it lives."""
        if self.forkserver is not None and self.forkserver.alive:
            return self.forkserver.spawn
        return None

    async def _reap_idle(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, self.config.idle_timeout / 4))
            self.processes = {p for p in self.processes if p.running}
            now = time.monotonic()
            for session in list(self.sessions):
                if session.user == PROJECTOR:
                    continue  # a display: nobody types on it, and it must stay up all class
                if now - session.last_input > self.config.idle_timeout:
                    session.end("Disconnected after a long idle time. Your game is saved.\r\n")

    # Connections: who is let in, and how many of each.

    def admit(self, server: HostServer) -> bool:
        """A new connection, before anything is read from it: within the caps?"""
        if len(self.connections) >= self.connection_limit:
            self.refused += 1
            self.report(
                "full",
                f"connection from {server.address} closed: at the cap of "
                f"{self.connection_limit} connections",
            )
            return False
        if not self._rate.allow(server.address, time.monotonic()):
            self.refused += 1
            self.report(
                "rate",
                f"connection from {server.address} closed: "
                "too many new connections from that address",
            )
            return False
        self.connections[server] = "pending"
        return True

    def claim(self, server: HostServer, user: str) -> str | None:
        """The role a connection asks for (by its user name); a refusal in words if the
        role's share is taken. Facilitator and projectors never count against the teams."""
        role = FACILITATOR if user == FACILITATOR else PROJECTOR if user == PROJECTOR else "team"
        self.connections[server] = "pending"  # asked again under another name: count afresh
        c = self.config
        share = {FACILITATOR: FACILITATOR_SLOTS, PROJECTOR: c.max_projectors}.get(
            role, c.max_connections
        )
        if sum(1 for r in self.connections.values() if r == role) < share:
            self.connections[server] = role
            return None
        if role == "team" and self._may_take_over(user):
            self.connections[server] = role
            return None
        if role == FACILITATOR:
            message = "Two facilitator connections are open already."
        elif role == PROJECTOR:
            message = f"The room already has {c.max_projectors} projectors connected."
        else:
            message = f"The class is full ({c.max_connections} connections). Ask your facilitator."
        self.connections[server] = "refused"
        return message

    def _may_take_over(self, user: str) -> bool:
        """A team playing in a frozen terminal may come back from a new one even when
        the class is full (it is offered its own team), one extra connection per team
        and at most TAKEOVER_SLOTS such at a time."""
        if self.playing(user) is None:
            return False
        teams = [s for s, r in self.connections.items() if r == "team"]
        return (
            len(teams) < self.config.max_connections + TAKEOVER_SLOTS
            and sum(1 for s in teams if s.user == user) < 2
        )

    def refusals_open(self) -> int:
        return sum(1 for r in self.connections.values() if r == "refused")

    def forget(self, server: HostServer) -> None:
        self.connections.pop(server, None)

    # Sessions

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
        teams = sum(1 for s in self.sessions if s.user not in (FACILITATOR, PROJECTOR))
        is_team = user not in (FACILITATOR, PROJECTOR)
        if is_team and teams >= self.config.max_connections and self.playing(user) is None:
            return (
                f"The class is full ({self.config.max_connections} connections). "
                "Ask your facilitator.\r\n"
            )
        if user in (FACILITATOR, PROJECTOR):
            return None
        problem = check_team_name(user)
        if problem:
            return f"{user!r} cannot be a team name: {problem}.\r\n"
        return None

    def playing(self, user: str) -> GameSession | None:
        """The session playing as `user` (a team, or the facilitator's console), if any."""
        if user == PROJECTOR:
            return None
        if user == FACILITATOR:
            return self.facilitator
        return next((s for s in self.sessions if s.user == user), None)


class HostServer(asyncssh.SSHServer):
    """One connection: authentication, and what it may ask for (one game session)."""

    def __init__(self, host: ClassHost, authorized: asyncssh.SSHAuthorizedKeys | None) -> None:
        self.host = host
        self.authorized = authorized
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.user = ""
        self.failures = 0  # wrong passwords on this connection
        self.session: GameSession | None = None
        self.refusal: str | None = None  # the class is full for this connection's role
        self._grace: asyncio.TimerHandle | None = None
        self._closed = False

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.address = str(peer[0]) if peer else "?"
        if not self.host.admit(self):
            # Before the version exchange there is no way to say why: just close.
            asyncio.get_running_loop().call_soon(conn.abort)
            self._closed = True

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        if self._grace is not None:
            self._grace.cancel()
        self.host.forget(self)

    def close(self) -> None:
        if self.conn is not None and not self._closed:
            self.conn.close()

    def begin_auth(self, username: str) -> bool:
        self.user = username
        refusal = self.host.claim(self, username)
        if refusal is not None and self.host.refusals_open() > REFUSAL_SLOTS:
            # Enough people are already being told; this one hears it from ssh itself.
            assert self.conn is not None
            self.conn.disconnect(asyncssh.DISC_TOO_MANY_CONNECTIONS, refusal)
            return True
        self.refusal = refusal
        # Teams and the projector need no password: the room is the trust boundary.
        return username == FACILITATOR

    def auth_completed(self) -> None:
        self.arm_grace()

    def arm_grace(self) -> None:
        """A logged-in connection without a game is closed after a short grace."""
        if self._grace is not None:
            self._grace.cancel()
        loop = asyncio.get_running_loop()
        self._grace = loop.call_later(self.host.config.session_grace, self._end_if_idle)

    def _end_if_idle(self) -> None:
        if self.session is None and self.conn is not None and not self._closed:
            self.host.report("grace", "closed a connection that opened no game")
            self.conn.disconnect(asyncssh.DISC_BY_APPLICATION, "No game was opened.")

    def password_auth_supported(self) -> bool:
        return self.host.config.facilitator_password is not None

    async def validate_password(self, username: str, password: str) -> bool:
        expected = self.host.config.facilitator_password
        if (
            username == FACILITATOR
            and expected is not None
            and hmac.compare_digest(password.encode(), expected.encode())
        ):
            return True
        # Guessing is slow and short: a second per wrong password, three per connection
        # (and the per-address rate limits how often one may reconnect to guess again).
        self.failures += 1
        self.host.report("password", f"wrong facilitator password from {self.address}")
        await asyncio.sleep(PASSWORD_DELAY)
        if self.failures >= PASSWORD_TRIES and self.conn is not None:
            self.conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE, "Wrong password.")
        return False

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

    def session_requested(self) -> GameSession | bool:
        assert self.conn is not None
        if self.session is not None:
            return False  # one game per connection: a second one is a second process
        if self._grace is not None:
            self._grace.cancel()
        self.session = GameSession(self.host, self.conn.get_extra_info("username") or "", self)
        return self.session

    def session_ended(self, session: GameSession) -> None:
        if self.session is session:
            self.session = None
            if not self._closed:
                self.arm_grace()


class GameSession(asyncssh.SSHServerSession):
    """One SSH session: a game (or scoreboard, or console) on its own PTY."""

    def __init__(self, host: ClassHost, user: str, server: HostServer | None = None) -> None:
        self.host = host
        self.user = user
        self.server = server
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term = "xterm-256color"
        self.size = (80, 24)
        self.has_pty = False
        self.process: PtyProcess | None = None
        self.last_input = time.monotonic()
        self.env: dict[str, str] = {}
        self.request: str | None = None  # an exec command or subsystem: refused in words
        self.keys = TokenBucket(host.config.input_rate, host.config.input_burst)
        self.dropped = 0  # bytes of keys over the budget, thrown away
        self._asking = False  # offering this terminal the team another one is playing
        self._question: asyncio.TimerHandle | None = None
        self._task: asyncio.Task | None = None
        self._ended = False
        self._resize: asyncio.TimerHandle | None = None
        self._resized_at = -RESIZE_INTERVAL

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
        self.request = "exec"  # accepted only to say, in session_started, that it is refused
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        self.request = "subsystem"
        return True

    def session_started(self) -> None:
        assert self.chan is not None
        if self.request is not None:
            self._refuse(ONLY_THE_GAME, stderr=True)
            return
        refusal = (self.server.refusal if self.server else None) or self.host.refusal(
            self.user, self.has_pty
        )
        if refusal:
            self._refuse(refusal if refusal.endswith("\n") else refusal + "\r\n")
            return
        if self.host.playing(self.user) is not None:
            self._ask_takeover()
            return
        self._begin()

    def _refuse(self, message: str, stderr: bool = False) -> None:
        assert self.chan is not None
        with contextlib.suppress(OSError, asyncssh.Error):
            self.chan.write(message.encode(), asyncssh.EXTENDED_DATA_STDERR if stderr else None)
            self.chan.exit(1)
        self._ended = True

    # Taking a team over from another terminal (a frozen laptop, a closed lid).

    def _ask_takeover(self) -> None:
        assert self.chan is not None
        if self.user == FACILITATOR:
            where = "The facilitator's console is already open in another terminal."
            kept = "the class goes on"
        else:
            where = f"Team {self.user!r} is already playing from another terminal."
            kept = "the game is saved"
        self._asking = True
        self.chan.write(
            f"{where}\r\nTake it over here? The other terminal will be closed; {kept}. "
            "Press y for yes, n for no.\r\n".encode()
        )
        loop = asyncio.get_running_loop()
        self._question = loop.call_later(self.host.config.takeover_timeout, self._no_answer)

    def _no_answer(self) -> None:
        if self._asking:
            self._asking = False
            self._refuse("No answer: nothing was taken over. Goodbye.\r\n")

    def _answer(self, data: bytes) -> None:
        key = data[:1].lower()
        if key not in (b"y", b"n"):
            return  # anything else (a stray arrow key, Enter) is not an answer
        if self._question is not None:
            self._question.cancel()
        self._asking = False
        if key == b"n":
            self._refuse("Nothing was taken over: the other terminal keeps playing. Goodbye.\r\n")
            return
        self._task = asyncio.create_task(self._take_over())

    async def _take_over(self) -> None:
        assert self.chan is not None
        current = self.host.playing(self.user)
        if current is not None and current is not self:
            current.end("This game was taken over from another terminal. It is saved.\r\n")
            if current.process is not None:
                # Wait for the old game to be gone before the new one opens the same saves.
                await current.process.wait_exited(timeout=5.0)
        if self._ended or self.host.playing(self.user) is not None:
            self._refuse("Someone else took the game over first. Goodbye.\r\n")
            return
        self._begin()

    # The game itself.

    def _begin(self) -> None:
        assert self.chan is not None
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
        self.host.processes.add(self.process)
        self._task = asyncio.create_task(self._start(self.process))

    async def _start(self, process: PtyProcess) -> None:
        try:
            await process.start_async()
        except (OSError, ValueError, KeyError) as exc:
            reason = getattr(exc, "strerror", None) or "the game server did not answer"
            self.host.report(f"start:{reason}", f"a game could not start: {exc!r}")
            self.process = None
            self._forget()
            self._refuse(f"The game could not start here: {reason}. Ask your facilitator.\r\n")

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.last_input = time.monotonic()
        if self._asking:
            self._answer(data)
            return
        if self.process is None:
            return
        # A person types a few keys a second and pastes a paragraph at most; a flood
        # past the budget is dropped here, whole chunks, so no key is cut in half.
        if not self.keys.take(len(data), self.last_input):
            self.dropped += len(data)
            self.host.report(
                f"flood:{self.user}", f"{self.user}: keys over the input budget were dropped"
            )
        elif not self.process.write(data):
            self.dropped += len(data)  # the game is not reading its keys, or not started yet

    def pause_writing(self) -> None:
        # The client is not taking the output as fast as the game makes it: stop reading
        # the game's terminal, so the game waits instead of the host's memory growing.
        if self.process is not None:
            self.process.pause_reading()

    def resume_writing(self) -> None:
        if self.process is not None:
            self.process.resume_reading()

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        # Each resize redraws the whole screen: pass on at most ten a second (the last
        # one always arrives), so a client sending window changes in a loop gains nothing.
        self.size = clamp_size(width, height)
        if self._resize is not None:
            return
        loop = asyncio.get_running_loop()
        wait = max(0.0, self._resized_at + RESIZE_INTERVAL - loop.time())
        self._resize = loop.call_later(wait, self._apply_size)

    def _apply_size(self) -> None:
        self._resize = None
        self._resized_at = asyncio.get_running_loop().time()
        if self.process is not None:
            self.process.resize(*self.size)

    def eof_received(self) -> bool:
        self.end("")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended = True
        for timer in (self._question, self._resize):
            if timer is not None:
                timer.cancel()
        self._asking = False
        self._forget()
        if self.process is not None:
            self.process.close()
        if self.server is not None:
            self.server.session_ended(self)

    def _output(self, data: bytes) -> None:
        if self.chan is not None:
            with contextlib.suppress(OSError, asyncssh.Error):
                self.chan.write(data)

    def _exited(self, code: int | None) -> None:
        self._forget()
        self._ended = True
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
