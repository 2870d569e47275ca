"""A finished game is a record: replaying its level never erases it (issue 12, item 1).

The learner finishes `tutorial`, answers a quiz question, writes a justification and a
reflection, then plays the level again, from the title and with "Play again": the
finished game keeps its quiz, justification, reflections and the title's Best, and each
new game has an autosave of its own.
"""

from __future__ import annotations

from textual.widgets import DataTable

from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.format import stars
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.briefing import BriefingScreen
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.quiz import QuizScreen
from finops_tui.ui.screens.report import ReportScreen
from finops_tui.ui.screens.title import TitleScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.screens.written import JustificationScreen, ReflectionScreen

from .conftest import play_turn

SEED = 5
PLAYER = "Team Red"
WORDS = "Spot with checkpoints: half the bill."
REFLECTION = "Tag first"


async def finish_tutorial(pilot, scenario) -> None:
    """From the briefing to the debrief, playing par."""
    assert isinstance(pilot.app.screen, BriefingScreen)
    await pilot.press("enter")
    await pilot.pause()
    for decisions in plan_decisions(scenario, scenario.level.plans["par"]):
        await play_turn(pilot, decisions)
        assert isinstance(pilot.app.screen, ReportScreen)
        await pilot.press("enter")
        await pilot.pause()
    assert isinstance(pilot.app.screen, DebriefScreen)


async def learn(pilot) -> None:
    """On the debrief: one quiz answer, a justification, a reflection; back on the debrief."""
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(pilot.app.screen, QuizScreen)
    await pilot.press("1")
    await pilot.pause()
    await pilot.press("escape")
    await pilot.pause()
    await pilot.press("j")
    await pilot.pause()
    assert isinstance(pilot.app.screen, JustificationScreen)
    await pilot.press(*WORDS)
    await pilot.press("f2")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ReflectionScreen)
    await pilot.press(*REFLECTION, "escape")
    await pilot.pause()
    assert isinstance(pilot.app.screen, DebriefScreen)


def finished_records(store: SaveStore):
    entries = [e for e in store.list() if e.problem is None and e.finished]
    return [(e, store.load(e.path)[2]) for e in entries]


def assert_record_intact(store: SaveStore, score: float) -> None:
    [(entry, save)] = finished_records(store)
    assert entry.score == score and entry.player == PLAYER
    assert len(save.quiz) == 1, "the quiz answer is gone"
    assert save.justification == WORDS, "the justification is gone"
    assert list(save.reflections.values()) == [REFLECTION], "the reflection is gone"


async def one_new_turn(pilot, scenario) -> None:
    """Enter on a briefing, then end turn 1 of the new game and read its report."""
    assert isinstance(pilot.app.screen, BriefingScreen)
    assert pilot.app.session.state.turn == 0
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, TurnScreen)
    await play_turn(pilot, plan_decisions(scenario, scenario.level.plans["naive"])[0])
    assert isinstance(pilot.app.screen, ReportScreen)
    await pilot.press("enter")
    await pilot.pause()


def best_cell(app) -> str:
    table = app.screen.query_one("#levels", DataTable)
    return str(table.get_row("tutorial")[3])


async def test_replaying_a_level_keeps_the_finished_game(tmp_path, scenarios) -> None:
    scenario = scenarios["tutorial"]
    store = SaveStore(tmp_path)
    app = create_app(seed=SEED, player=PLAYER, store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        await pilot.press("enter")  # tutorial is the first level
        await pilot.pause()
        await finish_tutorial(pilot, scenario)
        score = app.session.state.score
        await learn(pilot)
        assert_record_intact(store, score)

        # Back to the title: Best is the finished game's score.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert best_cell(app).startswith(f"{score:.1f}")

        # Enter, enter, n: a new game of the same level, same seed, same player.
        await pilot.press("enter")
        await pilot.pause()
        await one_new_turn(pilot, scenario)
        assert_record_intact(store, score)
        [new] = store.unfinished()
        assert new.turn == 1 and new.player == PLAYER
        assert new.path not in {e.path for e, _ in finished_records(store)}

        await pilot.press("escape")  # leave the new game
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert best_cell(app).startswith(f"{score:.1f}"), "Best no longer reads the record"

    # Next launch: the record loads with everything written after its debrief, and
    # "Play again" on its debrief starts a game with an autosave of its own, too.
    app = create_app(seed=SEED, player=PLAYER, store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        if not isinstance(app.screen, TitleScreen):
            await pilot.press("escape")  # the resume offer for the unfinished new game
            await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        record = next(i for i, e in enumerate(app.screen.entries) if e.finished)
        app.screen.query_one(DataTable).move_cursor(row=record)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        assert app.session.learning.justification == WORDS
        await pilot.press("a")  # play again
        await pilot.pause()
        await one_new_turn(pilot, scenario)
    assert_record_intact(store, score)
    assert len(store.unfinished()) == 2, "the second new game took the first one's autosave"


async def test_play_again_right_after_the_debrief_keeps_the_finished_game(
    tmp_path, scenarios
) -> None:
    scenario = scenarios["tutorial"]
    store = SaveStore(tmp_path)
    app = create_app(level="tutorial", seed=SEED, player=PLAYER, store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await finish_tutorial(pilot, scenario)
        score = app.session.state.score
        await learn(pilot)
        await pilot.press("a")
        await pilot.pause()
        await one_new_turn(pilot, scenario)
        assert_record_intact(store, score)
        [new] = store.unfinished()
        assert new.turn == 1
        # The new game goes on in its own file, turn after turn.
        await play_turn(pilot, plan_decisions(scenario, scenario.level.plans["naive"])[1])
        await pilot.pause()
    assert_record_intact(store, score)
    [new_again] = store.unfinished()
    assert new_again.path == new.path and new_again.turn == 2
    assert len(store.list()) == 2


async def test_the_title_shows_best_scores_whole_at_80x24(tmp_path, scenarios) -> None:
    """Issue 18: the Best column read "100." instead of "100.0 ★★★"."""
    from textual.geometry import Region

    store = SaveStore(tmp_path)
    expected = {}
    for level_id in ("tutorial", "runaway-fine-tune"):
        scenario = scenarios[level_id]
        state = play(scenario, SEED, plan_decisions(scenario, scenario.level.plans["par"]))
        store.autosave(scenario, state, PLAYER)
        expected[level_id] = f"{state.score:.1f} {stars(state.stars)}"
    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        table = app.screen.query_one("#levels", DataTable)
        shown = "\n".join(strip.text for strip in table.render_lines(Region(0, 0, *table.size)))
        for level_id, best in expected.items():
            title = scenarios[level_id].level.title
            [line] = [row for row in shown.splitlines() if title in row]
            assert line.rstrip().endswith(best), line


async def test_a_hosted_teams_finished_game_survives_play_again_and_a_reconnect(
    tmp_path, scenarios
) -> None:
    """In a class folder the team's autosave is its game: playing again must not erase it."""
    from finops_tui.content.classroom import ClassDir, ClassSettings, Control
    from finops_tui.ui.classroom.link import ClassLink

    scenario = scenarios["tutorial"]
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=SEED))
    class_dir.write_control(Control(phase="playing", open_turn=scenario.level.turns))
    store = SaveStore(class_dir.team_dir("blue"))

    def team_app():
        return create_app(
            level="tutorial",
            seed=SEED,
            player="blue",
            store=store,
            animate=False,
            class_link=ClassLink(class_dir, "blue"),
        )

    app = team_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # lobby -> briefing
        await pilot.pause()
        await finish_tutorial(pilot, scenario)
        score = app.session.state.score
        await pilot.press("j", *WORDS, "escape")
        await pilot.pause()
        await pilot.press("a")  # play again
        await pilot.pause()
        await one_new_turn(pilot, scenario)
    [(record, save)] = finished_records(store)
    assert record.score == score and save.justification == WORDS
    assert [e.turn for e in store.unfinished()] == [1]

    # The team reconnects: it is back on its finished game, with what it wrote.
    app = team_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        assert app.session.learning.justification == WORDS
        await pilot.press("r", *REFLECTION, "escape")  # and what it writes joins it
        await pilot.pause()
    [(again, save)] = finished_records(store)
    assert again.path == record.path and save.justification == WORDS
    assert list(save.reflections.values()) == [REFLECTION]
    assert [e.turn for e in store.unfinished()] == [1]
