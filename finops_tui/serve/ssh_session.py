"""One SSH session: a game, the scoreboard or the console on its own PTY, its keys
metered, its output read only as fast as its client takes it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from typing import TYPE_CHECKING

import asyncssh

from finops_tui.gameplay.seats import MAX_MEMBERS, TEAM_SLOT, seat_name
from finops_tui.serve.limits import TokenBucket
from finops_tui.serve.programs import FACILITATOR, PROJECTOR, member_login
from finops_tui.serve.pty_process import PtyProcess, clamp_size

if TYPE_CHECKING:
    from finops_tui.serve.ssh import ClassHost
    from finops_tui.serve.ssh_server import HostServer

SAFE_TERM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
PASSED_ENV = ("NO_COLOR", "COLORTERM")
RESIZE_INTERVAL = 0.1  # seconds between window changes passed to a game
ONLY_THE_GAME = (
    "finops-tui offers only the game here: no commands, no SFTP. "
    "Connect with plain `ssh -p PORT TEAM@HOST`.\r\n"
)


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
        self._frozen: asyncio.TimerHandle | None = None  # since the terminal stopped reading
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
            team, slot = member_login(self.user)
            if slot == TEAM_SLOT:
                where = f"Team {team!r} is already playing from another terminal."
                join = " Or press j to join the team as another member (pick a free seat)."
            else:
                where = f"Seat {seat_name(slot)} of team {team!r} is already playing."
                join = " Or press w to watch that seat."
            kept = "the game is saved"
        self._asking = True
        self.chan.write(
            f"{where}\r\nTake it over here? The other terminal will be closed; {kept}. "
            f"Press y for yes, n for no.{join if self.user != FACILITATOR else ''}\r\n".encode()
        )
        loop = asyncio.get_running_loop()
        self._question = loop.call_later(self.host.config.takeover_timeout, self._no_answer)

    def _no_answer(self) -> None:
        if self._asking:
            self._asking = False
            self._refuse("No answer: nothing was taken over. Goodbye.\r\n")

    def _answer(self, data: bytes) -> None:
        key = data[:1].lower()
        joins = self.user != FACILITATOR and key in (b"j", b"w")
        if key not in (b"y", b"n") and not joins:
            return  # anything else (a stray arrow key, Enter) is not an answer
        if self._question is not None:
            self._question.cancel()
        self._asking = False
        if key == b"n":
            self._refuse("Nothing was taken over: the other terminal keeps playing. Goodbye.\r\n")
            return
        if joins:
            # Another member of the team: it plays (or watches) beside the first terminal.
            team = member_login(self.user)[0]
            if len(self.host.members(team)) >= MAX_MEMBERS:
                self._refuse(f"Team {team!r} has {MAX_MEMBERS} members playing already.\r\n")
                return
            self._begin()
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
        if self._frozen is None and self.user not in (FACILITATOR, PROJECTOR):
            loop = asyncio.get_running_loop()
            self._frozen = loop.call_later(self.host.config.frozen_after, self._frozen_terminal)

    def resume_writing(self) -> None:
        if self.process is not None:
            self.process.resume_reading()
        if self._frozen is not None:
            self._frozen.cancel()
            self._frozen = None

    def _frozen_terminal(self) -> None:
        """This terminal has taken none of its game's output for a while. Alone in its
        team it may wait (its game waits too); beside teammates it would hold their
        turn, so it is let go and its seat frees up."""
        self._frozen = None
        team = member_login(self.user)[0]
        if self._ended or len(self.host.members(team)) < 2:
            return
        self.host.report(
            f"frozen:{self.user}", f"{self.user}: a terminal that read nothing, closed"
        )
        self.end("This terminal stopped reading; your team played on. Connect again to rejoin.\r\n")

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
        for timer in (self._question, self._resize, self._frozen):
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
