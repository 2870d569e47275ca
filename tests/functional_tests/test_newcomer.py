"""What a newcomer tripped on (issue 18), each played as a learner would meet it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Static, TabbedContent, Tabs

from finops_tui.engine import plan_decisions
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.calculator import CalculatorScreen
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.help import HelpScreen
from finops_tui.ui.screens.quiz import QuizScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.textual_fixes import FooterKey
from finops_tui.ui.widgets.bill_table import BillTable
from finops_tui.ui.widgets.decision_form import DecisionForm
from finops_tui.ui.widgets.event_log import EventLog
from finops_tui.ui.widgets.fitted_table import MIN_WRAP_WIDTH, share_width
from finops_tui.ui.widgets.kpi_table import KpiTable
from finops_tui.ui.widgets.size_notice import SizeNotice

from .conftest import enter_decisions

WAIT_STEP = 0.05  # seconds between looks at a condition
WAIT_STEPS = 100  # five seconds at most


async def wait_for(pilot, condition, what: str) -> None:
    """Pause until `condition()` holds; fail naming `what` after WAIT_STEPS looks."""
    for _ in range(WAIT_STEPS):
        if condition():
            return
        await pilot.pause(WAIT_STEP)
    raise AssertionError(f"timed out waiting for {what}")


async def turn_screen(pilot) -> TurnScreen:
    await pilot.press("enter")  # past the briefing
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TurnScreen), "the turn screen")
    return pilot.app.screen


# -- the side panel's help ---------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_fields_help_shows_whole(size) -> None:
    """Each field's help fits the panel under the form, all of it (it was cut to one line)."""
    app = create_app(level="sandbox", seed=1, animate=False)
    async with app.run_test(size=size) as pilot:
        screen = await turn_screen(pilot)
        form = screen.query_one(DecisionForm)
        help_panel = screen.query_one("#field-help", Static)
        shown = []
        for spec in form.fields:
            form.focus_field(spec.key)
            await pilot.pause()
            if form.spec_for(app.focused) is not spec:
                continue  # a row this level's other choices hide (a self-hosted model's)
            shown.append(spec.key)
            assert str(help_panel.content) == spec.help
            region = help_panel.content_region
            lines = Text(spec.help).wrap(app.console, region.width)
            assert len(lines) <= region.height, f"{spec.key}: {spec.help!r} cut to {region}"
        assert "forecast_usd" in shown  # the help that was cut mid-sentence
        assert len(shown) >= 10


# -- the debrief's Lessons tab takes page down --------------------------------------------


async def debrief_screen(pilot) -> DebriefScreen:
    """The debrief of the tutorial played at par (three turns, as a learner would)."""
    app = pilot.app
    await turn_screen(pilot)
    scenario = app.start_scenario
    for decisions in plan_decisions(scenario, scenario.level.plans["par"]):
        await enter_decisions(pilot, decisions)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, TurnScreen), "the report")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, TurnScreen | DebriefScreen),
            "the next turn or the debrief",
        )
    assert isinstance(app.screen, DebriefScreen)
    return app.screen


async def test_page_down_scrolls_the_lessons_tab_once_shown() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await debrief_screen(pilot)
        tabs = screen.query_one("#debrief-tabs", TabbedContent)
        while tabs.active != "tab-lessons":
            await pilot.press("d")
            await pilot.pause()
        lessons = screen.query_one("#tab-lessons .reading", VerticalScroll)
        await wait_for(pilot, lambda: lessons.max_scroll_y > 0, "lessons longer than the tab")
        assert lessons.scroll_y == 0
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: lessons.scroll_y > 0, "page down to scroll the lessons")
        # From the tab bar (a click on the tab puts the focus there), page keys page too.
        screen.query_one("#debrief-tabs", TabbedContent).query_one(Tabs).focus()
        await pilot.press("pageup")
        await wait_for(pilot, lambda: lessons.scroll_y == 0, "page up from the tab bar")


async def test_a_tab_with_nothing_to_focus_leaves_the_keys_on_the_tab_bar() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await debrief_screen(pilot)
        tabs = screen.query_one("#debrief-tabs", TabbedContent)
        while tabs.active != "tab-spend":
            await pilot.press("d")
            await pilot.pause()
        assert isinstance(app.focused, Tabs), "focus stayed on a hidden tab's table"


# -- the quiz footer says the real range ---------------------------------------------------


async def test_quiz_footer_offers_the_numbers_the_question_has() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_debrief(app.session)
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen), "the debrief")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen), "the quiz")
        quiz = app.screen
        for _ in range(2):  # two questions: the range follows each one
            choices = len(app.session.level.quiz[quiz.question].choices)
            assert choices < 6
            await wait_for(
                pilot,
                lambda: any(k.action == "answer(0)" for k in quiz.query(FooterKey)),
                "the answer key in the footer",
            )
            shown = [k.key_display for k in quiz.query(FooterKey) if k.action == "answer(0)"]
            assert shown == [f"1-{choices}"]
            await pilot.press("1")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()


# -- letters typed in the calculator ---------------------------------------------------


@pytest.mark.parametrize("focus", ["#train-table", "#train-params"])
async def test_letters_in_the_calculator_run_only_the_keys_it_shows(focus) -> None:
    """ "lots" typed on a table, or into an amount field that refuses letters, turns nothing."""
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_calculator()
        await wait_for(pilot, lambda: isinstance(app.screen, CalculatorScreen), "the calculator")
        calculator = app.screen
        await wait_for(pilot, lambda: isinstance(app.focused, Input), "a field focused on open")
        calculator.query_one(focus).focus()
        await pilot.pause()
        await pilot.press(*"lots", "k", "z")
        await pilot.pause()
        assert app.role == "", "a typed letter turned the lens"
        assert app.screen is calculator
        # The keys its footer shows still work.
        await pilot.press("d")
        await wait_for(
            pilot,
            lambda: calculator.query_one(TabbedContent).active == "calc-serve",
            "d to show serving",
        )


# -- NO_COLOR: no colour at all ---------------------------------------------------------

SGR = re.compile(rb"\x1b\[([0-9;:]*)m")
COLOUR_CODES = {
    *range(30, 39),  # foreground, 38 the 256-colour and truecolour form
    *range(40, 49),  # background, 48 likewise
    58,  # underline colour
    *range(90, 98),
    *range(100, 108),
}
PTY_READ_SECONDS = 60  # the app under a loaded machine can take a while to draw


def colour_escapes(output: bytes) -> list[bytes]:
    """Every SGR escape in `output` that sets a colour (39 and 49, the terminal's own, do not)."""
    found = []
    for match in SGR.finditer(output):
        codes = [p.split(b":")[0] for p in match.group(1).split(b";")]
        if any(code.isdigit() and int(code) in COLOUR_CODES for code in codes):
            found.append(match.group(0))
    return found


def drive_in_a_terminal(tmp_path, no_color: bool) -> bytes:
    """What the app sends to a real 80x24 xterm-256color terminal until it shows the turn."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLORTERM")}
    env |= {"TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
    if no_color:
        env["NO_COLOR"] = "1"
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    command = [sys.executable, "-m", "finops_tui", "play", "tutorial", "--seed", "1"]
    command += ["--saves-dir", str(tmp_path / "saves")]
    process = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True
    )
    os.close(follower)
    output = b""
    sent_enter = False
    deadline = time.monotonic() + PTY_READ_SECONDS
    try:
        while time.monotonic() < deadline and b"End turn" not in output:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    output += os.read(leader, 65536)
                except OSError:
                    break
            if not sent_enter and b"Start" in output:
                os.write(leader, b"\r")  # past the briefing, to the turn screen's widgets
                sent_enter = True
        os.write(leader, b"\x11")  # ctrl+q
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        os.close(leader)
    assert b"End turn" in output, f"the turn screen never drew: {output[-300:]!r}"
    return output


def test_no_color_sends_no_colour_escapes(tmp_path) -> None:
    coloured = drive_in_a_terminal(tmp_path, no_color=False)
    assert colour_escapes(coloured), "the check finds colours when there are some"
    plain = drive_in_a_terminal(tmp_path, no_color=True)
    assert colour_escapes(plain) == []


# -- a terminal smaller than 80x24 ----------------------------------------------------


def size_notices(app) -> list[str]:
    return [notice.text for notice in app.screen.query_children(SizeNotice)]


async def test_a_small_terminal_is_told_the_size_needed_until_it_grows() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: size_notices(app), "the size notice")
        assert "60x20" in size_notices(app)[0] and "80x24" in size_notices(app)[0]
        screen = await turn_screen(pilot)  # the game goes on under the notice
        await wait_for(pilot, lambda: size_notices(app), "the notice on the turn screen")
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is not None

        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: not size_notices(app), "the notice to go at 80x24")
        await pilot.resize_terminal(79, 30)
        await wait_for(pilot, lambda: "79x30" in "".join(size_notices(app)), "too narrow")
        await pilot.press("question_mark")  # a screen opened while small says it too
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await wait_for(pilot, lambda: size_notices(app), "the notice over help")
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: not size_notices(app), "the notice to go at 120x40")


# -- tables fit at 80 columns ----------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_dashboard_tables_fit_their_width(size) -> None:
    """Bill, KPIs and Events: every column whole ("Targe", "S" and "What it did" were cut)."""
    app = create_app(level="sandbox", seed=1, animate=False)
    async with app.run_test(size=size) as pilot:
        await turn_screen(pilot)
        for _ in range(5):  # five months as they come: events to log
            await pilot.press("n")
            await wait_for(pilot, lambda: not isinstance(app.screen, TurnScreen), "the report")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, TurnScreen), "the next turn")
        screen = app.screen
        assert screen.query_one(EventLog).row_count > 1, "no events to show"
        tabs = screen.query_one(TabbedContent)
        for tab, table_type in (
            ("tab-bill", BillTable),
            ("tab-kpis", KpiTable),
            ("tab-events", EventLog),
        ):
            tabs.active = tab
            table = screen.query_one(table_type)
            await wait_for(pilot, lambda t=table: t.size.width > 0 and t.row_count, tab)
            await app.workers.wait_for_complete()
            await pilot.pause()
            columns = list(table.columns.values())
            used = sum(c.get_render_width(table) for c in columns)
            assert used <= table.scrollable_content_region.width, f"{tab}: {used} cells wide"
            for column in columns:
                label = column.label.cell_len
                assert column.get_render_width(table) >= label + 2, f"{tab}: {column.label} cut"


async def test_debrief_what_ifs_fit_at_80() -> None:
    """The What if tab's "Why" wraps instead of running off the screen."""
    app = create_app(level="runaway-fine-tune", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_debrief(app.session)
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, DebriefScreen) and app.screen.query("#what-if"),
            "the debrief",
        )
        screen = app.screen
        screen.query_one("#debrief-tabs", TabbedContent).active = "tab-what-if"
        table = screen.query_one("#what-if", DataTable)
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: table.row_count > 2, "the what-ifs")
        await pilot.pause()
        used = sum(c.get_render_width(table) for c in table.columns.values())
        assert used <= table.scrollable_content_region.width, f"{used} cells wide"


def test_wrapping_columns_share_the_room() -> None:
    assert share_width([10, 40], 30) == [10, 20]  # the short one keeps its width
    assert share_width([30, 40], 30) == [15, 15]
    assert share_width([5, 7], 30) == [5, 7]  # never wider than needed
    assert share_width([30, 40], 4) == [MIN_WRAP_WIDTH, MIN_WRAP_WIDTH]  # a floor, not zero
    assert share_width([], 30) == []
