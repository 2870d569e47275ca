"""A class of four teams with three seats each, end to end over SSH: the first poll, a turn
the seats decide together, the host killed and started again, every member back in its
seat, the justification, the class report crediting the seats; nothing lost."""

from __future__ import annotations

import asyncio
import signal
import time

from finops_tui.content.classroom import ClassDir
from finops_tui.content.saves import SaveStore
from finops_tui.content.seating import TeamSeats

from .test_host import ANSI
from .test_runsheet_ssh import (
    HOSTILE,
    SHORT_COURSE,
    join,
    justification,
    press_next,
    start_host,
)
from .waiting import wait_for

TEAMS = ("blue", "green", "red", "teal")
SEATS = ("it", "finance", "ds")  # as members type them; `ds` is Data Science's short name
REPORT = "Report · Month 1 of 3".encode()
# Each seat changes one decision of its own from where its seat's focus starts: IT moves
# from the GPU type to how to buy and picks spot; Finance and Data Science type a number
# over theirs (a number field selects its text when it gets the focus): 5% tagged, 2 B tokens.
CHANGE = {"it": b"\t\t\x1b[B ", "finance": b"5", "ds": b"2"}
SEEN_AS = {  # a change as the other seats see it, with its final value
    "it": "IT: Buy as → Spot".encode(),
    "finance": "Finance: Tagged (%) → 5".encode(),
    "ds": "Data Science: Tokens (B) → 2".encode(),
}
ALL_DECIDING = "Sign off · IT, Fin, DS deciding".encode()  # the footer's `n`, all seated
YOU = {"it": b"IT (you)", "finance": b"Fin (you)", "ds": b"DS (you)"}  # the seats' line
CHANGED = {
    "training.pricing": "it",
    "practices.tagging": "finance",
    "training.tokens": "data-science",
}


class Member:
    """One member's terminal, read all the time (a terminal nobody reads stalls its game,
    and the host lets a frozen terminal go), searched from where the last wait ended."""

    def __init__(self, user: str, conn, terminal) -> None:
        self.user, self.conn, self.terminal = user, conn, terminal
        self.text = b""  # what the screen printed, escape codes removed, since the last wait
        self._tail = b""  # an escape sequence cut in two by the chunks
        self._more = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while chunk := await self.terminal.stdout.read(65536):
            data = self._tail + chunk
            cut = data.rfind(b"\x1b")
            if cut >= 0 and len(data) - cut < 64 and not ANSI.match(data, cut):
                data, self._tail = data[:cut], data[cut:]
            else:
                self._tail = b""
            self.text += ANSI.sub(b"", data)
            self._more.set()

    async def until(self, *needles: bytes, timeout: float = 40.0) -> None:
        """Until every needle has shown since the last wait; fail naming what never did."""
        deadline = time.monotonic() + timeout
        while not all(n in self.text for n in needles):
            left = deadline - time.monotonic()
            if left <= 0 or self._reader.done():
                missing = [n for n in needles if n not in self.text]
                shown = self.text[-1500:].decode(errors="replace")
                raise AssertionError(f"{self.user}: {missing} never showed:\n{shown}")
            self._more.clear()
            try:
                await asyncio.wait_for(self._more.wait(), left)
            except TimeoutError:
                continue
        self.text = b""

    def type(self, keys: bytes) -> None:
        self.terminal.stdin.write(keys)

    def close(self) -> None:
        self._reader.cancel()
        self.conn.close()


def kept(class_dir: ClassDir, team: str, seat: str) -> bool:
    """Is what `seat` of `team` wrote kept: in the team's save, or in its seat's file?"""
    text = f"{team} {seat}: "
    if text in justification(class_dir, team):
        return True
    learnings = TeamSeats(class_dir, team, "tutorial").learnings()
    return any(text in learning.justification for learning in learnings.values())


async def join_class(port: int) -> dict[str, dict[str, Member]]:
    """Every team's three seats, each member joining as TEAM+SEAT, all at once."""

    async def member(user: str) -> Member:
        conn, terminal = await join(port, user)
        return Member(user, conn, terminal)

    users = [f"{team}+{seat}" for team in TEAMS for seat in SEATS]
    members = await asyncio.gather(*(member(u) for u in users))
    by_user = dict(zip(users, members, strict=True))
    return {team: {seat: by_user[f"{team}+{seat}"] for seat in SEATS} for team in TEAMS}


async def everyone(class_: dict[str, dict[str, Member]], *needles: bytes) -> None:
    await asyncio.gather(*(m.until(*needles) for seats in class_.values() for m in seats.values()))


async def decide_together(seats: dict[str, Member]) -> None:
    """Each seat changes a decision of its own; each sees the others' changes, signs off;
    every member's screen shows the turn's report."""
    for seat, member in seats.items():
        member.type(CHANGE[seat])
    await asyncio.gather(
        *(m.until(*(SEEN_AS[s] for s in SEATS if s != seat)) for seat, m in seats.items())
    )
    for member in seats.values():
        member.type(b"n")
    await asyncio.gather(*(m.until(REPORT) for m in seats.values()))


def close_all(class_: dict[str, dict[str, Member]]) -> None:
    for seats in class_.values():
        for member in seats.values():
            member.close()


async def test_four_teams_of_three_seats_from_the_first_poll_to_the_report(tmp_path):
    course = tmp_path / "short.toml"
    course.write_text(SHORT_COURSE, encoding="utf-8")
    class_dir = ClassDir(tmp_path / "class")
    host, port = await start_host(class_dir.root, course)
    class_: dict[str, dict[str, Member]] = {}
    fac_conn = None
    try:
        fac_conn, console = await join(port, "facilitator", "pw")
        class_ = await join_class(port)
        await everyone(class_, b"Enter: read the briefing")
        await press_next(console, class_dir, "poll")
        await everyone(class_, b"Spot or on-demand?")
        for seats in class_.values():
            seats["finance"].type(b"\r")  # the first choice, for the team
        await wait_for(lambda: len(class_dir.poll_answers(1)) == len(TEAMS), what="4 answers")
        await press_next(console, class_dir, "level")
        await everyone(class_, b"Briefing")
        for seats in class_.values():
            for member in seats.values():
                member.type(b"\r")
        # Every seat sees the other two: its fields are its own, its focus on the first.
        await everyone(class_, b"Month 1 of 3", ALL_DECIDING)
        await asyncio.gather(*(decide_together(seats) for seats in class_.values()))

        host.send_signal(signal.SIGKILL)  # the host dies mid-course
        await host.wait()
        close_all(class_)
        fac_conn.close()
        host, port = await start_host(class_dir.root, course)

        fac_conn, console = await join(port, "facilitator", "pw")
        class_ = await join_class(port)
        # Each member in its own seat of its team's game, where the team left it.
        await asyncio.gather(
            *(m.until(b"Month 2 of 3", YOU[seat]) for s in class_.values() for seat, m in s.items())
        )
        await press_next(console, class_dir, "justification")
        await everyone(class_, b"Justification")
        # Every seat writes its own: the team's writer (whichever member holds
        # writer.lock) keeps it in the team's save, the others in their seats' files.
        for team, seats in class_.items():
            for seat, member in seats.items():
                member.type(f"{team} {seat}: {HOSTILE}".encode())
        await wait_for(
            lambda: all(kept(class_dir, t, s) for t in TEAMS for s in class_[t]),
            timeout=30,
            what="every seat's justification kept",
        )
        await press_next(console, class_dir, "reflection")
        console.stdin.write(b"R")
        report = class_dir.root / "report" / "report.html"
        await wait_for(report.is_file, timeout=30, what="the class report")
    finally:
        close_all(class_)
        if fac_conn is not None:
            fac_conn.close()
        host.terminate()
        await host.wait()

    page = report.read_text(encoding="utf-8")
    markdown = report.with_name("report.md").read_text(encoding="utf-8")
    assert "<script>" not in page
    for team in TEAMS:
        assert f"<tr><td>{team}</td><td>Spot</td></tr>" in page  # its poll answer
        assert f"<tr><td>{team}</td><td>turn 1/3, score" in page  # its turn, kept over the kill
        for seat in SEATS:
            assert f"{team} {seat}: &lt;script&gt;alert(1)&lt;/script&gt; [b]ours[/b]" in page
        # The seats are credited: all three signed turn 1, each changed one decision.
        assert (
            f"<tr><td>{team}</td><td>tutorial</td><td>1: data-science+finance+it</td>"
            "<td>data-science 1; finance 1; it 1</td><td>1: data-science training.tokens, "
            "finance practices.tagging, it training.pricing</td></tr>"
        ) in page
        assert f"| {team} | tutorial | 1: data-science+finance+it |" in markdown
        turn = TeamSeats(class_dir, team, "tutorial").log().turns[0]
        assert turn.signed == ["data-science", "finance", "it"]
        assert turn.changed_by == CHANGED
        store = SaveStore(class_dir.team_dir(team))
        saved = [e for e in store.list() if e.problem is None and e.level == "tutorial"]
        state = store.load(saved[0].path)[1]
        assert len(saved) == 1 and len(state.history) == 1  # one save, its one turn
        decided = turn.decisions
        assert decided["training"]["pricing"] == "spot" and decided["training"]["tokens"] == 2e9
        assert decided["practices"]["tagging"] == 0.05
        played = state.history[0].decisions  # the turn the save keeps is the one they decided
        assert played.training.pricing == "spot" and played.training.tokens == 2e9
        assert played.practices.tagging == 0.05
