"""`finops-tui web`: a hosted class in a browser. Every visitor is a team, as over SSH.

A visitor opens the page, types its team name (the same rules as an SSH user name) and
plays in the page: the class's level, seed and setting, its saves in CLASS_DIR/teams/TEAM,
its exports confined there. `/?team=NAME` goes straight in, so a facilitator can hand out
one link per team. The facilitator's console and the projector run beside it, on the host
(`finops-tui facilitate` / `scoreboard`) or over `finops-tui host` on the same class folder.

The page loads nothing from another host: textual.js, its stylesheet and the terminal's
font come from this server (they ship with textual-serve), and the page says so to the
browser in its Content-Security-Policy. Each game runs as its own process under Textual's
web driver, which speaks length-prefixed packets on stdin and stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from aiohttp import WSMsgType, web

from finops_tui.content.classroom import ClassDir, ClassSettings, check_team_name
from finops_tui.gameplay.seats import TEAM_SLOT
from finops_tui.serve.programs import team_argv
from finops_tui.serve.pty_process import clamp_size

log = logging.getLogger("finops_tui.web")

PRELUDE = b"__GANGLION__\n"  # what Textual's web driver prints before its first packet
MAX_PACKET = 8 * 1024 * 1024  # a screen is far smaller: anything bigger is not our game
MAX_MESSAGE = 64 * 1024  # one browser message: keys or a resize, never megabytes
STOP_SECONDS = 10.0
FONT_SIZES = range(8, 41)
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self' ws: wss:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def _static_folder() -> Path:
    import textual_serve

    return Path(textual_serve.__file__).parent / "static"


# The only files the page uses, all from textual-serve's package: nothing else is served.
STATIC_FILES = {
    "js/textual.js": "application/javascript",
    "css/xterm.css": "text/css",
    "fonts/RobotoMono-VariableFont_wght.ttf": "font/ttf",
}


@dataclass
class WebConfig:
    class_dir: ClassDir
    settings: ClassSettings
    bind: str = "127.0.0.1"
    port: int = 8000
    max_connections: int = 40
    idle_timeout: float = 30 * 60.0
    python: str = sys.executable
    title: str = "finops-tui"
    extra_env: dict[str, str] = field(default_factory=dict)


def team_from_query(raw: str) -> tuple[str, str | None]:
    """A typed team name, trimmed and lowercased, and why it cannot be a team (or None)."""
    team = raw.strip().lower()
    problem = check_team_name(team)
    if problem is None:
        return team, None
    shown = team if len(team) <= 40 else team[:40] + "..."
    return team, f"{shown!r} cannot be a team name: {problem}."


def game_env(config: WebConfig, width: int, height: int) -> dict[str, str]:
    """The host's environment for a game, without its secrets or Textual settings of its own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FINOPS_TUI_FACILITATOR", "TEXTUAL"))
    }
    env.update(
        TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver",
        TEXTUAL_FPS="60",
        TEXTUAL_COLOR_SYSTEM="truecolor",
        TERM_PROGRAM="textual",
        COLUMNS=str(width),
        ROWS=str(height),
        HOME=str(config.class_dir.root.absolute()),
        **config.extra_env,
    )
    return env


class GameProcess:
    """One team's game: bytes from the browser in, the screen out, nothing else."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        cwd: Path,
        send: Callable[[bytes], Awaitable[None]],
    ) -> None:
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.send = send
        self.process: asyncio.subprocess.Process | None = None
        self.started = asyncio.Event()
        self.stderr_tail = b""
        self._pump: asyncio.Task | None = None
        self._drain: asyncio.Task | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        self._drain = asyncio.create_task(self._keep_stderr_tail())
        self._pump = asyncio.create_task(self._forward_screen())

    async def wait(self) -> int | None:
        """Until the game has ended and its output has been forwarded; its exit status."""
        if self._pump is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        await self.stop()  # it said goodbye (or broke the protocol): make sure it has gone
        return None if self.process is None else self.process.returncode

    async def keys(self, data: bytes) -> None:
        await self._packet(b"D", data)

    async def meta(self, data: dict[str, object]) -> None:
        await self._packet(b"M", json.dumps(data).encode())

    async def _packet(self, kind: bytes, payload: bytes) -> None:
        if self.process is None or self.process.stdin is None:
            return
        stdin = self.process.stdin
        if stdin.is_closing():
            return
        with contextlib.suppress(OSError, RuntimeError):
            stdin.write(kind + len(payload).to_bytes(4, "big") + payload)
            await stdin.drain()  # a flood waits here: the visitor's socket, not the host, fills

    async def stop(self) -> None:
        """Ask the game to quit (it saves as it goes), then make sure it has gone."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        await self.meta({"type": "quit"})
        for signal_it in (None, process.terminate, process.kill):
            if signal_it is not None:
                with contextlib.suppress(ProcessLookupError):
                    signal_it()
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS / 2)
                break
            except TimeoutError:
                continue
        if self._pump is not None:
            self._pump.cancel()

    async def _forward_screen(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout
        try:
            for _ in range(50):  # Python may warn on stdout before the driver's prelude
                line = await stdout.readline()
                if not line or line == PRELUDE:
                    break
            else:
                return
            if not line:
                return
            self.started.set()
            while True:
                kind = await stdout.readexactly(1)
                size = int.from_bytes(await stdout.readexactly(4), "big")
                if size > MAX_PACKET:
                    log.warning("game %s: a %d-byte packet; stopping it", self.argv, size)
                    return
                payload = await stdout.readexactly(size)
                if kind == b"D":
                    await self.send(payload)
                elif kind == b"M" and _meta_type(payload) == "exit":
                    return
                # Other packets (open a URL, deliver a file) would reach outside the page.
        except (asyncio.IncompleteReadError, ConnectionError, RuntimeError):
            return  # the game ended, or the page went away mid-screen

    async def _keep_stderr_tail(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while chunk := await self.process.stderr.read(4096):
            self.stderr_tail = (self.stderr_tail + chunk)[-4096:]


def _meta_type(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("type", ""))
    except (ValueError, AttributeError):
        return ""


@dataclass
class Visit:
    team: str
    socket: web.WebSocketResponse
    game: GameProcess | None = None
    last_input: float = field(default_factory=time.monotonic)
    ended: bool = False


class WebClass:
    """The web server of a class: the page, its few static files, a game per visitor."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.visits: dict[str, Visit] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._runner: web.AppRunner | None = None
        self._idle_task: asyncio.Task | None = None
        self._static = _static_folder()

    # --- the server
    def application(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024)
        app.router.add_get("/", self.page)
        app.router.add_get("/ws/{team}", self.websocket)
        app.router.add_get("/static/{name:.+}", self.static)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.application(), handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.bind, self.config.port)
        await site.start()
        self._idle_task = asyncio.create_task(self._reap_idle())

    @property
    def port(self) -> int:
        assert self._runner is not None
        return int(self._runner.addresses[0][1])

    async def close(self) -> None:
        if self._idle_task is not None:
            self._idle_task.cancel()
        goodbye = "The host is shutting down. Your game is saved."
        visits = list(self.visits.values())
        await asyncio.gather(*(self._end(v, goodbye) for v in visits), return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    # --- pages
    async def page(self, request: web.Request) -> web.Response:
        """The join form, or (with a good `?team=`) the team's game in a terminal."""
        query = request.query
        if "team" not in query:
            return _html(join_page(self.config, "", None))
        team, problem = team_from_query(query.get("team", ""))
        if problem is None:
            problem = self.refusal(team)
        if problem is not None:
            return _html(join_page(self.config, team, problem), status=400)
        font = _font_size(query.get("fontsize", ""))
        wanted = {"team": team, **({"fontsize": str(font)} if font != 16 else {})}
        if list(query.items()) != list(
            wanted.items()
        ):  # one address per team: nothing else rides on the page's URL
            raise web.HTTPSeeOther("/?" + urlencode(wanted))
        return _html(game_page(self.config, team, font))

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise web.HTTPNotFound()
        response = web.FileResponse(self._static / name)
        response.content_type = STATIC_FILES[name]
        response.headers["Cache-Control"] = "public, max-age=3600"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    # --- a visitor's game
    def refusal(self, team: str) -> str | None:
        """Why `team` cannot start a game now, in one sentence, or None."""
        problem = check_team_name(team)
        if problem is not None:
            return f"{team[:40]!r} cannot be a team name: {problem}."
        if team not in self.visits and len(self.visits) >= self.config.max_connections:
            return (
                f"The class is full ({self.config.max_connections} teams playing). "
                "Ask your facilitator."
            )
        return None

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        team = request.match_info["team"]
        origin = request.headers.get("Origin")
        if origin is not None and not _same_host(origin, request.host):
            # Another site's page in the visitor's browser must not play (or read) a team.
            raise web.HTTPForbidden(text="This game is only played from its own page.")
        socket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE)
        await socket.prepare(request)
        refusal = self.refusal(team)
        if refusal is not None:
            await _say(socket, refusal)
            await socket.close()
            return socket
        width, height = clamp_size(
            _number(request.query.get("width"), 80), _number(request.query.get("height"), 24)
        )
        visit = Visit(team, socket)
        async with self._locks.setdefault(team, asyncio.Lock()):
            previous = self.visits.get(team)
            if previous is not None:
                await self._end(
                    previous,
                    "This team was opened in another tab or browser, so this one is closed. "
                    "Your game is saved.",
                )
            self.visits[team] = visit
            visit.game = GameProcess(
                # The team's member without a seat: it plays every seat nobody sits in,
                # beside any seats joined over SSH, with one writer of the team's game.
                team_argv(
                    self.config.python,
                    self.config.class_dir,
                    self.config.settings,
                    team,
                    TEAM_SLOT,
                ),
                game_env(self.config, width, height),
                self.config.class_dir.root.absolute(),
                socket.send_bytes,
            )
            try:
                await visit.game.start()
            except OSError as exc:
                log.error("team %s: the game could not start: %s", team, exc)
                await self._end(visit, "The game could not start here. Tell your facilitator.")
                return socket
        log.info("team %s joined from %s", team, request.remote)
        reader = asyncio.create_task(self._read_browser(visit))
        code = None
        try:
            code = await visit.game.wait()
        finally:  # whatever happened, the game stops and the team is free again
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                await reader
            await self._finish(visit, code)
        return socket

    async def _read_browser(self, visit: Visit) -> None:
        """Keys, resizes and focus from the page; anything else is ignored, never fatal."""
        assert visit.game is not None
        game = visit.game
        async for message in visit.socket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = json.loads(message.data)
            except (ValueError, TypeError):
                continue
            if kind == "stdin" and isinstance(data, str):
                visit.last_input = time.monotonic()
                await game.keys(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                width, height = clamp_size(
                    _number(data.get("width"), 80), _number(data.get("height"), 24)
                )
                await game.meta({"type": "resize", "width": width, "height": height})
            elif kind in ("focus", "blur"):
                await game.meta({"type": kind})
            elif kind == "ping":
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await visit.socket.send_json(["pong", str(data)[:64]])
        await game.stop()  # the page closed: the game saves and quits

    async def _finish(self, visit: Visit, code: int | None) -> None:
        if self.visits.get(visit.team) is visit:
            del self.visits[visit.team]
        if visit.ended:
            return
        game = visit.game
        if code not in (0, None) and game is not None and not game.started.is_set():
            tail = game.stderr_tail.decode("utf-8", "replace").strip()
            log.error("team %s: the game did not start (exit %s): %s", visit.team, code, tail)
            await self._end(visit, "The game could not start here. Tell your facilitator.")
        elif code not in (0, None):
            tail = game.stderr_tail.decode("utf-8", "replace").strip() if game else ""
            log.error("team %s: the game stopped (exit %s): %s", visit.team, code, tail)
            await self._end(visit, "The game stopped. It is saved: reload the page to go on.")
        else:
            await self._end(visit, "The game has closed. It is saved: rejoin to go on.")
        log.info("team %s left", visit.team)

    async def _end(self, visit: Visit, message: str) -> None:
        """Tell the visitor why (one sentence), stop its game, close its page's connection."""
        if visit.ended:
            return
        visit.ended = True
        if self.visits.get(visit.team) is visit:
            del self.visits[visit.team]
        if message:
            await _say(visit.socket, message)
        if visit.game is not None:
            await visit.game.stop()
        with contextlib.suppress(ConnectionError, RuntimeError):
            await visit.socket.close()

    async def _reap_idle(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, self.config.idle_timeout / 4))
            now = time.monotonic()
            for visit in list(self.visits.values()):
                if now - visit.last_input > self.config.idle_timeout:
                    await self._end(
                        visit, "Disconnected after a long idle time. Your game is saved."
                    )


async def _say(socket: web.WebSocketResponse, message: str) -> None:
    """A line in the visitor's terminal (outside the game's screen, which has ended)."""
    text = "\x1b[?1049l\x1b[?25h\r\n" + message + "\r\n"
    with contextlib.suppress(ConnectionError, RuntimeError):
        await socket.send_bytes(text.encode())


def _same_host(origin: str, host: str) -> bool:
    from urllib.parse import urlsplit

    return urlsplit(origin).netloc.lower() == host.lower()


def _number(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def _font_size(text: str) -> int:
    size = _number(text, 16)
    return size if size in FONT_SIZES else 16


def _html(body: str, status: int = 200) -> web.Response:
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the two pages: plain HTML, every address relative to this server ------------------

STYLE = """
@font-face { font-family: "Roboto Mono"; font-weight: 100 700;
  src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }
body { margin: 0; background: #0c181f; color: #f2f2f2;
  font-family: "Roboto Mono", ui-monospace, Menlo, Consolas, monospace; }
main { max-width: 40rem; margin: 10vh auto; padding: 2rem; background: #12232d; }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; margin: 1.5rem 0 0.5rem; }
input { font: inherit; padding: 0.5rem; width: 16rem; }
button { font: inherit; padding: 0.5rem 1.5rem; margin-left: 0.5rem; background: #5e0ba7;
  color: #f2f2f2; border: none; cursor: pointer; }
.hint { color: #b8c4cc; font-size: 0.9rem; }
.problem { color: #ffb4a8; font-weight: bold; }
.textual-terminal { width: 100vw; height: 100vh; }
.closed { display: none; position: fixed; left: 0; right: 0; bottom: 0; padding: 0.75rem 1rem;
  background: #12232d; border-top: 2px solid #5e0ba7; }
body.-closed .closed { display: block; }
.closed a { color: #d9b8ff; margin-left: 1rem; }
"""


def _head(config: WebConfig) -> str:
    title = html.escape(config.title)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        '<link rel="preload" href="/static/fonts/RobotoMono-VariableFont_wght.ttf" as="font" '
        'type="font/ttf" crossorigin>\n'
        '<link rel="stylesheet" href="/static/css/xterm.css">\n'
        '<script src="/static/js/textual.js"></script>\n'
        f"<style>{STYLE}</style>\n</head>\n"
    )


def join_page(config: WebConfig, team: str, problem: str | None) -> str:
    """Where a visitor names its team; textual.js loads here too, ready for the game."""
    s = config.settings
    shown_problem = f'<p class="problem">{html.escape(problem)}</p>\n' if problem else ""
    return (
        _head(config)
        + "<body>\n<main>\n"
        + f"<h1>{html.escape(config.title)}</h1>\n"
        + f"<p>This class plays <b>{html.escape(s.level)}</b>, seed {s.seed} ({s.setting}): "
        "every team faces the same world.</p>\n" + '<form method="get" action="/">\n'
        '<label for="team">Your team name</label>\n'
        f'<input id="team" name="team" value="{html.escape(team[:64], quote=True)}" maxlength="32" '
        'required autofocus autocomplete="off" autocapitalize="none" spellcheck="false">'
        '<button type="submit">Join</button>\n</form>\n'
        + shown_problem
        + '<p class="hint">1 to 32 lowercase letters, digits, "-" or "_". Your game is saved '
        "under this name after every turn: use the same name to come back to it. One tab plays "
        "a team at a time; opening it in another tab moves it there.</p>\n"
        "</main>\n</body>\n</html>\n"
    )


def game_page(config: WebConfig, team: str, font_size: int) -> str:
    """The team's game: textual.js connects the terminal to `/ws/TEAM` on this host."""
    socket_path = "/ws/" + quote(team, safe="")
    again = "/?" + urlencode({"team": team})
    return (
        _head(config) + "<body>\n" + f'<div id="terminal" class="textual-terminal" '
        f'data-session-websocket-url="{html.escape(socket_path, quote=True)}" '
        f'data-font-size="{font_size}"></div>\n'
        # textual.js wants an absolute ws:// address: this page's own host, made here.
         + "<script>(function () { var t = document.getElementById('terminal');"
        " t.dataset.sessionWebsocketUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://')"
        " + location.host + t.dataset.sessionWebsocketUrl; })();</script>\n"
        + f'<div class="closed">Team {html.escape(team)}: disconnected (why is written above).'
        f'<a href="{html.escape(again, quote=True)}">Rejoin</a><a href="/">Another team</a></div>\n'
        "</body>\n</html>\n"
    )
