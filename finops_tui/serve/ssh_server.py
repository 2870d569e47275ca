"""What one SSH connection may do: log in (only the facilitator has a password), and open
the one session it is let in for. No forwarding of any kind."""

from __future__ import annotations

import asyncio
import hmac
from typing import TYPE_CHECKING

import asyncssh

from finops_tui.serve.limits import REFUSAL_SLOTS
from finops_tui.serve.programs import FACILITATOR

if TYPE_CHECKING:
    from finops_tui.serve.ssh import ClassHost

from finops_tui.serve.ssh_session import GameSession

PASSWORD_TRIES, PASSWORD_DELAY = 3, 1.0


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
