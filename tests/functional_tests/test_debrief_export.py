"""The debrief exports the game as `finops-tui export` does: a FOCUS bill and a report."""

from __future__ import annotations

import csv
from decimal import Decimal

from textual.widgets import Input, OptionList, Static

from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.export import ExportScreen


async def finished_game(pilot, scenario, seed: int) -> GameSession:
    state = play(scenario, seed, plan_decisions(scenario, scenario.level.plans["naive"]))
    session = GameSession(scenario, state, "Team Blue")
    pilot.app.show_debrief(session)
    await pilot.pause()
    assert isinstance(pilot.app.screen, DebriefScreen)
    return session


async def choose(pilot, index: int) -> None:
    pilot.app.screen.query_one(OptionList).highlighted = index
    await pilot.pause()
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_debrief_writes_a_focus_bill_that_sums_to_the_games_spend(
    tmp_path, scenarios
) -> None:
    scenario = scenarios["sandbox"]
    app = create_app(seed=3, store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        session = await finished_game(pilot, scenario, 3)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        await choose(pilot, 0)  # FOCUS bill (CSV), under the name it suggests
        path = tmp_path / "sandbox-seed3-team-blue-bill.csv"
        assert path.exists()
        status = str(app.screen.query_one("#export-status", Static).content)
        assert str(path) in status and "FOCUS rows" in status
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == sum(len(r.lines) for r in session.state.history)
        billed = sum(Decimal(r["BilledCost"]) for r in rows)
        spend = sum(r.spend_usd for r in session.state.history)
        assert abs(float(billed) - spend) < 0.01 * len(session.state.history)
        assert abs(float(billed) - session.state.spend_usd) < 0.01 * len(rows)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)


async def test_debrief_writes_reports_with_the_levels_title(tmp_path, scenarios) -> None:
    scenario = scenarios["tutorial"]
    app = create_app(seed=5, store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await finished_game(pilot, scenario, 5)
        await pilot.press("x")
        await pilot.pause()
        await choose(pilot, 1)  # Markdown, with its chart beside it
        markdown = tmp_path / "tutorial-seed5-team-blue-report.md"
        chart = tmp_path / "tutorial-seed5-team-blue-report-spend.svg"
        assert markdown.exists() and chart.exists()
        assert scenario.level.title in markdown.read_text()
        status = str(app.screen.query_one("#export-status", Static).content)
        assert str(markdown) in status and str(chart) in status
        await choose(pilot, 2)  # HTML
        html = tmp_path / "tutorial-seed5-team-blue-report.html"
        assert scenario.level.title in html.read_text()

        # A typed name: its suffix picks the format; an existing file is not replaced
        # unless the player presses enter twice.
        name = app.screen.query_one("#export-name", Input)
        name.focus()
        name.value = "for-the-cfo.md"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert scenario.level.title in (tmp_path / "for-the-cfo.md").read_text()
        (tmp_path / "for-the-cfo.md").write_text("mine")
        name.value = "for-the-cfo.md"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (tmp_path / "for-the-cfo.md").read_text() == "mine"
        assert "exists" in str(app.screen.query_one("#export-status", Static).content)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert scenario.level.title in (tmp_path / "for-the-cfo.md").read_text()


async def test_a_hosted_team_writes_only_into_its_own_folder(tmp_path, scenarios) -> None:
    app = create_app(seed=1, store=SaveStore(tmp_path / "team"), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.class_link = object()  # what `play --class-dir` sets: a team of a hosted class
        await finished_game(pilot, scenarios["tutorial"], 1)
        await pilot.press("x")
        await pilot.pause()
        name = app.screen.query_one("#export-name", Input)
        name.focus()
        name.value = str(tmp_path / "outside.csv")
        await pilot.press("enter")
        await pilot.pause()
        assert "type a name, not a path" in str(
            app.screen.query_one("#export-status", Static).content
        )
        assert not (tmp_path / "outside.csv").exists()
        app.class_link = None


async def test_a_disk_that_refuses_is_a_message_not_a_crash(tmp_path, scenarios) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    app = create_app(seed=1, store=SaveStore(blocked), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await finished_game(pilot, scenarios["tutorial"], 1)
        await pilot.press("x")
        await pilot.pause()
        await choose(pilot, 0)
        assert "Not written" in str(app.screen.query_one("#export-status", Static).content)
        assert app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
