"""The class host over SSH: a game per connection, and nothing else."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

import asyncssh
import pytest

from finops_tui.content.classroom import ClassDir, ClassSettings
from finops_tui.serve.pty_process import PtyProcess
from finops_tui.serve.ssh import ClassHost, HostConfig

from .waiting import wait_for

ANSI = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|[=>])")


@pytest.fixture()
async def host(tmp_path):
    class_dir = ClassDir(tmp_path / "class")
    settings = class_dir.create(ClassSettings(level="tutorial", seed=1))
    server = ClassHost(
        HostConfig(class_dir, settings, port=0, facilitator_password="s3cret", max_connections=3)
    )
    await server.start()
    yield server
    await server.close()


async def connect(server: ClassHost, user: str, password: str | None = None):
    return await asyncssh.connect(
        "127.0.0.1",
        server.port,
        username=user,
        password=password,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        preferred_auth="password" if password else "none,password",
    )


async def read_until(process, needle: bytes, timeout: float = 30.0) -> bytes:
    """The terminal output, escape codes removed, once `needle` shows in it."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in ANSI.sub(b"", seen):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{needle!r} never appeared; got {ANSI.sub(b'', seen)[-400:]!r}")
        try:
            chunk = await asyncio.wait_for(process.stdout.read(65536), timeout=left)
        except TimeoutError:
            continue
        if not chunk:
            break
        seen += chunk
    return ANSI.sub(b"", seen)


async def test_a_team_gets_its_own_game(host):
    async with await connect(host, "blue") as conn:
        start = time.monotonic()
        process = await conn.create_process(
            term_type="xterm-256color", term_size=(100, 30), encoding=None
        )
        screen = await read_until(process, b"First Bill")
        assert b"blue" in screen  # the team's name is on its screen
        assert time.monotonic() - start < 10
        assert [s.user for s in host.sessions] == ["blue"]
        process.close()


async def test_no_exec_no_sftp_no_forwarding(host):
    async with await connect(host, "blue") as conn:
        with pytest.raises(asyncssh.Error):
            await conn.run("cat /etc/passwd", check=True)
        with pytest.raises(asyncssh.Error):
            await conn.start_sftp_client()
        with pytest.raises(asyncssh.Error):
            await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", host.port)
        with pytest.raises((asyncssh.Error, asyncssh.ChannelListenError)):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 9)


@pytest.mark.parametrize(
    ("user", "message"),
    [("../red", b"cannot be a team name"), ("Root", b"cannot be a team name")],
)
async def test_refused_sessions_say_why(host, user, message):
    async with await connect(host, user) as conn:
        process = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
        out = await asyncio.wait_for(process.stdout.read(), 10)
        assert message in out
        assert (await process.wait()).exit_status == 1


async def test_a_session_without_a_terminal_is_told_to_use_one(host):
    async with await connect(host, "blue") as conn:
        process = await conn.create_process(encoding=None)  # no pty requested
        out = await asyncio.wait_for(process.stdout.read(), 10)
        assert b"needs a terminal" in out


async def test_one_terminal_per_team_and_a_connection_cap(host):
    async with await connect(host, "blue") as first:
        p1 = await first.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
        await read_until(p1, b"First Bill")
        async with await connect(host, "blue") as second:
            p2 = await second.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
            await read_until(p2, b"already playing", timeout=10)
            p2.stdin.write(b"n")  # offered the team, the second terminal declines it
            assert b"Nothing was taken over" in await asyncio.wait_for(p2.stdout.read(), 10)
        others = []
        for team in ("green", "red"):
            conn = await connect(host, team)
            others.append(conn)
            await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
        await wait_for(lambda: len(host.sessions) >= 3, what="three sessions, the cap")
        async with await connect(host, "late") as late:
            p = await late.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
            assert b"The class is full" in await asyncio.wait_for(p.stdout.read(), 10)
        for conn in others:
            conn.close()


async def test_the_facilitator_needs_the_password(host):
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(host, "facilitator", password="wrong")
    async with await connect(host, "facilitator", password="s3cret") as conn:
        process = await conn.create_process(term_type="xterm", term_size=(100, 30), encoding=None)
        await read_until(process, b"Facilitating tutorial")


async def test_the_host_key_is_created_once_and_kept(tmp_path):
    class_dir = ClassDir(tmp_path / "class")
    settings = class_dir.create(ClassSettings(level="tutorial", seed=1))
    keys = []
    for _ in range(2):
        server = ClassHost(HostConfig(class_dir, settings, port=0, facilitator_password="x"))
        await server.start()
        conn = await connect(server, "blue")
        keys.append(conn.get_server_host_key().export_public_key())
        conn.close()
        await server.close()
    assert keys[0] == keys[1]
    assert (class_dir.host_key_path.stat().st_mode & 0o777) == 0o600


async def test_a_resize_reaches_the_program():
    """The PTY forwards window changes: the program sees its new size."""
    out = bytearray()
    done = asyncio.Event()
    code = (
        "import os, signal, sys, time\n"
        "def show(*_): print('size', *os.get_terminal_size(), flush=True)\n"
        "signal.signal(signal.SIGWINCH, show)\n"
        "print('ready', flush=True)\n"
        "time.sleep(5)\n"
    )
    process = PtyProcess(
        [sys.executable, "-c", code],
        {"PATH": "/usr/bin:/bin"},
        (80, 24),
        out.extend,
        lambda code: done.set(),
    )
    process.start()
    await wait_for(lambda: b"ready" in out, timeout=10, what="the program to start")
    process.resize(132, 43)
    await wait_for(lambda: b"size 132 43" in out, timeout=10, what="the new size")
    process.close()
    assert b"size 132 43" in out


async def play_first_turn(game) -> None:
    """Lobby, briefing, then end turn 1 with the level's starting decisions."""
    await read_until(game, b"Enter: read the briefing")
    game.stdin.write(b"\r")
    await read_until(game, b"Briefing")
    game.stdin.write(b"\r")
    await read_until(game, b"Month 1 of 3")
    game.stdin.write(b"n")
    await read_until(game, b"Where the money went")


async def test_a_team_plays_a_turn_and_the_scoreboard_moves(host):
    from finops_tui.content.classroom import Control

    class_dir = host.config.class_dir
    class_dir.write_control(Control(phase="playing", open_turn=1))
    async with await connect(host, "blue") as team:
        game = await team.create_process(
            term_type="xterm-256color", term_size=(100, 30), encoding=None
        )
        await play_first_turn(game)
        async with await connect(host, "projector") as room:
            board = await room.create_process(term_type="xterm", term_size=(100, 30), encoding=None)
            screen = await read_until(board, b"1/3")
            assert b"blue" in screen


async def test_kill_the_host_and_every_team_resumes(tmp_path):
    import signal
    import subprocess

    class_dir = tmp_path / "class"
    argv = [
        sys.executable,
        "-m",
        "finops_tui",
        "host",
        "--class-dir",
        str(class_dir),
        "--port",
        "0",
        "--facilitator-password",
        "x",
    ]

    async def start():
        process = await asyncio.create_subprocess_exec(*argv, stdout=subprocess.PIPE)
        while True:
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            match = re.search(r"127\.0\.0\.1:(\d+)", line)
            if match:
                return process, int(match.group(1))

    async def join(port: int, team: str):
        conn = await asyncssh.connect(
            "127.0.0.1", port, username=team, known_hosts=None, client_keys=None, agent_path=None
        )
        game = await conn.create_process(
            term_type="xterm-256color", term_size=(100, 30), encoding=None
        )
        return conn, game

    from finops_tui.content.classroom import ClassDir, Control

    first, port = await start()
    ClassDir(class_dir).write_control(Control(phase="playing", open_turn=2))
    teams = {}
    for team in ("blue", "green"):
        conn, game = await join(port, team)
        await play_first_turn(game)
        teams[team] = conn
    first.send_signal(signal.SIGKILL)
    await first.wait()
    for conn in teams.values():
        conn.close()
    second, port = await start()
    try:
        for team in ("blue", "green"):
            conn, game = await join(port, team)
            await read_until(game, b"Month 2 of 3")  # back where it was, nothing lost
            conn.close()
    finally:
        second.terminate()
        await second.wait()


async def test_each_team_plays_in_its_own_folder(host):
    """A team's game can read and write only its own saves: no path reaches another's."""
    class_dir = host.config.class_dir
    for team in ("blue", "green"):
        argv = host.command_for(team)
        saves = Path(argv[argv.index("--saves-dir") + 1])
        assert saves == class_dir.team_dir(team)
        assert argv[argv.index("--player") + 1] == team
    assert host.refusal("../green", has_pty=True) is not None
    assert host.refusal("green/../blue", has_pty=True) is not None
