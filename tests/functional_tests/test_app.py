"""Keys, the palette, help and codex, saves, resizing: the app around the game."""

from __future__ import annotations

from textual.widgets import DataTable

from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions
from finops_tui.ui.app import FinOpsApp, create_app, help_sections
from finops_tui.ui.commands import screen_commands
from finops_tui.ui.screens.briefing import BriefingScreen
from finops_tui.ui.screens.codex import CodexScreen
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.saves import SaveMenuScreen
from finops_tui.ui.screens.title import TitleScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.textual_fixes import app_failure

from .conftest import play_turn


async def test_title_lists_levels_and_starts_one() -> None:
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        table = app.screen.query_one("#levels", DataTable)
        assert table.row_count >= 1
        assert table.get_row_at(0)[0] == "First Bill: On-Demand or Spot?"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)


def test_every_screen_key_has_a_description_and_an_id() -> None:
    for title, bindings in help_sections(FinOpsApp()):
        for binding in bindings:
            if binding.system or not binding.show:
                continue
            assert binding.description, (title, binding.key)
            assert binding.id or binding.action == "quit", (title, binding.key)


async def test_palette_offers_the_screens_actions() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()

        class Probe:
            screen = app.screen

        Probe.app = app
        titles = [title for title, _, _ in screen_commands(Probe())]  # type: ignore[arg-type]
        for wanted in ("End turn", "Brief", "Leave", "Help", "Codex", "Tabs"):
            assert wanted in titles, wanted
        assert "Report" not in titles  # no report before the first turn
        assert any(t.startswith("Codex: ") for t in titles)
        # The palette opens and runs a command by name.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"end turn")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.5)
        assert app.session.state.turn == 1


async def test_codex_opens_at_the_concept_of_the_focused_decision() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#training--checkpoint-hours").focus()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CodexScreen)
        assert app.screen.concept == "spot"
        await pilot.press("down")
        await pilot.pause()
        assert app.screen.concept != "spot"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TurnScreen)


async def test_autosave_and_resume(tmp_path, scenarios) -> None:
    store = SaveStore(tmp_path)
    scenario = scenarios["tutorial"]
    first = plan_decisions(scenario, scenario.level.plans["par"])[0]
    app = create_app(level="tutorial", seed=4, player="Team Blue", store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await play_turn(pilot, first)
    [entry] = store.unfinished()
    assert entry.level == "tutorial" and entry.turn == 1 and entry.player == "Team Blue"

    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SaveMenuScreen), "no resume offer for an unfinished game"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TurnScreen)
        assert app.session.state.decisions == (first,)
        assert app.session.seed == 4


async def test_named_save(tmp_path) -> None:
    store = SaveStore(tmp_path)
    app = create_app(level="tutorial", seed=2, store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"../evil", "enter")
        await pilot.pause()
        assert not list(tmp_path.parent.glob("evil*"))
        await pilot.press(*["backspace"] * 7, *"week 1", "enter")
        await pilot.pause()
        assert (tmp_path / "week 1.toml").exists()


async def test_resizing_never_crashes() -> None:
    app = create_app(level="sandbox", seed=1, animate=False)
    sizes = [(80, 24), (20, 6), (1, 1), (200, 60), (40, 10), (120, 40), (10, 30), (80, 24)]
    async with app.run_test(size=(80, 24)) as pilot:
        for step in ("enter", "n", "enter", "c", "escape", "question_mark", "escape"):
            for width, height in sizes:
                await pilot.resize_terminal(width, height)
                await pilot.pause()
            await pilot.press(step)
            await pilot.pause()
        assert app.is_running
        assert app.session.state.turn == 1


async def test_a_screen_closed_before_it_has_mounted_closes_cleanly() -> None:
    """Esc typed ahead of the redraw: the key that opens help, the codex or the
    calculator and the esc after it are handled before the new screen has mounted."""
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = app.screen
        openers = (app.action_help, lambda: app.open_codex(None), app.open_calculator)
        for open_it in openers:
            open_it()
            assert not app.screen.is_mounted
            app.pop_screen()
            assert app.screen is first  # the stack changes at once, as callers expect
            await pilot.pause(0.3)
            assert app_failure(app) is None and app.is_running
        app.action_help()
        app.open_calculator()
        while app.screen is not first:  # as show_title closes whatever is open
            app.pop_screen()
        await pilot.pause(0.3)
        assert app_failure(app) is None and app.screen is first


async def test_debrief_has_par_and_naive_and_lessons(scenarios) -> None:
    scenario = scenarios["tutorial"]
    app = create_app(level="tutorial", seed=5, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        for decisions in plan_decisions(scenario, scenario.level.plans["naive"]):
            await play_turn(pilot, decisions)
            await pilot.press("enter")
            await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#compare", DataTable)
        score_row = [str(c) for c in table.get_row("score")]
        assert "…" not in score_row
        assert score_row[3] == "100.0"  # par on seed 5, as `simulate` says
        await pilot.press("a")  # play again: same level, same seed
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        assert app.session.seed == 5 and app.session.state.turn == 0


def test_tidy_memory_walks_only_the_new_and_release_memory_frees_the_frozen() -> None:
    """A tidy collects what was made since the last freeze and leaves the frozen alone
    (a hosted game shares those pages with its fork server); the release at a game's
    end frees whatever died among them, so nothing frozen is leaked."""
    import gc
    import weakref

    from finops_tui.ui.app import release_memory, tidy_memory

    class Node:
        me: object

    def cycle() -> weakref.ref:
        node = Node()
        node.me = node  # a cycle: only the collector can free it
        return weakref.ref(node)

    try:
        young = cycle()  # died before any tidy: the tidy frees it
        tidy_memory()
        assert young() is None
        assert gc.get_freeze_count() > 0

        node = Node()
        node.me = node
        frozen = weakref.ref(node)
        tidy_memory()  # it survives, and is frozen
        del node
        tidy_memory()
        assert frozen() is not None  # the tidy does not walk what is frozen
        release_memory()
        assert frozen() is None
    finally:
        gc.unfreeze()
