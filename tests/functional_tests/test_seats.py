"""A seated team's member in the app: the shared draft, read-only fields, notes, sign-off.

The other members are played by writing their files in the class folder, as their
processes would; the app's own writer thread resolves the turn.
"""

from __future__ import annotations

import time

import pytest
from textual.widgets import TextArea

from finops_tui.content.classroom import ClassDir, ClassSettings, Control
from finops_tui.content.levels import load_scenario
from finops_tui.content.saves import SaveStore
from finops_tui.content.seating import SeatChange, SlotFile, TeamSeats, release
from finops_tui.engine.game import new_game
from finops_tui.gameplay.class_report import read_class, write_class_report
from finops_tui.gameplay.course import load_course, resolve_course_path
from finops_tui.gameplay.runsheet import RunSheet
from finops_tui.ui.app import create_app
from finops_tui.ui.classroom.link import ClassLink
from finops_tui.ui.classroom.lobby import LobbyScreen
from finops_tui.ui.classroom.seated_turn import NoteScreen, SeatedTurnScreen
from finops_tui.ui.screens.report import ReportScreen
from finops_tui.ui.screens.written import JustificationScreen
from finops_tui.ui.textual_fixes import notification_messages

from .waiting import wait_for


@pytest.fixture(autouse=True)
def nothing_went_wrong(tmp_path):
    """A member's link logs a failure and plays on: so each test checks none was logged."""
    yield
    log = tmp_path / "class" / "logs" / "errors.log"
    assert not log.exists(), log.read_text(encoding="utf-8")


def new_class(tmp_path) -> ClassDir:
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=5))
    class_dir.write_control(Control(phase="playing", open_turn=1))
    return class_dir


def seat_app(class_dir: ClassDir, seat: str):
    return create_app(
        level="tutorial",
        seed=5,
        player="blue",
        store=SaveStore(class_dir.team_dir("blue")),
        animate=False,
        class_link=ClassLink(class_dir, "blue", seat=seat),
    )


def other_member(class_dir: ClassDir, slot: str, **update) -> SlotFile:
    """Write another member's file, as its own process would."""
    entry = SlotFile(slot=slot, turn=1, alive=time.time(), **update)
    TeamSeats(class_dir, "blue", "tutorial").write_slot(entry)
    return entry


def end_label(screen: SeatedTurnScreen) -> str:
    return next(
        b.description
        for bindings in screen._bindings.key_to_bindings.values()
        for b in bindings
        if b.id == "turn.end"
    )


async def to_turn(pilot, app) -> SeatedTurnScreen:
    await wait_for(lambda: isinstance(app.screen, LobbyScreen), what="the lobby")
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(lambda: isinstance(app.screen, SeatedTurnScreen), what="the turn")
    return app.screen


async def beside_it(pilot, app) -> SeatedTurnScreen:
    """The finance member's turn screen, once it sees the IT member present."""
    screen = await to_turn(pilot, app)
    await wait_for(lambda: app.seat_link.present == {"it", "finance"}, what="both present")
    return screen


async def test_a_seat_sees_the_team_change_live_and_signs_off(tmp_path):
    class_dir = new_class(tmp_path)
    other_member(class_dir, "it")
    app = seat_app(class_dir, "finance")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await beside_it(pilot, app)
        assert app.role == "finance"  # the lens follows the seat
        await wait_for(lambda: end_label(screen) == "Sign off · IT, Fin deciding", what="label")
        form = screen.query_one("#decisions")
        assert form.query_one("#training--gpus").disabled  # IT's: read-only here
        assert not form.query_one("#practices--tagging").disabled  # Finance's own
        assert not form.query_one("#training--checkpoint-hours").disabled  # DS's: seat empty

        now = time.time()
        it = other_member(class_dir, "it", changes={"training.gpus": SeatChange(value=4, at=now)})
        await wait_for(lambda: screen.draft.training.gpus == 4, what="IT's change on screen")
        await wait_for(
            lambda: any("IT: GPUs → 4" in m for m in notification_messages(app)),
            what="who made the change",
        )
        base = app.session.previous_decisions().training.gpus
        it = other_member(
            class_dir, "it", changes={"training.gpus": SeatChange(value=base, at=now + 1)}
        )  # and back: a change to last turn's value is said too
        await wait_for(lambda: screen.draft.training.gpus == base, what="IT's change back")
        await wait_for(
            lambda: any(f"IT: GPUs → {base}" in m for m in notification_messages(app)),
            what="the change back, and who made it",
        )
        await pilot.press("n")
        await wait_for(lambda: end_label(screen) == "Signed · IT deciding", what="signed")
        assert app.session.turn == 1  # IT is still deciding
        other_member(class_dir, "it", changes=it.changes, signed=True)
        await wait_for(lambda: isinstance(app.screen, ReportScreen), what="the report")
        assert app.session.turn == 2
        credit = TeamSeats(class_dir, "blue", "tutorial").log().turns[0]
        assert credit.signed == ["finance", "it"]
        assert credit.changed_by == {}  # IT set GPUs back: nothing changed in the end
    # The member is gone: its seat is free for the next one at once.
    assert not TeamSeats(class_dir, "blue", "tutorial").slots()["finance"].connected


async def test_a_teammates_heartbeat_redraws_nothing_and_a_change_redraws_once(tmp_path):
    """Each member rewrites its file every couple of seconds to say it is still there.
    Thirty screens redrafted for each of those would keep a class host busy for nothing:
    only what a member says (a change, a note, a sign-off) reaches the screen."""
    class_dir = new_class(tmp_path)
    other_member(class_dir, "it")
    app = seat_app(class_dir, "finance")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await beside_it(pilot, app)
        drawn = []
        real_team_changed = screen.team_changed
        screen.team_changed = lambda: drawn.append(1) or real_team_changed()  # type: ignore[method-assign]
        for _ in range(5):
            other_member(class_dir, "it")  # the same file, a later heartbeat
            signature = TeamSeats(class_dir, "blue", "tutorial").signature()
            await wait_for(lambda s=signature: app.seat_link._signature == s, what="read")
        assert drawn == []
        now = time.time()
        other_member(class_dir, "it", changes={"training.gpus": SeatChange(value=4, at=now)})
        await wait_for(lambda: screen.draft.training.gpus == 4, what="IT's change on screen")
        await pilot.pause()
        assert drawn == [1]


async def test_a_nudged_member_reads_a_teammates_change_at_once(tmp_path, monkeypatch):
    """A member that wrote a change nudges the others: with the timer's next look half a
    minute away, the change is still on this screen at once."""
    from finops_tui.content.nudges import nudge
    from finops_tui.ui.classroom import seating

    monkeypatch.setattr(seating, "SEAT_TICK", 30.0)
    class_dir = new_class(tmp_path)
    other_member(class_dir, "it")
    app = seat_app(class_dir, "finance")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await beside_it(pilot, app)
        folder = TeamSeats(class_dir, "blue", "tutorial").folder
        if app.seat_link._listener is None:
            pytest.skip("no Unix socket in the class folder here: the timer's looks only")
        now = time.time()
        other_member(class_dir, "it", changes={"training.gpus": SeatChange(value=4, at=now)})
        assert nudge(folder) >= 1
        await wait_for(lambda: screen.draft.training.gpus == 4, timeout=5, what="the change")
        assert time.time() - now < 5
    assert not list(folder.glob("nudge-*"))  # the member's socket went with it


async def test_a_member_who_leaves_frees_the_seat_and_the_team_goes_on(tmp_path):
    class_dir = new_class(tmp_path)
    other_member(class_dir, "it")
    app = seat_app(class_dir, "finance")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await to_turn(pilot, app)
        await wait_for(lambda: "it" in app.seat_link.present, what="IT present")
        form = screen.query_one("#decisions")
        assert form.query_one("#training--gpus").disabled
        other_member(class_dir, "it", connected=False)  # IT closed its terminal
        await wait_for(
            lambda: not form.query_one("#training--gpus").disabled, what="IT's fields free"
        )
        await wait_for(lambda: end_label(screen) == "End turn", what="alone: end turn")
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, ReportScreen), what="the report")


async def test_a_note_is_kept_as_typed_text(tmp_path):
    class_dir = new_class(tmp_path)
    other_member(class_dir, "it")
    app = seat_app(class_dir, "finance")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await to_turn(pilot, app)
        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, NoteScreen), what="the note dialog")
        await pilot.press(*"[b]x[/b]", "enter")
        await wait_for(lambda: app.seat_link.notes(), what="the note")
        slot, _key, text = app.seat_link.notes()[0]
        assert (slot, text) == ("finance", "[b]x[/b]")
        panel = screen.query_one("#seat-panel")
        await wait_for(lambda: "[b]x[/b]" in str(panel.render()), what="the note shown")
        assert TeamSeats(class_dir, "blue", "tutorial").slots()["finance"].notes


async def test_a_member_who_never_signs_is_closed_by_the_facilitator(tmp_path):
    class_dir = new_class(tmp_path)
    other_member(class_dir, "it")
    app = seat_app(class_dir, "finance")
    async with app.run_test(size=(100, 30)) as pilot:
        await to_turn(pilot, app)
        await pilot.press("n")
        await wait_for(lambda: app.seat_link.mine.signed, what="signed")
        assert app.session.turn == 1
        class_dir.write_control(Control(phase="playing", open_turn=1, closed_turn=1))
        await wait_for(lambda: app.session.turn == 2, what="the turn closed")
        assert TeamSeats(class_dir, "blue", "tutorial").log().turns[0].closed_by == "facilitator"


async def test_a_second_member_in_a_seat_watches(tmp_path):
    class_dir = new_class(tmp_path)
    # Another process sits there.
    held = TeamSeats(class_dir, "blue", "tutorial").lock_slot("finance")
    other_member(class_dir, "finance")
    app = seat_app(class_dir, "finance")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: isinstance(app.screen, LobbyScreen), what="the lobby")
        assert app.seat_link.slot is None
        seat_line = str(app.screen.query_one("#lobby-seat").render())
        assert "you watch" in seat_line
        screen = await to_turn(pilot, app)
        form = screen.query_one("#decisions")
        assert form.query_one("#practices--tagging").disabled  # a watcher edits nothing
        await pilot.press("n")
        assert app.session.turn == 1
    from finops_tui.content.seating import release

    release(held)


async def test_a_watcher_sits_when_the_seat_frees_and_may_pick_another(tmp_path):
    from finops_tui.content.seating import release

    class_dir = new_class(tmp_path)
    held = TeamSeats(class_dir, "blue", "tutorial").lock_slot("finance")
    other_member(class_dir, "finance")
    app = seat_app(class_dir, "finance")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await to_turn(pilot, app)
        titles = [title for title, _help, _run in screen.palette_commands()]
        assert "Sit: IT" in titles and "Sit: Finance" not in titles
        form = screen.query_one("#decisions")
        assert form.query_one("#practices--tagging").disabled
        release(held)  # the member in the seat closes its terminal
        other_member(class_dir, "finance", connected=False)
        await wait_for(lambda: app.seat_link.slot == "finance", what="the freed seat taken")
        await wait_for(
            lambda: not form.query_one("#practices--tagging").disabled, what="its fields"
        )
        screen.sit("it")  # and a seated member may move to a free seat
        assert app.seat_link.slot == "it" and app.role == "it"
        await wait_for(lambda: not form.query_one("#training--gpus").disabled, what="IT's")


async def test_a_watcher_takes_the_seat_of_a_member_that_was_killed(tmp_path):
    """Killed, a member leaves its file saying it is there: the watcher who takes its
    seat finds the same files and the same seats present, yet may now edit."""
    from finops_tui.content.seating import release

    class_dir = new_class(tmp_path)
    held = TeamSeats(class_dir, "blue", "tutorial").lock_slot("finance")
    other_member(class_dir, "finance")
    app = seat_app(class_dir, "finance")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await to_turn(pilot, app)
        form = screen.query_one("#decisions")
        assert form.query_one("#practices--tagging").disabled
        release(held)  # the process is gone; its file is not rewritten
        await wait_for(lambda: app.seat_link.slot == "finance", what="the freed seat taken")
        await wait_for(
            lambda: not form.query_one("#practices--tagging").disabled, what="its fields"
        )


async def test_the_scoreboard_and_the_results_credit_the_seats(tmp_path):
    import csv

    from finops_tui.content.classroom import TeamStatus, export_results
    from finops_tui.content.levels import load_scenario
    from finops_tui.content.seating import TurnCredit
    from finops_tui.engine.game import new_game
    from finops_tui.ui.classroom.scoreboard import ScoreboardApp

    class_dir = new_class(tmp_path)
    scenario = load_scenario("tutorial")
    SaveStore(class_dir.team_dir("blue")).autosave(scenario, new_game(scenario, 5), "blue")
    seats = TeamSeats(class_dir, "blue", "tutorial")
    seats.record_turn(
        TurnCredit(
            turn=1,
            decisions={},
            signed=["finance", "it"],
            changed_by={"training.gpus": "it", "practices.tagging": "finance"},
        )
    )
    seats.record_turn(TurnCredit(turn=2, decisions={}, closed_by="facilitator"))
    status = dict(turn=1, turns=3, spend_usd=1.0, budget_usd=2.0, score=1.0, stars=0)
    class_dir.write_status(
        TeamStatus(
            team="blue", **status, finished=False, updated=time.time(), seats=["finance", "it"]
        )
    )
    export_results(class_dir, tmp_path / "results.csv")
    with (tmp_path / "results.csv").open(encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["seats_signed"] == "1: finance+it; 2: facilitator"
    assert row["seats_changed"] == "finance 1; it 1"
    app = ScoreboardApp(class_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.query_one("#teams")
        assert "IT Fin" in str(table.get_row("blue")[-1])


async def test_another_level_started_for_the_team_has_seats_of_its_own(tmp_path):
    """The run sheet may start another level on every team's screen: the seats follow."""
    from finops_tui.content.levels import load_scenario
    from finops_tui.gameplay.session import GameSession

    class_dir = new_class(tmp_path)
    app = seat_app(class_dir, "finance")
    async with app.run_test(size=(100, 30)) as pilot:
        await to_turn(pilot, app)
        session = GameSession.start(load_scenario("spot-or-reserved"), 5, "blue")
        app.session = session
        app.begin_turns(session)
        await wait_for(lambda: app.seat_link.level_id == "spot-or-reserved", what="rebound")
        await wait_for(lambda: isinstance(app.screen, SeatedTurnScreen), what="its turn")
        await wait_for(lambda: app.seat_link.slot == "finance", what="the same seat")
        assert "finance" in TeamSeats(class_dir, "blue", "spot-or-reserved").slots()
        assert not TeamSeats(class_dir, "blue", "tutorial").slots()["finance"].connected
        screen = app.screen
        await wait_for(lambda: end_label(screen) == "End turn", what="alone on the new level")
        await pilot.pause()
        await pilot.press("n")  # alone: the new level's writer resolves its turn
        await wait_for(lambda: app.session.turn == 2, what="the new level's turn")
        assert TeamSeats(class_dir, "blue", "spot-or-reserved").log().turns
        assert not TeamSeats(class_dir, "blue", "tutorial").log().turns


async def test_a_justification_written_on_a_seat_that_is_not_the_writer_is_kept(tmp_path):
    """The team's save has one writer; another member's writing goes to its seat's file,
    and the class report shows it, as typed."""
    class_dir = new_class(tmp_path)
    tutorial = load_scenario("tutorial")
    SaveStore(class_dir.team_dir("blue")).autosave(tutorial, new_game(tutorial, 5), "blue")
    seats = TeamSeats(class_dir, "blue", "tutorial")
    writer = seats.lock_writer()  # another member's process writes the team's save
    assert writer is not None
    text = "Finance: spot saved $1,234 [b]not bold[/b]; we ask for alerts."
    try:
        app = seat_app(class_dir, "finance")
        async with app.run_test(size=(100, 30)) as pilot:
            await to_turn(pilot, app)
            assert not app.seat_link.authority.is_writer
            screen = JustificationScreen(app.session)
            app.push_screen(screen)
            await wait_for(
                lambda: app.screen is screen and bool(screen.query(TextArea)),
                what="the justification screen",
            )
            assert screen.problem is None  # nothing says this screen's writing is not kept
            screen.query_one(TextArea).text = text
            assert screen.save() and screen.problem is None
            assert seats.learnings()["finance"].justification == text
            await pilot.press("escape")
    finally:
        release(writer)
    course = load_course(resolve_course_path(None))
    sheet = RunSheet(course_id=course.course.id)
    game = read_class(class_dir, course, sheet).games["blue"]["tutorial"]
    assert ("Finance", text) in game.justifications()
    md_path, html_path = write_class_report(class_dir, course, sheet)
    md = md_path.read_text(encoding="utf-8")
    assert "(tutorial, Finance seat)" in md and "$1,234" in md
    assert "[b]not bold[/b]" in html_path.read_text(encoding="utf-8")  # text, not markup
