"""A team's game in a hosted class follows the facilitator through the class folder."""

from __future__ import annotations

import json

from finops_tui.content.classroom import (
    Broadcast,
    ClassDir,
    ClassSettings,
    Control,
    Injection,
    Poll,
)
from finops_tui.content.levels import load_scenario
from finops_tui.content.saves import SaveStore
from finops_tui.engine import Scenario, play, start_decisions
from finops_tui.engine.level import Event
from finops_tui.ui.app import create_app
from finops_tui.ui.classroom.link import ClassLink, PollScreen, ScoreboardScreen
from finops_tui.ui.classroom.lobby import LobbyScreen
from finops_tui.ui.screens.report import ReportScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.textual_fixes import notification_messages

from .waiting import wait_for


def team_app(class_dir: ClassDir, team: str):
    return create_app(
        level="tutorial",
        seed=5,
        player=team,
        store=SaveStore(class_dir.team_dir(team)),
        animate=False,
        class_link=ClassLink(class_dir, team),
    )


def new_class(tmp_path) -> ClassDir:
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=5))
    return class_dir


def status(class_dir: ClassDir, team: str) -> dict:
    return json.loads(class_dir.status_path(team).read_text(encoding="utf-8"))


async def test_a_turn_waits_for_the_facilitator(tmp_path):
    class_dir = new_class(tmp_path)
    app = team_app(class_dir, "blue")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LobbyScreen)
        assert "Waiting for the facilitator" in str(app.screen.query_one("#lobby-phase").content)
        await pilot.press("enter")  # lobby -> briefing
        await pilot.pause()
        await pilot.press("enter")  # briefing -> turn
        await pilot.pause()
        assert isinstance(app.screen, TurnScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.session.state.turn == 0  # the lobby: not yet
        assert any("not started" in p.message for p in app.screen.problems)
        class_dir.write_control(Control(phase="playing", open_turn=1))
        await wait_for(lambda: app.class_link.control.open_turn == 1, what="the link's poll")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        assert status(class_dir, "blue")["turn"] == 1
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("n")  # turn 2 is not open yet
        await pilot.pause()
        assert app.session.state.turn == 1
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, ScoreboardScreen)


async def test_a_closed_turn_keeps_last_decisions_and_injected_events_reach_every_team(tmp_path):
    class_dir = new_class(tmp_path)
    class_dir.write_control(Control(phase="playing", open_turn=1))
    surge = Event(kind="price_change", title="GPU prices double", turn=2, magnitude=2.0)
    blue, green = team_app(class_dir, "blue"), team_app(class_dir, "green")
    async with blue.run_test(size=(100, 30)) as bp, green.run_test(size=(100, 30)) as gp:
        for pilot in (bp, gp):
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
        control = class_dir.control()
        class_dir.write_control(
            control.model_copy(
                update={
                    "open_turn": 2,
                    "closed_turn": 2,
                    "injected": [Injection(id=1, event=surge)],
                    "broadcasts": [Broadcast(id=1, text="Prices are moving", at=0.0)],
                }
            )
        )
        # The link's poll closes both turns in one tick, which ends with this notice.
        await wait_for(
            lambda: all(
                any("last decisions were kept" in m for m in notification_messages(a))
                for a in (blue, green)
            ),
            what="both teams' turns closed by the facilitator",
        )
        await bp.pause()
        await gp.pause()
        scenario = load_scenario("tutorial")
        injected = Scenario.build(scenario.level.with_injected([surge]), scenario.catalog)
        expected = play(injected, 5, [start_decisions(scenario)] * 2)
        for app, team in ((blue, "blue"), (green, "green")):
            state = app.session.state
            assert state.turn == 2, team  # both turns closed: resolved with last decisions
            assert state.history == expected.history
            assert any(e.title == "GPU prices double" for e in state.history[1].events)
            assert status(class_dir, team)["turn"] == 2
            saved = SaveStore(class_dir.team_dir(team)).list()
            assert saved and saved[0].turn == 2 and saved[0].problem is None
            assert any("Prices are moving" in m for m in notification_messages(app))


async def test_a_poll_is_asked_and_answered(tmp_path):
    class_dir = new_class(tmp_path)
    app = team_app(class_dir, "blue")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        class_dir.write_control(
            Control(poll=Poll(id=3, question="Who owns the GPU bill?", choices=["IT", "Finance"]))
        )
        await wait_for(lambda: isinstance(app.screen, PollScreen) and app.screen.is_mounted)
        await pilot.pause()
        assert isinstance(app.screen, PollScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert class_dir.poll_answers(3) == {"blue": "Finance"}


async def test_a_team_that_reconnects_finds_its_game(tmp_path):
    class_dir = new_class(tmp_path)
    class_dir.write_control(Control(phase="playing", open_turn=2, closed_turn=1))
    first = team_app(class_dir, "blue")
    async with first.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: first.session.state.turn >= 1, what="the link's first poll")
        assert first.session.state.turn == 1  # turn 1 was closed before the team came
        first.session.learning = first.session.learning.model_copy(
            update={"justification": "We bought spot and tagged everything."}
        )
        assert first.save_learning(first.session) is None
    again = team_app(class_dir, "blue")
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert again.session.state.turn == 1
        assert isinstance(again.screen, TurnScreen)
        assert again.session.learning.justification == "We bought spot and tagged everything."
        assert status(class_dir, "blue")["connected"] is True
    assert status(class_dir, "blue")["connected"] is False


async def test_a_plan_the_world_refuses_is_left_out_of_the_debrief(monkeypatch, scenarios):
    """After an injected shock a shipped plan may break a hard cap: the debrief stands."""
    from finops_tui.engine import plan_decisions
    from finops_tui.engine.game import InvalidDecisions
    from finops_tui.engine.state import Problem
    from finops_tui.gameplay.session import GameSession
    from finops_tui.ui.screens import debrief
    from finops_tui.ui.screens.debrief import DebriefScreen

    scenario = scenarios["tutorial"]
    naive = plan_decisions(scenario, scenario.level.plans["naive"])
    real_play = debrief.play

    def refusing_play(scenario, seed, decisions):
        if list(decisions) == naive:
            raise InvalidDecisions([Problem(key="budget", message="over the hard cap")])
        return real_play(scenario, seed, decisions)

    monkeypatch.setattr(debrief, "play", refusing_play)
    state = play(scenario, 5, plan_decisions(scenario, scenario.level.plans["par"]))
    app = create_app(animate=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.resume_game(GameSession(scenario, state, "blue"))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        assert set(app.screen.runs) == {"par"}
        assert app.is_running


async def test_a_hosted_text_cursor_stays_still(tmp_path):
    """Blinking, a cursor redraws its field twice a second, sent to each learner over the
    network; in a hosted class it stays still. Alone in a terminal it blinks as usual."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input, TextArea

    from finops_tui.ui.classroom.hosted import HostedApp

    class Form(HostedApp, App[None]):
        def compose(self) -> ComposeResult:
            yield Input(id="name")
            yield TextArea(id="why")

    for hosted in (True, False):
        app = Form()
        if hosted:
            app.host_in(ClassDir(tmp_path / "class"), "play")
        async with app.run_test() as pilot:
            for selector in ("#name", "#why"):
                field = app.query_one(selector)
                field.focus()
                await pilot.pause()
                assert field.cursor_blink is not hosted, (selector, hosted)
