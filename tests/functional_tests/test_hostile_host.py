"""The class host against hostile and unlucky clients: floods, crowds, frozen laptops,
commands, broken host keys and kills. A real host on loopback, real asyncssh clients.

Clients that play "another machine" connect from another loopback address (127.0.0.x),
as a flooder and a team in a real room would come from different machines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh
import pytest

from finops_tui.content.classroom import ClassDir, ClassSettings, Control
from finops_tui.serve import files
from finops_tui.serve.limits import AddressRate, TokenBucket
from finops_tui.serve.ssh import ClassHost, HostConfig
from tests.functional_tests.test_host import read_until as read_screen

FLOODER, TEAM, FACILITATOR = "127.0.0.1", "127.0.0.2", "127.0.0.3"


async def read_until(process, needle: bytes, timeout: float = 30.0) -> bytes:
    """The screen once `needle` shows in it; fails if the session ends without it."""
    screen = await read_screen(process, needle, timeout)
    assert needle in screen, f"{needle!r} never appeared; got {screen[-400:]!r}"
    return screen


def make_host(tmp_path: Path, **options) -> ClassHost:
    class_dir = ClassDir(tmp_path / "class")
    settings = class_dir.create(ClassSettings(level="tutorial", seed=1))
    return ClassHost(HostConfig(class_dir, settings, port=0, facilitator_password="pw", **options))


async def connect(port: int, user: str, source: str = TEAM, password: str | None = None):
    return await asyncssh.connect(
        "127.0.0.1",
        port,
        username=user,
        password=password,
        local_addr=(source, 0),
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        preferred_auth="password" if password else "none",
    )


async def terminal(conn, size=(100, 30)):
    return await conn.create_process(term_type="xterm-256color", term_size=size, encoding=None)


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and all its descendants, from /proc (no psutil)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


async def sessionless_flood(port: int, count: int, source: str) -> list:
    """`count` connections that log in as teams and never open a game."""

    async def one(i: int):
        try:
            return await asyncio.wait_for(connect(port, f"junk{i}", source), 20)
        except (OSError, asyncssh.Error, TimeoutError):
            return None

    return await asyncio.gather(*(one(i) for i in range(count)))


async def test_sessionless_connections_are_capped_and_reaped(tmp_path):
    host = make_host(
        tmp_path, max_connections=4, max_projectors=1, session_grace=3.0, address_burst=500
    )
    await host.start()
    peak = 0

    async def watch():
        nonlocal peak
        while True:
            peak = max(peak, len(host.connections))
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    try:
        junk = await sessionless_flood(host.port, 100, FLOODER)
        opened = [c for c in junk if c is not None]
        assert (
            peak <= host.connection_limit <= 4 + 2 + 2 + 1 + 2
        )  # teams, takeovers, facilitator, projector, refusals
        assert sum(not c.is_closed() for c in opened) <= host.connection_limit
        assert host.refused > 0  # closed on arrival, before costing a key exchange
        # The teams' share is full of junk: the facilitator still gets in, by its reserve.
        async with await connect(host.port, "facilitator", FACILITATOR, "pw") as conn:
            console = await terminal(conn)
            await read_until(console, b"Facilitating tutorial")
        # Within the grace, every sessionless connection is closed by the host.
        deadline = time.monotonic() + 15
        while any(not c.is_closed() for c in opened) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert all(c.is_closed() for c in opened)
        async with await connect(host.port, "blue", TEAM) as conn:
            await read_until(await terminal(conn), b"First Bill")
        assert peak <= host.connection_limit
    finally:
        watcher.cancel()
        await host.close()


async def test_an_address_that_reconnects_in_a_loop_is_slowed_not_the_room(tmp_path):
    host = make_host(tmp_path, max_connections=40, address_burst=10, address_per_minute=10)
    await host.start()
    try:
        junk = await sessionless_flood(host.port, 40, FLOODER)
        assert sum(c is not None for c in junk) <= 10
        assert host.refused >= 30
        async with await connect(host.port, "blue", TEAM) as conn:  # another machine
            await read_until(await terminal(conn), b"First Bill")
        for conn in junk:
            if conn is not None:
                conn.close()
    finally:
        await host.close()


async def test_a_full_class_keeps_a_way_in_for_the_facilitator_and_projectors(tmp_path):
    host = make_host(tmp_path, max_connections=2, max_projectors=1)
    await host.start()
    conns = []
    try:
        for team in ("blue", "green"):
            conns.append(await connect(host.port, team))
            await read_until(await terminal(conns[-1]), b"First Bill")
        late = await connect(host.port, "red")
        conns.append(late)
        assert b"The class is full" in await asyncio.wait_for(
            (await terminal(late)).stdout.read(), 10
        )
        # A full class still lets a team back in from a new terminal, to take itself over.
        back = await connect(host.port, "blue", FACILITATOR)
        conns.append(back)
        await read_until(await terminal(back), b"Take it over here?", timeout=10)
        conns.append(await connect(host.port, "facilitator", FACILITATOR, "pw"))
        await read_until(await terminal(conns[-1]), b"Facilitating tutorial")
        conns.append(await connect(host.port, "projector", FACILITATOR))
        await read_until(await terminal(conns[-1]), b"blue")
        second = await connect(host.port, "projector", FACILITATOR)
        conns.append(second)
        out = await asyncio.wait_for((await terminal(second)).stdout.read(), 10)
        assert b"already has 1 projectors" in out
    finally:
        for conn in conns:
            conn.close()
        await host.close()


async def test_guessing_the_facilitator_password_is_slow_and_short(tmp_path):
    class Guesser(asyncssh.SSHClient):
        tries = 0

        def password_auth_requested(self):
            Guesser.tries += 1
            return f"guess{Guesser.tries}" if Guesser.tries < 100 else None

    host = make_host(tmp_path, warm=False)
    await host.start()
    try:
        start = time.monotonic()
        with pytest.raises((asyncssh.PermissionDenied, asyncssh.DisconnectError)):
            await asyncssh.connect(
                "127.0.0.1",
                host.port,
                username="facilitator",
                client_factory=Guesser,
                known_hosts=None,
                client_keys=None,
                agent_path=None,
                preferred_auth="password",
            )
        assert Guesser.tries <= 3
        assert time.monotonic() - start >= 2.0
    finally:
        await host.close()


async def test_a_second_terminal_can_take_a_team_over(tmp_path):
    host = make_host(tmp_path)
    await host.start()
    try:
        async with await connect(host.port, "blue") as frozen:
            old = await terminal(frozen)
            await read_until(old, b"First Bill")
            old_pid = next(iter(host.sessions)).process.pid
            status = host.config.class_dir.status_path("blue")
            seen: list[bool] = []

            async def watch_status():  # the old game says it left before the new one joins
                while True:
                    with contextlib.suppress(OSError, ValueError):
                        seen.append(json.loads(status.read_text())["connected"] is False)
                    await asyncio.sleep(0.01)

            watcher = asyncio.create_task(watch_status())
            async with await connect(host.port, "blue", FACILITATOR) as fresh:
                new = await terminal(fresh)
                await read_until(new, b"Take it over here?", timeout=10)
                new.stdin.write(b"y")
                told = await read_until(old, b"taken over", timeout=10)
                assert b"saved" in told
                assert (await asyncio.wait_for(old.wait(), 10)).exit_status is not None
                await read_until(new, b"First Bill")
                assert not Path(f"/proc/{old_pid}").exists()  # the old game has exited
                assert [s.user for s in host.sessions] == ["blue"]
                assert next(iter(host.sessions)).chan is not None
            watcher.cancel()
            assert any(seen)  # the old game exited cleanly: it marked its team away
    finally:
        await host.close()


async def test_the_facilitator_takes_the_console_over_from_a_frozen_laptop(tmp_path):
    host = make_host(tmp_path)
    await host.start()
    try:
        async with await connect(host.port, "facilitator", TEAM, "pw") as frozen:
            old = await terminal(frozen)
            await read_until(old, b"Facilitating tutorial")
            async with await connect(host.port, "facilitator", FACILITATOR, "pw") as fresh:
                new = await terminal(fresh)
                await read_until(new, b"already open in another terminal", timeout=10)
                new.stdin.write(b"Y")
                await read_until(old, b"taken over", timeout=10)
                await read_until(new, b"Facilitating tutorial")
                assert host.facilitator is not None and host.facilitator.chan is not None
    finally:
        await host.close()


async def test_a_key_flood_costs_the_flooder_not_the_class(tmp_path):
    """1 MB of keys over 10 s into a game's turn screen. On main the host's process tree
    grew by 170 MB by the flood's end and 360 MB five seconds later, still growing."""
    host = make_host(tmp_path)
    host.config.class_dir.write_control(Control(phase="playing", open_turn=1))
    await host.start()
    try:
        flooder = await connect(host.port, "flood", FLOODER)
        calm = await connect(host.port, "calm", TEAM)
        flood_game, calm_game = await terminal(flooder), await terminal(calm)
        await read_until(flood_game, b"Enter: read the briefing")
        flood_game.stdin.write(b"\r")
        await read_until(flood_game, b"Briefing")
        flood_game.stdin.write(b"\r")
        await read_until(flood_game, b"Month 1 of 3")
        await read_until(calm_game, b"Enter: read the briefing")
        before = tree_rss_mb(os.getpid())
        peak = before

        async def drain():  # the flooder reads its screen, as a real terminal would
            while await flood_game.stdout.read(65536):
                pass

        async def flood():
            chunk = b"j" * 10_000
            for _ in range(100):  # 1 MB of keys over about 10 s
                flood_game.stdin.write(chunk)
                await asyncio.sleep(0.1)

        async def watch():
            nonlocal peak
            while True:
                peak = max(peak, tree_rss_mb(os.getpid()))
                await asyncio.sleep(0.25)

        tasks = [asyncio.create_task(t()) for t in (drain, watch)]
        flooding = asyncio.create_task(flood())
        await asyncio.sleep(3)
        start = time.monotonic()
        calm_game.stdin.write(b"\r")
        await read_until(calm_game, b"Briefing", timeout=10)
        answered = time.monotonic() - start
        await asyncio.wait_for(flooding, 60)
        await asyncio.sleep(10)  # the game works through what it was given
        for task in tasks:
            task.cancel()
        flood_session = next(s for s in host.sessions if s.user == "flood")
        assert flood_session.dropped > 500_000  # most of the megabyte never reached the game
        assert peak - before < 150, f"the host's tree grew by {peak - before:.0f} MB"
        assert answered < 5, f"the calm team waited {answered:.1f} s for its screen"
        flooder.close()
        calm.close()
    finally:
        await host.close()


async def test_a_terminal_that_stops_reading_does_not_grow_the_host(tmp_path):
    """The game's output is read only as fast as the SSH client takes it (backpressure)."""
    host = make_host(tmp_path)
    host.config.class_dir.write_control(Control(phase="playing", open_turn=1))
    await host.start()
    try:
        async with await connect(host.port, "stuck") as conn:
            game = await conn.create_process(
                term_type="xterm-256color", term_size=(200, 60), encoding=None, window=65536
            )
            await read_until(game, b"Enter: read the briefing")
            game.stdin.write(b"\r")
            await read_until(game, b"Briefing")
            game.stdin.write(b"\r")
            await read_until(game, b"Month 1 of 3")
            session = next(iter(host.sessions))
            # From here the client reads nothing; each resize redraws the whole screen.
            for i in range(150):
                game.change_terminal_size(200 - i % 2, 60)
                await asyncio.sleep(0.02)
            await asyncio.sleep(1)
            assert session.chan.get_write_buffer_size() < 256_000  # main: 1.3 MB and growing
            assert session.process._paused  # the game waits on its own writes
            pid = session.process.pid
    finally:
        await host.close()
    # A game stuck writing to a terminal nobody reads still ends when the host stops.
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not alive(pid)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_one_error_in_a_loop_is_logged_once(tmp_path, caplog):
    host = make_host(tmp_path, warm=False)
    await host.start()
    try:
        loop = asyncio.get_running_loop()
        for _ in range(1000):  # what asyncio reports when accept() runs out of descriptors
            loop.call_exception_handler(
                {
                    "message": "socket.accept() out of system resource",
                    "exception": OSError(24, "Too many open files"),
                }
            )
        logged = [r for r in caplog.records if "Too many open files" in r.getMessage()]
        assert len(logged) == 1
    finally:
        await host.close()


async def test_idle_teams_are_disconnected_but_never_the_projector(tmp_path):
    host = make_host(tmp_path, idle_timeout=1.0)
    await host.start()
    try:
        async with await connect(host.port, "projector") as room:
            board = await terminal(room)
            async with await connect(host.port, "blue") as team:
                game = await terminal(team)
                await read_until(game, b"idle", timeout=20)
            await asyncio.sleep(1.5)  # several idle checks later
            assert [s.user for s in host.sessions] == ["projector"]
            assert board.exit_status is None
    finally:
        await host.close()


async def test_window_changes_in_a_loop_reach_the_game_coalesced(tmp_path):
    host = make_host(tmp_path)
    await host.start()
    try:
        async with await connect(host.port, "blue") as conn:
            game = await terminal(conn)
            await read_until(game, b"First Bill")
            session = next(iter(host.sessions))
            applied = []
            resize = session.process.resize
            session.process.resize = lambda cols, rows: (applied.append(cols), resize(cols, rows))
            for i in range(200):
                game.change_terminal_size(100 + i % 50, 30)
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.5)
            assert 1 <= len(applied) <= 40  # at most ten a second, not 200
            assert applied[-1] == 100 + 199 % 50  # the last size always arrives
    finally:
        await host.close()


async def test_commands_and_subsystems_are_refused_in_words(tmp_path):
    host = make_host(tmp_path)
    await host.start()
    try:
        async with await connect(host.port, "blue") as conn:
            result = await asyncio.wait_for(conn.run("cat /etc/passwd", encoding=None), 10)
            assert result.exit_status == 1
            assert b"only the game" in result.stderr
            assert b"root:" not in result.stdout
            process = await conn.create_process(subsystem="sftp", encoding=None)
            assert b"only the game" in await asyncio.wait_for(process.stderr.read(), 10)
            assert (await asyncio.wait_for(process.wait(), 10)).exit_status == 1
            game = await terminal(conn)  # the connection's one game
            await read_until(game, b"First Bill")
            with pytest.raises(asyncssh.ChannelOpenError):  # a second would be a second process
                await terminal(conn)
    finally:
        await host.close()


def test_a_cut_off_host_key_is_replaced_and_garbage_is_named(tmp_path):
    real = files.asyncssh.generate_private_key("ssh-ed25519").export_private_key()
    for broken in (b"", real[: len(real) // 2]):  # a start killed while writing the key
        path = tmp_path / "host_key"
        path.write_bytes(broken)
        key, notice = files.load_or_create_host_key(path)
        assert notice and "replaced" in notice
        assert files.asyncssh.read_private_key(str(path)).export_public_key() == (
            key.export_public_key()
        )
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.with_name("host_key.broken").read_bytes() == broken
    path.write_bytes(b"my notes, not a key\n")
    with pytest.raises(files.HostKeyError, match="host_key: not an OpenSSH private key"):
        files.load_or_create_host_key(path)
    assert path.read_bytes() == b"my notes, not a key\n"  # a key teams trust is never replaced


def test_the_host_key_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    def power_cut(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files.os, "fsync", power_cut)
    path = tmp_path / "class" / "host_key"
    with pytest.raises(OSError):
        files.load_or_create_host_key(path)
    assert list(path.parent.iterdir()) == []  # neither a half key nor a temp file


def test_the_command_line_names_a_garbage_host_key(tmp_path):
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    (class_dir / "host_key").write_text("garbage\n")
    result = subprocess.run(
        [sys.executable, "-m", "finops_tui", "host", "--class-dir", str(class_dir), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "host_key: not an OpenSSH private key" in result.stderr
    assert "Traceback" not in result.stderr


async def start_host_process(tmp_path: Path, *extra: str, preexec=None):
    runtime = tmp_path / "tmp"
    runtime.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(runtime)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "finops_tui",
        "host",
        "--class-dir",
        str(tmp_path / "class"),
        "--port",
        "0",
        "--facilitator-password",
        "pw",
        *extra,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=preexec,
    )
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        match = re.search(r"127\.0\.0\.1:(\d+)", line)
        if match:
            return process, int(match.group(1)), runtime
        assert line, "the host did not start"


async def test_no_stale_fork_socket_after_a_kill_or_a_stop(tmp_path):
    process, _, runtime = await start_host_process(tmp_path)
    sockets = list(runtime.glob("finops-tui-host-*/fork.sock"))
    assert len(sockets) == 1
    process.send_signal(signal.SIGKILL)
    await process.wait()
    deadline = time.monotonic() + 10
    while sockets[0].parent.exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not sockets[0].parent.exists()  # the fork server cleaned up after the host

    process, _, runtime = await start_host_process(tmp_path)
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 20)
    assert list(runtime.iterdir()) == []


async def test_a_stale_runtime_folder_is_removed_at_start(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / "finops-tui-host-old"
    stale.mkdir()
    (stale / "fork.sock").write_text("")  # nobody listens: left by a killed host
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()
    gone = tmp_path / "finops-tui-host-dead"
    gone.mkdir()
    (gone / "host.pid").write_text(str(dead.pid))
    host = make_host(tmp_path, warm=False)
    await host.start()
    try:
        assert not stale.exists() and not gone.exists()
        assert len(list(tmp_path.glob("finops-tui-host-*"))) == 1  # this host's own
    finally:
        await host.close()
    assert not list(tmp_path.glob("finops-tui-host-*"))


def low_file_limit():
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))


async def test_out_of_descriptors_the_host_neither_spins_nor_floods_its_log(tmp_path):
    process, port, _ = await start_host_process(tmp_path, preexec=low_file_limit)
    try:
        junk = await sessionless_flood(port, 150, FLOODER)
        start = time.monotonic()
        conn = None
        while conn is None and time.monotonic() - start < 30:  # after the grace, there is room
            try:
                conn = await connect(port, "blue", TEAM)
            except (OSError, asyncssh.Error):
                await asyncio.sleep(1)
        assert conn is not None
        await read_until(await terminal(conn), b"First Bill")
        conn.close()
        for c in junk:
            if c is not None:
                c.close()
    finally:
        process.terminate()
        _, err = await asyncio.wait_for(process.communicate(), 30)
    log = err.decode(errors="replace")
    assert log.count("Too many open files") <= 5, log[-2000:]
    assert len(log) < 20_000
    assert "Traceback" not in log


def test_the_key_budget_passes_a_paste_and_meters_a_flood():
    bucket = TokenBucket(rate=512, burst=16384)
    assert bucket.take(16384, now=0.0)  # a paste of the whole burst passes at once
    assert not bucket.take(1000, now=1.0)  # all or nothing: a key is never cut in half
    assert bucket.take(512, now=1.0)
    sent = sum(100 for t in range(1000) if bucket.take(100, now=1.0 + t / 100))
    assert sent <= 512 * 10 + 100  # ten seconds of 10 KB/s: about 5 KB gets through


def test_the_per_address_memory_is_bounded_under_spoofed_addresses():
    rate = AddressRate(burst=2, per_minute=2, max_addresses=100)
    for i in range(10_000):
        assert rate.allow(f"10.0.{i // 256}.{i % 256}", now=i / 1000)
        assert len(rate._buckets) <= 100
    assert rate.allow("10.9.9.9", now=20) and rate.allow("10.9.9.9", now=20)
    assert not rate.allow("10.9.9.9", now=20)  # the third at once from one address
