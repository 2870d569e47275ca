"""The strategy studio, driven as a team would: edit, see the numbers move, save, load, import."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Input, OptionList, RadioSet, Static

from finops_tui.content.levels import load_scenario
from finops_tui.content.plans import plan_text, plans_dir
from finops_tui.content.saves import SaveStore, save_from_state, write_save
from finops_tui.engine import plan_decisions, play
from finops_tui.ui.app import create_app
from finops_tui.ui.commands import screen_commands
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.plan_picker import PickScreen
from finops_tui.ui.screens.saves import SaveNameScreen
from finops_tui.ui.screens.studio import StudioScreen
from finops_tui.ui.screens.title import TitleScreen
from finops_tui.ui.widgets.decision_form import DecisionForm

from .test_snapshots import settle
from .waiting import wait_for


class PaletteProbe:
    def __init__(self, app) -> None:
        self.app, self.screen = app, app.screen


async def open_from_title(pilot) -> StudioScreen:
    await wait_for(lambda: isinstance(pilot.app.screen, TitleScreen), what="the title screen")
    await pilot.pause()
    await pilot.press("s")
    await wait_for(lambda: isinstance(pilot.app.screen, StudioScreen), what="the studio")
    screen = pilot.app.screen
    assert isinstance(screen, StudioScreen)
    await played(screen)
    return screen


async def played(screen: StudioScreen) -> None:
    """Until the strategy on screen is the one last asked for, par and naive beside it."""
    await wait_for(
        lambda: screen.shown_version == screen.version and len(screen.yardsticks) == 2,
        what="the strategy played over its seeds",
    )


def text_of(screen: StudioScreen, widget_id: str) -> str:
    """What a Static shows, as plain text (a table drawn as the terminal would)."""
    content = screen.query_one(f"#{widget_id}", Static).content
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


async def test_an_edit_plays_the_strategy_again_and_says_what_it_did(tmp_path) -> None:
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_from_title(pilot)
        assert screen.scenario.level.id == "tutorial"
        before = screen.evaluated[1]
        assert "Change a decision" in text_of(screen, "studio-edit")
        # Turn 1: spot instead of on-demand, with the keyboard.
        radio = screen.query_one("#training--pricing", RadioSet)
        radio.focus()
        await pilot.press("down", "enter")
        await wait_for(lambda: screen.strategy.changes[0], what="the edit in the strategy")
        await played(screen)
        after = screen.evaluated[1]
        assert screen.strategy.changes[0] == {"training.pricing": "spot"}
        assert after.spend_mean < before.spend_mean
        assert after.mean != before.mean
        effect = screen.effect
        assert effect is not None and effect.turn == 1 and effect.what == ("Buy as Spot",)
        assert (effect.before, effect.after) == (before, after)
        shown = text_of(screen, "studio-edit")
        assert "Last edit, turn 1: Buy as Spot" in shown
        assert f"{before.mean:.1f} → {after.mean:.1f}" in shown
        assert f"{after.mean:.1f}" in text_of(screen, "studio-table")
        assert screen.redraw_ms and screen.redraw_ms[-1] > 0


async def test_an_edit_carries_on_and_a_later_turn_shows_it(tmp_path) -> None:
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_from_title(pilot)
        await pilot.press("pagedown")
        assert screen.turn == 1
        tagging = screen.query_one("#practices--tagging", Input)
        tagging.focus()
        await pilot.pause()
        await pilot.press("backspace", "backspace", "backspace", "8", "0")
        await wait_for(lambda: screen.strategy.changes[1], what="the typed edit")
        await played(screen)
        assert screen.strategy.changes[1] == {"practices.tagging": 0.8}
        assert [d.practices.tagging for d in screen.strategy.decisions(screen.scenario)] == [
            0.0,
            0.8,
            0.8,
        ]
        await pilot.press("pagedown")
        assert tagging.value == "80"  # turn 3 inherits it
        assert "none: last turn's decisions go on" in text_of(screen, "studio-turn")
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        assert tagging.value == "0" and screen.turn == 0
        assert screen.strategy.changes[0] == {}  # showing another turn is not an edit


async def test_page_keys_move_between_turns_even_in_a_long_form(tmp_path) -> None:
    """The form scrolls on pgdn/pgup when it is taller than its pane: the turn must move."""
    app = create_app(level="spot-or-reserved", seed=1, store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_studio()
        await wait_for(lambda: isinstance(app.screen, StudioScreen), what="the studio")
        screen = app.screen
        await played(screen)
        form = screen.query_one(DecisionForm)
        assert form.max_scroll_y > 0  # the form is taller than its pane here
        form.focus_field("training.gpus")
        await pilot.press("pagedown", "pagedown")
        assert screen.turn == 2
        await pilot.press("pageup")
        assert screen.turn == 1
        await pilot.press("right_square_bracket")
        assert screen.turn == 2


async def test_markup_and_control_keys_in_a_rationale_are_text(tmp_path) -> None:
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_from_title(pilot)
        await pilot.press("w")
        assert screen.focused is screen.query_one("#studio-why", Input)
        await pilot.press(*"[b]spot[/b] is [red]cheap")
        await pilot.pause()
        assert screen.strategy.rationale[0] == "[b]spot[/b] is [red]cheap"
        assert "[b]spot[/b] is [red]cheap" in text_of(screen, "studio-turns")
        why = screen.query_one("#studio-why", Input)
        why.value = "two\nlines"  # pasted text with a newline is refused, not stored
        await pilot.pause()
        assert screen.strategy.rationale[0] == "[b]spot[/b] is [red]cheap"
        assert "control characters" in text_of(screen, "studio-problems")
        why.value = "x" * 400  # past the bound: the field keeps 280
        await pilot.pause()
        assert len(screen.strategy.rationale[0]) <= 280


async def test_save_then_load_a_plan(tmp_path) -> None:
    store = SaveStore(tmp_path)
    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_from_title(pilot)
        screen.query_one("#practices--tagging", Input).focus()
        await pilot.pause()
        await pilot.press("backspace", "5", "0")
        await wait_for(lambda: screen.strategy.changes[0], what="the typed edit")
        await pilot.press("w", *"half tagged")
        await pilot.press("enter", "s")
        await wait_for(lambda: isinstance(app.screen, SaveNameScreen), what="the name dialog")
        await pilot.press(*"../escape", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SaveNameScreen)  # refused: a name, never a path
        assert not (tmp_path / "escape.toml").exists()
        app.screen.query_one(Input).value = ""
        await pilot.press(*"half tagged", "enter")
        await wait_for(lambda: app.screen is screen, what="back in the studio")
        path = plans_dir(tmp_path) / "half tagged.toml"
        assert path.is_file()
        assert "not saved" not in text_of(screen, "status")
        assert 'rationale = "half tagged"' in path.read_text(encoding="utf-8")
        assert store.list() == []  # plans are not listed as saves
        saved = screen.strategy
        # Load the level's naive plan, then ours again.
        await pilot.press("l")
        await wait_for(lambda: isinstance(app.screen, PickScreen), what="the plan list")
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels[0].startswith("par") and "half tagged (yours)" in labels
        await pilot.press("down", "enter")  # naive
        await wait_for(lambda: app.screen is screen and screen.origin == "naive", what="naive")
        await played(screen)
        assert screen.effect is not None and screen.effect.what == ("opened naive",)
        await pilot.press("l")
        await wait_for(lambda: isinstance(app.screen, PickScreen), what="the plan list")
        await pilot.press("end", "enter")
        await wait_for(lambda: screen.origin == "half tagged", what="our plan again")
        assert screen.strategy == saved


async def test_import_what_i_played_from_a_finished_game(tmp_path) -> None:
    scenario = load_scenario("tutorial")
    played_decisions = plan_decisions(scenario, scenario.level.plans["naive"])
    state = play(scenario, 5, played_decisions)
    write_save(tmp_path / "our game.toml", save_from_state(scenario, state, player="Blue"))
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_from_title(pilot)
        await pilot.press("i")
        await wait_for(lambda: isinstance(app.screen, PickScreen), what="the finished games")
        await pilot.press("enter")
        await wait_for(lambda: screen.origin == "what you played", what="the import")
        await played(screen)
        assert screen.strategy.decisions(scenario) == played_decisions
        assert screen.effect is not None and screen.effect.what == ("imported what you played",)


async def test_the_debrief_opens_the_studio_on_what_was_played(tmp_path) -> None:
    app = create_app(level="tutorial", seed=2, store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        scenario = app.start_scenario
        decisions = plan_decisions(scenario, scenario.level.plans["naive"])
        await pilot.pause()
        session = app.session
        for d in decisions:
            session.resolve(d)
        app.show_debrief(session)
        await wait_for(lambda: isinstance(app.screen, DebriefScreen), what="the debrief")
        await settle(pilot)
        await pilot.press("s")
        await wait_for(lambda: isinstance(app.screen, StudioScreen), what="the studio")
        screen = app.screen
        await played(screen)
        assert screen.strategy.decisions(scenario) == decisions
        await pilot.press("escape")  # nothing edited since: it leaves without asking
        await wait_for(lambda: isinstance(app.screen, DebriefScreen), what="back to the debrief")


async def test_the_palette_offers_the_studio_everywhere(tmp_path) -> None:
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: isinstance(app.screen, TitleScreen), what="the title")
        titles = [t for t, _, _ in screen_commands(PaletteProbe(app))]
        assert "Studio" in titles  # the title's own key
        await pilot.press("a")  # the calculator: no studio key of its own
        await pilot.pause()
        assert "Strategy studio" in [t for t, _, _ in screen_commands(PaletteProbe(app))]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Strategy studio")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, StudioScreen), what="the studio")
        titles = [t for t, _, _ in screen_commands(PaletteProbe(app))]
        assert "Strategy studio" not in titles and "Save" in titles


async def test_leaving_an_unsaved_strategy_asks_first(tmp_path) -> None:
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_from_title(pilot)
        screen.query_one("#practices--tagging", Input).focus()
        await pilot.pause()
        await pilot.press("5")
        await wait_for(lambda: screen.strategy.changes[0], what="the edit")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen and not isinstance(app.screen, TitleScreen)
        await pilot.press("escape")  # stay
        await wait_for(lambda: app.screen is screen, what="still in the studio")


async def test_a_hosted_team_submits_its_strategy(tmp_path) -> None:
    from finops_tui.content.classroom import ClassDir, ClassSettings
    from finops_tui.ui.classroom.link import ClassLink

    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=0))
    app = create_app(store=SaveStore(tmp_path / "saves"), animate=False)
    app.class_link = ClassLink(class_dir, "blue")  # only what the studio reads of a class
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_from_title(pilot)
        await pilot.press("u")
        await wait_for(lambda: class_dir.strategy_path("blue").exists(), what="the submission")
        text = class_dir.strategy_path("blue").read_text(encoding="utf-8")
        assert text.startswith('level = "tutorial"')
        assert screen.check_action("submit", ()) is True
        # Back later, the team opens what it submitted to improve on it.
        await pilot.press("l")
        await wait_for(lambda: isinstance(app.screen, PickScreen), what="the plan list")
        await pilot.press("end", "enter")
        await wait_for(lambda: screen.origin == "submitted", what="the submission opened")


async def test_the_console_runs_the_tournament_and_the_projector_shows_it(tmp_path) -> None:
    from finops_tui.content.classroom import ClassDir, ClassSettings
    from finops_tui.ui.classroom.facilitator import FacilitatorApp
    from finops_tui.ui.classroom.scoreboard import ScoreboardApp

    scenario = load_scenario("tutorial")
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=0))
    console = FacilitatorApp(class_dir)
    async with console.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")  # nothing submitted yet: said, and nothing written
        await wait_for(lambda: console._notifications, what="the console's answer")
        assert not class_dir.tournament_path.exists()
        class_dir.submit_strategy("blue", plan_text("tutorial", scenario.level.plans["par"]))
        class_dir.submit_strategy("red", plan_text("tutorial", scenario.level.plans["naive"]))
        class_dir.submit_strategy("green", "[[turn]]\ntraining = { gpu = 'h200' }\n")
        await pilot.press("g")
        await wait_for(lambda: class_dir.tournament() is not None, what="the tournament")
    ranking = [(r["rank"], r["plan"]) for r in class_dir.tournament()["rows"]]
    assert ranking == [(1, "(par)"), (1, "blue"), (3, "(naive)"), (3, "red")]
    projector = ScoreboardApp(class_dir)
    async with projector.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        board = projector.screen.query_one("#tournament", Static)
        shown = str(board.render())
        assert board.display and "P10 risk" in shown
        assert shown.index("blue") < shown.index("red") and "green" not in shown


async def test_a_strategy_the_level_refuses_names_the_month_and_the_decision(tmp_path) -> None:
    app = create_app(level="foundation-budget", seed=1, store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_studio()
        await wait_for(lambda: isinstance(app.screen, StudioScreen), what="the studio")
        screen = app.screen
        await played(screen)
        # A 30B model on one GPU: its training state cannot fit, whatever the budget.
        for field, typed in (("#training--params", "30"), ("#training--gpus", "1")):
            box = screen.query_one(field, Input)
            box.focus()
            await pilot.pause()
            await pilot.press(*["backspace"] * 4, *typed)
        await wait_for(lambda: screen.strategy.changes[0].get("training.gpus") == 1)
        await played(screen)
        shown = text_of(screen, "studio-problems")
        assert shown.startswith("Month 1: GPUs: 30B needs about")
        assert screen.problems[0].problem.key == "training.gpus"
        assert "last ok" in text_of(screen, "studio-table")
        # The numbers on screen stay those of the last strategy that could be played.
        assert screen.evaluated is not None
        assert screen.evaluated[0].decisions(screen.scenario)[0].training.gpus != 1


async def test_a_facilitator_s_prompt_is_shown_as_typed(tmp_path) -> None:
    """The class's Elaborate phase opens the studio with what the team is asked to do."""
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)):
        await wait_for(lambda: isinstance(app.screen, TitleScreen), what="the title")
        app.call_later(app.open_studio, "tutorial", None, "Agree a [b]strategy[/b] as a team")
        await wait_for(lambda: isinstance(app.screen, StudioScreen), what="the studio")
        screen = app.screen
        await played(screen)
        assert "Agree a [b]strategy[/b] as a team" in text_of(screen, "studio-prompt")


async def test_submit_is_no_key_outside_a_class(tmp_path) -> None:
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_from_title(pilot)
        assert screen.check_action("submit", ()) is False
        assert screen.check_action("turn", (-1,)) is None  # dimmed on the first turn


async def test_two_hundred_random_keys_never_crash_the_studio(tmp_path, monkeypatch) -> None:
    """Keys typed faster than it draws: edits, turns, dialogs, the palette; never a crash."""
    import random

    from .mash import KeyLog, mash, skip_memory_tidying

    skip_memory_tidying(monkeypatch)
    store = SaveStore(tmp_path)
    scenario = load_scenario("runaway-fine-tune")
    write_save(tmp_path / "done.toml", save_from_state(scenario, play(scenario, 1, [])))
    app = create_app(level="runaway-fine-tune", seed=1, store=store, animate=False)
    log = KeyLog(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sent = await mash(
            pilot, log, random.Random(17), "StudioScreen", app.open_studio, 200, share=120
        )
        assert sent == 200 and log.by_screen["StudioScreen"] >= 120


# -- what it looks like ------------------------------------------------------------------


def _studio_app(tmp_path: Path):
    app = create_app(level="runaway-fine-tune", seed=1, store=SaveStore(tmp_path), animate=False)

    async def opened(pilot) -> None:
        await settle(pilot)
        app.open_studio()
        await wait_for(lambda: isinstance(app.screen, StudioScreen), what="the studio")
        screen = app.screen
        await played(screen)
        screen.query_one("#training--pricing", RadioSet).focus()
        await pilot.press("down", "enter")
        await wait_for(lambda: screen.strategy.changes[0], what="the edit")
        await played(screen)
        await pilot.press("w", *"[b]Spot[/b] halves it")
        screen.query_one(DecisionForm).focus_field("training.pricing")
        await settle(pilot)

    return app, opened


def test_studio_snapshot(snap_compare, tmp_path) -> None:
    app, opened = _studio_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened)


def test_studio_snapshot_wide(snap_compare, tmp_path) -> None:
    app, opened = _studio_app(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=opened)
