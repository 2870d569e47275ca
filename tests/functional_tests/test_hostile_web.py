"""A hosted team (over SSH or in a browser) writes only into its own folder, and the web
server is a class host like `finops-tui host`: the class's level and seed for every
visitor, a folder per team, and a page that loads nothing from another machine.

Everything here runs on loopback, with every wait bounded in time.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp
import pytest
from textual.widgets import Input, Static

from finops_tui.cli.main import build_parser
from finops_tui.content.classroom import ClassDir, ClassSettings
from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.session import GameSession
from finops_tui.serve.programs import team_argv
from finops_tui.serve.web import WebClass, WebConfig
from finops_tui.ui.app import create_app
from finops_tui.ui.classroom.link import ClassLink
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.export import ExportScreen, exports_confined

ANSI = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|[=>])")

# What a hostile team types as an export's name; none of it may land outside its folder.
HOSTILE_NAMES = [
    "..",
    "../x",
    "../x.csv",
    "../../escaped.csv",
    "/tmp/finops-escaped.csv",
    "out",  # a link in the team folder to a folder outside it
    "out/",
    "victim.csv",  # a link in the team folder to a file outside it
    "a\x00b.csv",
    "\x1b[2Jwipe.csv",
    "line\nbreak.csv",
    "rtl\u202ecsv.exe.csv",
    "x" * 300 + ".csv",
    "~/x.csv",
]


def hostile_class(tmp_path: Path, team: str = "blue") -> ClassDir:
    """A class whose team folder holds links out, as a careless or hostile set-up might."""
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=1))
    folder = class_dir.team_dir(team)
    folder.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / "out").symlink_to(outside)
    (folder / "victim.csv").symlink_to(outside / "victim.csv")
    return class_dir


def files_outside(tmp_path: Path, folder: Path) -> set[str]:
    """Every exported file under tmp_path (links followed) that is not in the team folder."""
    found = set()
    inside = os.path.realpath(folder)
    for root, _dirs, names in os.walk(tmp_path, followlinks=False):
        for name in names:
            real = os.path.realpath(os.path.join(root, name))
            if not os.path.isfile(real) or real.startswith(inside + os.sep):
                continue
            if real.endswith((".csv", ".md", ".html", ".svg")):
                found.add(real)
    return found


async def try_names(pilot, names: list[str]) -> dict[str, str]:
    """Type each name into the debrief's export dialog and press enter; what the dialog said."""
    app = pilot.app
    await pilot.press("x")
    await pilot.pause()
    assert isinstance(app.screen, ExportScreen)
    said = {}
    for typed in names:
        name = app.screen.query_one("#export-name", Input)
        name.focus()
        name.value = typed
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        said[typed] = str(app.screen.query_one("#export-status", Static).content)
    return said


async def show_finished_game(pilot, scenario_level: str = "tutorial") -> None:
    from finops_tui.content.levels import load_scenario

    scenario = load_scenario(scenario_level)
    state = play(scenario, 1, plan_decisions(scenario, scenario.level.plans["naive"]))
    pilot.app.show_debrief(GameSession(scenario, state, "blue"))
    await pilot.pause()
    assert isinstance(pilot.app.screen, DebriefScreen)


def assert_all_refused(said: dict[str, str], team_folder: Path, tmp_path: Path) -> None:
    for typed, status in said.items():
        assert status.startswith("Not written:"), (typed, status)
        assert "Traceback" not in status and "\n" not in status.strip(), (typed, status)
    assert files_outside(tmp_path, team_folder) == set()
    assert not (tmp_path / "outside" / "victim.csv").exists()
    assert not Path("/tmp/finops-escaped.csv").exists()


async def test_an_ssh_team_cannot_export_outside_its_folder(tmp_path):
    class_dir = hostile_class(tmp_path)
    folder = class_dir.team_dir("blue")
    app = create_app(
        level="tutorial",
        seed=1,
        player="blue",
        store=SaveStore(folder),
        animate=False,
        class_link=ClassLink(class_dir, "blue"),  # what `play --class-dir` (the SSH host) sets
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await show_finished_game(pilot)
        said = await try_names(pilot, HOSTILE_NAMES)
        assert_all_refused(said, folder, tmp_path)
        assert "your team's folder" in said[".."]
        assert "your team's folder" in said["out"]
        # A plain name still works, inside the team's folder.
        said = await try_names_again(pilot, ["for-the-cfo.csv"])
        assert "Wrote:" in said["for-the-cfo.csv"]
        assert (folder / "for-the-cfo.csv").is_file()


async def test_an_ssh_team_cannot_export_the_calculators_table_outside_its_folder(tmp_path):
    from finops_tui.ui.screens.calculator import CalculatorScreen

    class_dir = hostile_class(tmp_path)
    folder = class_dir.team_dir("blue")
    app = create_app(
        level="tutorial",
        seed=1,
        player="blue",
        store=SaveStore(folder),
        animate=False,
        class_link=ClassLink(class_dir, "blue"),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.open_calculator()  # ctrl+p "Cost calculator", from the class lobby
        await pilot.pause()
        assert isinstance(app.screen, CalculatorScreen)
        await pilot.pause(0.3)  # the first estimate (debounced)
        app.screen.action_export()
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen) and app.screen.confined
        said = await try_names_again(pilot, ["..", "out", "victim.csv", "../calc.csv"])
    assert_all_refused(said, folder, tmp_path)


async def test_a_player_at_home_keeps_any_path_and_hears_why_one_is_impossible(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    saves = tmp_path / "saves"
    (tmp_path / "not-a-folder").write_text("")
    app = create_app(seed=1, store=SaveStore(saves), animate=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await show_finished_game(pilot)
        said = await try_names(
            pilot,
            [
                "x" * 300 + ".csv",  # crashed the game on main (File name too long)
                "~no-such-user-here/x.csv",
                "a\x00b.csv",
                "not-a-folder/x.csv",
                "/" + "d/" * 2100 + "x.csv",
            ],
        )
        for typed, status in said.items():
            assert status.startswith("Not written:"), (typed, status)
        assert app.is_running
        said = await try_names_again(pilot, ["../bill-at-home.csv"])  # today's freedom, kept
        assert "Wrote:" in said["../bill-at-home.csv"]
    assert (tmp_path.parent / "bill-at-home.csv").is_file()
    (tmp_path.parent / "bill-at-home.csv").unlink()


async def try_names_again(pilot, names: list[str]) -> dict[str, str]:
    app = pilot.app
    said = {}
    for typed in names:
        name = app.screen.query_one("#export-name", Input)
        name.focus()
        name.value = typed
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        said[typed] = str(app.screen.query_one("#export-status", Static).content)
    return said


async def test_a_web_visitor_cannot_export_outside_its_folder(tmp_path, monkeypatch):
    """The app the web server starts for a visitor (its exact command line) is confined."""
    import finops_tui.ui.app as ui_app
    from finops_tui.ui.launch import play as launch_play

    class_dir = hostile_class(tmp_path)
    settings = class_dir.settings()
    argv = team_argv(sys.executable, class_dir, settings, "blue")
    assert argv[:3] == [sys.executable, "-m", "finops_tui"]
    made = {}
    real_create_app = ui_app.create_app

    def keep(**kwargs):
        made["app"] = app = real_create_app(**kwargs, animate=False)
        app.run = lambda *args, **kw: None  # run it under Pilot below, not in this terminal
        return app

    monkeypatch.setattr(ui_app, "create_app", keep)
    import gc

    try:
        assert launch_play(build_parser().parse_args(argv[3:])) == 0
    finally:
        gc.unfreeze()
    app = made["app"]
    assert app.fixed_seed == settings.seed and app.class_link is not None
    folder = class_dir.team_dir("blue")
    assert Path(app.store.folder) == folder.absolute()
    async with app.run_test(size=(100, 30)) as pilot:
        await show_finished_game(pilot)
        said = await try_names(pilot, HOSTILE_NAMES)
    assert_all_refused(said, folder, tmp_path)


def test_a_page_in_a_browser_is_hosted_even_without_a_class():
    class WebOnly:
        is_web = True
        class_link = None

    class AtHome:
        is_web = False
        class_link = None

    assert exports_confined(WebOnly())
    assert not exports_confined(AtHome())


# --- the web server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for_page(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as page:
                    await page.read()
                    return
            except (aiohttp.ClientError, OSError, TimeoutError):
                assert time.monotonic() < deadline, f"{url} never answered"
                await asyncio.sleep(0.2)


async def read_screen(ws, needles: list[bytes], timeout: float = 30.0) -> bytes:
    """The visitor's terminal output, escape codes removed, once every needle shows in it."""
    seen = b""
    deadline = time.monotonic() + timeout
    while not all(n in ANSI.sub(b"", seen) for n in needles):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{needles!r} never appeared; got {ANSI.sub(b'', seen)[-600:]!r}")
        try:
            message = await ws.receive(timeout=min(left, 2.0))
        except TimeoutError:
            continue
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            break
    return ANSI.sub(b"", seen)


@pytest.fixture()
async def web_server(tmp_path):
    """`finops-tui web` as a learner's facilitator starts it: a class, on loopback."""
    port = free_port()
    class_dir = tmp_path / "class"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "finops_tui",
        "web",
        "--class-dir",
        str(class_dir),
        "--seed",
        "7",
        "--port",
        str(port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    try:
        await wait_for_page(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}", ClassDir(class_dir)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_every_web_visitor_plays_the_classs_level_and_seed(web_server):
    base, class_dir = web_server
    settings = class_dir.settings()
    assert (settings.level, settings.seed) == ("tutorial", 7)
    async with aiohttp.ClientSession() as session:
        for team in ("blue", "green"):
            async with session.get(f"{base}/?team={team}") as page:
                assert page.status == 200
                assert f'data-session-websocket-url="/ws/{team}"' in await page.text()
            async with session.ws_connect(f"{base}/ws/{team}?width=100&height=30") as ws:
                screen = await read_screen(ws, [f"Connected as team {team}".encode(), b"seed 7"])
                assert b"Your First Bill" in screen or b"First Bill" in screen
        # Each visitor's game reported itself to the class, under its own name.
        assert {s.team for s in class_dir.statuses()} == {"blue", "green"}


async def test_a_web_visitors_game_runs_in_its_own_team_folder(tmp_path):
    class_dir = ClassDir(tmp_path / "class")
    settings = class_dir.create(ClassSettings(level="tutorial", seed=9, setting="advanced"))
    server = WebClass(WebConfig(class_dir, settings, port=0))
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{server.port}/ws/red?width=90&height=30"
            async with session.ws_connect(url) as ws:
                await read_screen(ws, [b"Connected as team red", b"seed 9"])
                game = server.visits["red"].game
                cmdline = Path(f"/proc/{game.process.pid}/cmdline").read_bytes().split(b"\0")
                args = [a.decode() for a in cmdline if a]
                assert args[args.index("--saves-dir") + 1] == str(
                    class_dir.team_dir("red").absolute()
                )
                assert args[args.index("--class-dir") + 1] == str(class_dir.root.absolute())
                assert args[args.index("--seed") + 1] == "9"
                assert args[args.index("--player") + 1] == "red"
                assert "--advanced" in args and "tutorial" in args
    finally:
        await server.close()
    assert server.visits == {}


class Addresses(HTMLParser):
    """Every address an HTML page names: src, href, action, data-*-url, and CSS url(...)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name in ("src", "href", "action", "poster") or name.endswith("url")):
                self.found.append(value)
        self._style = tag == "style"

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        if self._style:
            self.found.extend(css_addresses(data))


def css_addresses(css: str) -> list[str]:
    found = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    found += re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return found


def is_local(address: str, base: str) -> bool:
    """Relative, or on the very host and port the page came from."""
    if address.startswith(("data:", "#")):
        return True
    parts = urlsplit(address)
    if not parts.scheme and not parts.netloc:
        return True
    return parts.netloc == urlsplit(base).netloc and parts.scheme in ("http", "ws")


async def test_the_page_loads_nothing_from_another_machine(tmp_path):
    """`finops-tui web` with its defaults: the join page, a team's page and their assets."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "finops_tui",
        "web",
        "--port",
        str(port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    try:
        await wait_for_page(base + "/")
        async with aiohttp.ClientSession() as session:
            pages = [base + "/", base + "/?team=blue"]
            assets: set[str] = set()
            for url in pages:
                async with session.get(url) as page:
                    body = await page.text()
                    final = str(page.url)
                assert "googleapis" not in body and "gstatic" not in body, url
                # No absolute address at all to another host, whatever the attribute.
                for absolute in re.findall(r"(?:https?|wss?):/{2}[^\s\"'<>)]+", body):
                    assert is_local(absolute, base), (url, absolute)
                parser = Addresses()
                parser.feed(body)
                assert parser.found, url
                for address in parser.found:
                    assert is_local(address, base), (url, address)
                    if not address.startswith(("data:", "#", "/ws/", "/?")) and address != "/":
                        assets.add(urljoin(final, address))
            assert any(a.endswith("textual.js") for a in assets)
            for asset in sorted(assets):
                async with session.get(asset) as response:
                    assert response.status == 200, asset
                    content = await response.read()
                if asset.endswith(".css"):
                    for address in css_addresses(content.decode()):
                        assert is_local(address, base), (asset, address)
                if asset.endswith(".js"):
                    text = content.decode("utf-8", "replace")
                    for host in ("googleapis", "gstatic", "cdn.", "unpkg", "jsdelivr"):
                        assert host not in text, (asset, host)
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


# --- hostile visitors -------------------------------------------------------------------


@pytest.fixture()
async def small_class(tmp_path):
    class_dir = ClassDir(tmp_path / "class")
    settings = class_dir.create(ClassSettings(level="tutorial", seed=3))
    server = WebClass(WebConfig(class_dir, settings, port=0, max_connections=1))
    await server.start()
    yield server, f"http://127.0.0.1:{server.port}"
    await server.close()


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("..", "cannot be a team name"),
        ("../x", "cannot be a team name"),
        ("/etc", "cannot be a team name"),
        ("a\x00b", "cannot be a team name"),
        ("<script>alert(1)</script>", "cannot be a team name"),
        ("x" * 5000, "cannot be a team name"),
        ("facilitator", "reserved"),
        ("projector", "reserved"),
    ],
)
async def test_a_bad_team_name_is_refused_on_the_page(small_class, typed, why):
    server, base = small_class
    async with (
        aiohttp.ClientSession() as session,
        session.get(base + "/", params={"team": typed}) as page,
    ):
        body = await page.text()
        assert page.status == 400
    assert why in body
    assert "<script>alert" not in body  # what a visitor types is shown as text
    assert not (server.config.class_dir.root / "teams").exists()


async def test_a_team_name_is_trimmed_lowercased_and_nothing_else_rides_on_the_url(small_class):
    _server, base = small_class
    async with aiohttp.ClientSession() as session:
        async with session.get(
            base + "/?team=%20Blue%20&ping=http://example.com/&delay=1", allow_redirects=False
        ) as page:
            assert page.status == 303
            assert page.headers["Location"] == "/?team=blue"
        async with session.get(base + "/?team=blue") as page:
            assert "Content-Security-Policy" in page.headers
            assert "default-src 'self'" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("team", ["..", "..%2Fx", "ROOT", "facilitator"])
async def test_a_bad_team_name_is_refused_on_the_socket(small_class, team):
    server, base = small_class
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(f"{base}/ws/{team}")
        except aiohttp.WSServerHandshakeError:
            ws = None  # `..` is normalised away before routing: not a game either
        if ws is not None:
            async with ws:
                screen = await read_screen(ws, [b"team name"], timeout=10)
                assert b"cannot be a team name" in screen or b"reserved" in screen
    assert server.visits == {}
    assert not (server.config.class_dir.root / "teams").exists()


async def test_another_site_cannot_open_a_teams_game(small_class):
    server, base = small_class
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(f"{base}/ws/blue", origin="http://evil.example")
    assert refused.value.status == 403
    assert server.visits == {}


async def test_a_full_class_says_so_and_a_second_tab_takes_the_team_over(small_class):
    server, base = small_class
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{base}/ws/blue") as first,
    ):
        await read_screen(first, [b"Connected as team blue"])
        async with session.ws_connect(f"{base}/ws/green") as other:
            screen = await read_screen(other, [b"The class is full"], timeout=10)
            assert b"1 teams playing" in screen
        async with session.get(base + "/?team=green") as page:
            assert page.status == 400 and "The class is full" in await page.text()
        async with session.ws_connect(f"{base}/ws/blue") as second:
            told = await read_screen(first, [b"opened in another tab"], timeout=20)
            assert b"Your game is saved" in told
            await read_screen(second, [b"Connected as team blue"])
            assert list(server.visits) == ["blue"]
    deadline = time.monotonic() + 20
    while server.visits and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert server.visits == {}  # a closed tab ends its game


async def test_a_key_flood_from_a_browser_is_bounded(small_class):
    """Oversized messages close the socket; the game stops, the server stays up."""
    server, base = small_class
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{base}/ws/blue") as ws:
            await read_screen(ws, [b"Connected as team blue"])
            await ws.send_str('["stdin", "' + "j" * 200_000 + '"]')
            deadline = time.monotonic() + 20
            while not ws.closed and time.monotonic() < deadline:
                try:
                    await ws.receive(timeout=1)
                except TimeoutError:
                    continue
            assert ws.closed
        deadline = time.monotonic() + 20
        while server.visits and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert server.visits == {}
        async with session.get(base + "/") as page:
            assert page.status == 200


async def key(ws, k: str, timeout: float = 10.0) -> bytes:
    """Send one key as a browser does, and wait for the screen to answer it."""
    await ws.send_str(json.dumps(["stdin", k]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        if message.type == aiohttp.WSMsgType.BINARY:
            return message.data
    raise AssertionError(f"the screen never answered {k!r}")


async def test_a_web_visitor_plays_to_the_debrief_and_cannot_export_outside(tmp_path):
    """The whole way, as a browser would: keys over the socket, the screen back."""
    from finops_tui.content.classroom import Control

    class_dir = hostile_class(tmp_path)
    class_dir.write_control(Control(phase="playing", open_turn=3))
    server = WebClass(WebConfig(class_dir, class_dir.settings(), port=0))
    await server.start()
    folder = class_dir.team_dir("blue")
    try:
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{server.port}/ws/blue?width=160&height=45"
            async with session.ws_connect(url) as ws:

                async def press(k: str, then: bytes) -> bytes:
                    await ws.send_str(json.dumps(["stdin", k]))
                    return await read_screen(ws, [then])

                await read_screen(ws, [b"Enter: read the briefing"])
                await press("\r", b"Briefing")
                await press("\r", b"Month 1 of 3")
                for month in (2, 3):
                    await press("n", b"Where the money went")
                    await press("\r", f"Month {month} of 3".encode())
                await press("n", b"Press enter for the debrief")
                await press("\r", b"Debrief")
                await press("x", b"tab edits the name")
                await key(ws, "\t")  # to the file name
                for typed in ("..", "out", "victim.csv", "../x.csv"):
                    await key(ws, "\x15")  # ctrl+u: clear the name
                    for k in typed:
                        await key(ws, k)
                    screen = await press("\r", b"not a path")
                    assert b"Not written" in screen or b"itten:" in screen, typed
        assert files_outside(tmp_path, folder) == set()
        assert not (tmp_path / "outside" / "victim.csv").exists()
        saved = SaveStore(folder).list()
        assert saved and saved[0].turn == 3  # the game itself was saved, inside its folder
    finally:
        await server.close()
