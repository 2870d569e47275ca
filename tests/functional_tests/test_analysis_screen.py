"""The analysis screen: open a FOCUS bill, walk its findings, write a level from it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from finops_tui.content.levels import load_level
from finops_tui.content.saves import SaveStore
from finops_tui.ui.app import create_app
from finops_tui.ui.commands import screen_commands
from finops_tui.ui.screens.analysis import AnalysisScreen
from finops_tui.ui.screens.export import ExportScreen
from finops_tui.ui.screens.title import TitleScreen

from ..unit_tests.sample_bill import write_sample_bill


async def _open(pilot, app, path: Path) -> AnalysisScreen:
    await pilot.pause()
    assert isinstance(app.screen, TitleScreen)
    await pilot.press("f")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, AnalysisScreen)
    field = screen.query_one("#analysis-path", Input)
    field.value = str(path)
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


def _text(screen, widget_id: str) -> str:
    return str(screen.query_one(widget_id, Static).render())


async def test_a_learner_walks_through_the_findings_and_writes_a_level(tmp_path) -> None:
    bill = write_sample_bill(tmp_path / "sample.csv")
    app = create_app(seed=1, store=SaveStore(tmp_path / "saves"), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, app, bill)
        assert "1/7  Two cost bases" in _text(screen, "#analysis-title")
        assert "Effective" in _text(screen, "#analysis-body")
        titles = []
        for _ in range(6):
            await pilot.press("n")
            await pilot.pause()
            titles.append(_text(screen, "#analysis-title"))
        assert any("Commitments" in t for t in titles)
        assert "7/7  Top movers" in titles[-1]
        await pilot.press("p")
        await pilot.pause()
        assert "6/7" in _text(screen, "#analysis-title")
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        level_file = tmp_path / "saves" / "my-org.toml"
        assert load_level(level_file, check_plans=True).id == "my-org"
        assert "i-untagged" not in level_file.read_text(encoding="utf-8")


async def test_required_tag_keys_decide_who_owns_the_cost(tmp_path) -> None:
    bill = write_sample_bill(tmp_path / "sample.csv")
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, app, bill)
        anything = screen.summary.allocated
        screen = await _reopen(pilot, app, str(bill), tags="user:Owner, user:CostCenter")
        assert screen.summary.required_tags == ("user:Owner", "user:CostCenter")
        assert screen.summary.allocated < anything


async def test_the_palette_offers_it_and_a_bad_file_is_one_line(tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("BilledCost,EffectiveCost,ChargeCategory,ServiceName\n1,[red]x,Usage,VM\n")
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()

        class Provider:  # what screen_commands reads from the palette's provider
            screen, app_ = app.screen, app

        Provider.app = app
        titles = [title for title, _, _ in screen_commands(Provider)]
        assert "Analyse a bill" in titles
        screen = await _open(pilot, app, bad)
        status = _text(screen, "#analysis-status")
        assert "line 2: EffectiveCost: expected a number, got '[red]x'" in status
        await pilot.press("n")  # no findings yet: nothing to walk, nothing breaks
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)


async def test_markup_in_the_bill_is_shown_as_text(tmp_path) -> None:
    bill = tmp_path / "markup.csv"
    bill.write_text(
        "BilledCost,EffectiveCost,ChargeCategory,ServiceName\n"
        "5,5,Usage,[bold]Evil[/bold] [link=x]\n",
        encoding="utf-8",
    )
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, app, bill)
        await pilot.press("n")
        await pilot.pause()
        assert "[bold]Evil[/bold] [link=x]" in _text(screen, "#analysis-body")


async def test_a_hosted_player_opens_files_only_in_its_folder(tmp_path, monkeypatch) -> None:
    outside = write_sample_bill(tmp_path / "outside.csv")
    team = tmp_path / "team"
    team.mkdir()
    write_sample_bill(team / "ours.csv")
    app = create_app(seed=1, store=SaveStore(team), animate=False)
    # A web visitor: exports and reads stay in its folder.
    monkeypatch.setattr(type(app), "is_web", property(lambda self: True))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, app, Path("../outside.csv"))
        assert "Not opened" in _text(screen, "#analysis-status")
        assert not screen.findings
        screen = await _reopen(pilot, app, str(outside))
        assert "Not opened" in _text(screen, "#analysis-status")
        screen = await _reopen(pilot, app, "ours.csv")
        assert screen.findings and screen.summary.rows == 11


async def _reopen(pilot, app, typed: str, tags: str = "") -> AnalysisScreen:
    screen = app.screen
    screen.query_one("#analysis-tags", Input).value = tags
    field = screen.query_one("#analysis-path", Input)
    field.focus()
    field.value = typed
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_a_late_answer_for_an_earlier_file_is_dropped(tmp_path) -> None:
    bill = write_sample_bill(tmp_path / "sample.csv")
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, app, bill)
        shown = _text(screen, "#analysis-status")
        screen.post_message(AnalysisScreen.Analysed(0, Path("old.csv"), None, "old.csv: stale"))
        await pilot.pause()
        assert _text(screen, "#analysis-status") == shown and screen.findings
