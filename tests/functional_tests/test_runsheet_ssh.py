"""A shortened course end to end over SSH: four teams, the facilitator's `n` from the first
poll to the report, and a host killed and started again in the middle, nothing lost."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys

import asyncssh

from finops_tui.content.classroom import ClassDir
from finops_tui.content.saves import SaveStore

from .test_host import read_until
from .waiting import wait_for

TEAMS = ("blue", "green", "red", "teal")
HOSTILE = "<script>alert(1)</script> [b]ours[/b]"
# Phases of seconds: the course's clocks run out while the class plays, as they would.
SHORT_COURSE = """
[course]
id = "short"
title = "A short course"
checkin_minutes = 0

[[phase]]
name = "Engage"
minutes = 0.1
[[phase.activity]]
kind = "poll"
question = "Spot or on-demand?"
choices = ["Spot", "On-demand"]
minutes = 0.05

[[phase]]
name = "Explore"
minutes = 0.2
[[phase.activity]]
kind = "level"
level = "tutorial"
minutes = 0.2

[[phase]]
name = "Evaluate"
minutes = 0.1
[[phase.activity]]
kind = "justification"
level = "tutorial"
minutes = 0.05
[[phase.activity]]
kind = "reflection"
minutes = 0.05
learners = ["What would you do differently?"]
facilitator = ["Which concepts did the class miss?"]
"""


async def start_host(class_dir, course) -> tuple[asyncio.subprocess.Process, int]:
    argv = [sys.executable, "-m", "finops_tui", "host", "--class-dir", str(class_dir)]
    argv += ["--port", "0", "--facilitator-password", "pw", "--course", str(course)]
    process = await asyncio.create_subprocess_exec(*argv, stdout=subprocess.PIPE)
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        match = re.search(r"127\.0\.0\.1:(\d+)", line)
        if match:
            return process, int(match.group(1))


async def join(port: int, user: str, password: str | None = None):
    conn = await asyncssh.connect(
        "127.0.0.1",
        port,
        username=user,
        password=password,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        preferred_auth="password" if password else "none,password",
    )
    terminal = await conn.create_process(
        term_type="xterm-256color", term_size=(110, 32), encoding=None
    )
    return conn, terminal


def activity_kind(class_dir: ClassDir) -> str | None:
    activity = class_dir.control().activity
    return activity.kind if activity else None


async def press_next(console, class_dir: ClassDir, kind: str) -> None:
    console.stdin.write(b"n")
    await wait_for(lambda: activity_kind(class_dir) == kind, timeout=30, what=f"the {kind}")


def justification(class_dir: ClassDir, team: str) -> str:
    store = SaveStore(class_dir.team_dir(team))
    for entry in store.list():
        if entry.problem is None and entry.level == "tutorial":
            return store.load(entry.path)[2].justification
    return ""


async def test_a_short_course_from_the_first_poll_to_the_report(tmp_path):
    course = tmp_path / "short.toml"
    course.write_text(SHORT_COURSE, encoding="utf-8")
    class_dir = ClassDir(tmp_path / "class")
    host, port = await start_host(class_dir.root, course)
    conns = []
    try:
        fac_conn, console = await join(port, "facilitator", "pw")
        conns.append(fac_conn)
        await read_until(console, b"not started")
        games = {}
        for team in TEAMS:
            conn, games[team] = await join(port, team)
            conns.append(conn)
            await read_until(games[team], b"Enter: read the briefing")
        await press_next(console, class_dir, "poll")
        for team in TEAMS:
            await read_until(games[team], b"Spot or on-demand?")
            games[team].stdin.write(b"\r")  # the first choice
        await wait_for(lambda: len(class_dir.poll_answers(1)) == len(TEAMS), what="4 answers")
        await press_next(console, class_dir, "level")
        for team in TEAMS:  # the level activity takes each team from the lobby to its game
            await read_until(games[team], b"Briefing")
            games[team].stdin.write(b"\r")
            await read_until(games[team], b"Month 1 of 3")
            games[team].stdin.write(b"n")
            await read_until(games[team], b"Where the money went")

        host.send_signal(signal.SIGKILL)  # the host dies mid-course
        await host.wait()
        for conn in conns:
            conn.close()
        conns.clear()
        host, port = await start_host(class_dir.root, course)

        fac_conn, console = await join(port, "facilitator", "pw")
        conns.append(fac_conn)
        await read_until(console, b"Now: Play a level [play tutorial")  # where it was
        for team in TEAMS:
            conn, games[team] = await join(port, team)
            conns.append(conn)
            await read_until(games[team], b"Month 2 of 3")  # its game, where it left it
        await press_next(console, class_dir, "justification")
        for team in TEAMS:
            await read_until(games[team], b"Justification")
            games[team].stdin.write(f"{team}: {HOSTILE}".encode())
        await wait_for(
            lambda: all(HOSTILE in justification(class_dir, t) for t in TEAMS),
            timeout=30,
            what="every justification saved",
        )
        await press_next(console, class_dir, "reflection")
        console.stdin.write(b"R")
        report = class_dir.root / "report" / "report.html"
        await wait_for(report.is_file, timeout=30, what="the class report")
    finally:
        for conn in conns:
            conn.close()
        host.terminate()
        await host.wait()
    page = report.read_text(encoding="utf-8")
    for team in TEAMS:
        assert f"<tr><td>{team}</td><td>Spot</td></tr>" in page  # its poll answer, per phase
        assert f"<tr><td>{team}</td><td>turn 1/3, score" in page  # its game, kept over the kill
        assert f"{team}: &lt;script&gt;alert(1)&lt;/script&gt; [b]ours[/b]" in page
    assert "<script>" not in page
    assert "None submitted." in page  # no strategy studio in this class
