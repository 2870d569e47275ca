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
import logging
import resource
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from finops_tui.content.classroom import ClassDir, ClassSettings, check_team_name
from finops_tui.gameplay.seats import MAX_MEMBERS, parse_seat, seat_problem, split_login
from finops_tui.serve.files import HostKeyError, load_or_create_host_key, make_runtime_dir
from finops_tui.serve.forkserver import HANGUP_GRACE, ForkServerClient
from finops_tui.serve.limits import (
    FACILITATOR_SLOTS,
    FILES_KEPT,
    FILES_PER_CONNECTION,
    REFUSAL_SLOTS,
    TAKEOVER_SLOTS,
    AddressRate,
)
from finops_tui.serve.programs import FACILITATOR, PROJECTOR, member_login, seat_argv
from finops_tui.serve.pty_process import PtyProcess
from finops_tui.serve.ssh_server import HostServer
from finops_tui.serve.ssh_session import GameSession

__all__ = ["ClassHost", "HostConfig", "HostKeyError", "load_or_create_host_key"]

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
    # A member of a team with others playing whose terminal reads none of its game's
    # output for this long (a lid closed, a stuck client) is let go: its seat frees up.
    frozen_after: float = 20.0
    python: str = sys.executable
    extra_env: dict[str, str] = field(default_factory=dict)
    warm: bool = True  # fork games from a warm process instead of starting Python each time


def shown(text: str, limit: int = 40) -> str:
    """Typed text as a refusal may echo it: escaped, and cut short."""
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


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
        config = self.config
        return seat_argv(config.python, config.class_dir, config.settings, user)

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
        team, seat = split_login(user)
        problem = check_team_name(team)
        if problem:
            return f"{shown(team)} cannot be a team name: {problem}.\r\n"
        if seat is not None and parse_seat(seat) is None:
            return f"{seat_problem(seat)}; join as {team}+SEAT, or as {team} and pick one.\r\n"
        members = self.members(team)
        if len(members) >= MAX_MEMBERS and self.playing(user) is None:
            return (
                f"Team {team!r} has {MAX_MEMBERS} members playing already; "
                "one of them can share a screen with you.\r\n"
            )
        return None

    def members(self, team: str) -> list[GameSession]:
        """The sessions playing (or watching) in `team`'s game."""
        return [
            s
            for s in self.sessions
            if s.user not in (FACILITATOR, PROJECTOR) and member_login(s.user)[0] == team
        ]

    def playing(self, user: str) -> GameSession | None:
        """The session playing as `user` (a team, or the facilitator's console), if any."""
        if user == PROJECTOR:
            return None
        if user == FACILITATOR:
            return self.facilitator
        if check_team_name(split_login(user)[0]):
            return None
        wanted = member_login(user)
        return next(
            (
                s
                for s in self.sessions
                if s.user not in (FACILITATOR, PROJECTOR) and member_login(s.user) == wanted
            ),
            None,
        )
