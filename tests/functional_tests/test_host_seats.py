"""Team seats over SSH: `ssh blue+finance@host`, several members, one team's game."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from finops_tui.content.classroom import ClassDir, ClassSettings, Control
from finops_tui.content.seating import TeamSeats
from finops_tui.gameplay.seats import MAX_MEMBERS
from finops_tui.serve.ssh import ClassHost, HostConfig

from .test_host import connect, read_until

REPORT = "Report · Month 1 of 3".encode()  # the turn report's top line, whatever it holds


@pytest.fixture()
async def host(tmp_path):
    class_dir = ClassDir(tmp_path / "class")
    settings = class_dir.create(ClassSettings(level="tutorial", seed=1))
    class_dir.write_control(Control(phase="playing", open_turn=1))
    server = ClassHost(
        HostConfig(class_dir, settings, port=0, facilitator_password="s3cret", max_connections=8)
    )
    await server.start()
    yield server
    await server.close()


async def terminal(conn):
    return await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)


async def to_turn(game) -> None:
    await read_until(game, b"Enter: read the briefing")
    game.stdin.write(b"\r")
    await read_until(game, b"Briefing")
    game.stdin.write(b"\r")
    await read_until(game, b"Month 1 of 3")


def session_of(host: ClassHost, user: str):
    return next(s for s in host.sessions if s.user == user)


async def test_two_seats_play_one_turn_together(host):
    class_dir = host.config.class_dir
    async with (
        await connect(host, "blue+it") as it_conn,
        await connect(host, "blue+FINANCE") as fin_conn,
    ):
        it, fin = await terminal(it_conn), await terminal(fin_conn)
        await to_turn(it)
        await to_turn(fin)
        await read_until(it, b"Fin deciding")  # IT's screen knows the team: keys go to it
        # IT, focused on its GPU type, moves to how to buy and picks spot.
        it.stdin.write(b"\t\t\x1b[B ")
        await read_until(fin, b"IT: Buy as \xe2\x86\x92 Spot")  # the change, and who made it
        fin.stdin.write(b"n")
        await read_until(fin, b"Signed off")
        await read_until(it, b"Fin signed")
        it.stdin.write(b"n")
        await read_until(it, REPORT)
        await read_until(fin, REPORT)
        credit = TeamSeats(class_dir, "blue", "tutorial").log().turns[0]
        assert credit.signed == ["finance", "it"]
        assert credit.changed_by == {"training.pricing": "it"}
        assert credit.decisions["training"]["pricing"] == "spot"
        # One game, one save, for the team: no seat has a save of its own.
        saves = list(class_dir.team_dir("blue").glob("*.toml"))
        assert len(saves) == 1 and saves[0].name.startswith("autosave-tutorial-blue")
        assert class_dir.teams() == ["blue"]


@pytest.mark.parametrize(
    "user", ["blue+../x", "blue+nosuch", "blue+[b]it[/b]", "blue+", "blue+" + "f" * 1000]
)
async def test_a_seat_that_is_not_one_is_refused_in_words(host, user):
    async with await connect(host, user) as conn:
        game = await terminal(conn)
        out = await asyncio.wait_for(game.stdout.read(), 10)
        assert b"is not a seat" in out
        assert b"it, finance, data-science" in out
        assert len(out) < 400  # a 1000-character name is not echoed whole
        assert b"\x1b" not in out
        assert (await game.wait()).exit_status == 1
    assert not host.sessions


async def test_a_seat_taken_offers_to_watch_and_a_watcher_edits_nothing(host):
    async with await connect(host, "blue+it") as first:
        it = await terminal(first)
        await to_turn(it)
        async with await connect(host, "blue+it") as second:
            watcher = await terminal(second)
            await read_until(watcher, b"press w to watch")
            watcher.stdin.write(b"w")
            await read_until(watcher, b"you watch")
            watcher.stdin.write(b"\r")
            await read_until(watcher, b"Briefing")
            watcher.stdin.write(b"\r")
            await read_until(watcher, b"Watching")
            assert len(host.members("blue")) == 2
            it.stdin.write(b"n")  # the seated member plays on; the watcher sees the turn end
            await read_until(watcher, REPORT)


async def test_a_killed_member_frees_its_seat_and_the_others_go_on(host):
    async with (
        await connect(host, "blue+it") as it_conn,
        await connect(host, "blue+finance") as fin_conn,
    ):
        it, fin = await terminal(it_conn), await terminal(fin_conn)
        await to_turn(it)
        await to_turn(fin)
        await read_until(it, b"Fin deciding")
        pid = session_of(host, "blue+finance").process.pid
        os.kill(pid, signal.SIGKILL)  # mid-turn, with no chance to say goodbye
        await read_until(it, b"End turn", timeout=30)  # alone now: IT plays Finance's seat
        it.stdin.write(b"n")
        await read_until(it, REPORT)
    seats = TeamSeats(host.config.class_dir, "blue", "tutorial")
    assert seats.log().turns[0].signed == ["it"]


async def test_a_plain_team_login_joins_as_another_member(host):
    async with await connect(host, "blue") as first:
        team = await terminal(first)
        await to_turn(team)
        async with await connect(host, "blue") as second:
            other = await terminal(second)
            await read_until(other, b"press j to join")
            other.stdin.write(b"j")
            await read_until(other, b"Pick a seat: 1 IT, 2 Finance")
            other.stdin.write(b"2")
            await read_until(other, b"Your seat: Finance")
            other.stdin.write(b"\r")
            await read_until(other, b"Briefing")
            other.stdin.write(b"\r")
            await read_until(other, b"Month 1 of 3")
            team.stdin.write(b"n")
            await read_until(team, b"Fin deciding")  # the turn waits for the new member
            other.stdin.write(b"n")
            await read_until(team, REPORT)


async def test_at_most_four_members_per_team(host):
    """A fifth member is told why, without a game started for it."""

    class Member:
        def __init__(self, user: str) -> None:
            self.user = user

    for user in ("blue", "blue+it", "blue+finance", "blue+data-science"):
        host.sessions.add(Member(user))  # type: ignore[arg-type]
    try:
        assert len(host.members("blue")) == MAX_MEMBERS
        for fifth in ("blue+ds", "blue+it", "blue"):
            if host.playing(fifth) is None:
                assert "4 members" in (host.refusal(fifth, has_pty=True) or "")
        assert host.refusal("green+it", has_pty=True) is None  # another team is not counted
    finally:
        host.sessions.clear()


def lock_holder(path) -> int | None:
    """The process holding a flock on `path`, from /proc/locks."""
    inode = os.stat(path).st_ino
    for line in Path("/proc/locks").read_text(encoding="ascii").splitlines():
        parts = line.split()
        if "FLOCK" in parts and parts[-3].endswith(f":{inode}"):
            return int(parts[-4])
    return None


async def test_a_frozen_terminal_never_blocks_the_team(host):
    """The writer's terminal stops reading (a lid closed, a stuck client): the host lets
    it go, its seat and the writer's role free up, and the team's turn ends."""
    class_dir = host.config.class_dir
    host.config.frozen_after = 3.0  # the class's 20 s, shortened for the test
    async with (
        await connect(host, "blue+it") as it_conn,
        await connect(host, "blue+finance") as fin_conn,
    ):
        it = await it_conn.create_process(
            term_type="xterm-256color", term_size=(200, 60), encoding=None, window=65536
        )
        await to_turn(it)
        fin = await terminal(fin_conn)
        await to_turn(fin)
        await read_until(fin, b"IT deciding")
        it_session = session_of(host, "blue+it")
        writer = TeamSeats(class_dir, "blue", "tutorial").folder / "writer.lock"
        assert lock_holder(writer) == it_session.process.pid  # the frozen one is the writer
        # From here IT's client reads nothing; each resize redraws IT's whole screen.
        for i in range(400):
            if it_session.process._paused:
                break
            it.change_terminal_size(200 - i % 2, 60)
            await asyncio.sleep(0.02)
        assert it_session.process._paused  # IT's game waits on its own writes
        fin.stdin.write(b"n")
        await read_until(fin, b"Signed off")
        # IT's terminal is let go after `frozen_after`: its seat frees, Finance ends the turn.
        await read_until(fin, REPORT, timeout=40)
        assert TeamSeats(class_dir, "blue", "tutorial").log().turns[0].signed == ["finance"]
        assert it_session not in host.sessions


async def test_a_seat_is_taken_over_from_a_new_terminal(host):
    async with await connect(host, "blue+it") as first:
        old = await terminal(first)
        await to_turn(old)
        async with await connect(host, "blue+IT") as second:
            new = await terminal(second)
            await read_until(new, b"Take it over here?")
            new.stdin.write(b"y")
            await read_until(old, b"taken over")
            await read_until(new, b"Your seat: IT")  # the seat, not a watcher's place
            assert [s.user for s in host.members("blue")] == ["blue+IT"]
