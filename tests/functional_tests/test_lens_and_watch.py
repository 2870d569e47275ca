"""The role lens (IT, Finance, Data Science) and watching a plan play (`play --watch`)."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable, Static

from finops_tui.cli.main import run
from finops_tui.content.errors import ContentError
from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.advisor import advise
from finops_tui.gameplay.roles import ROLES, lead_keys
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.app import create_app
from finops_tui.ui.screens import watch as watch_module
from finops_tui.ui.screens.briefing import BriefingScreen
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.report import ReportScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.screens.watch import WatchScreen
from finops_tui.ui.widgets.kpi_table import KpiTable

from .conftest import play_turn


def row_keys(table: DataTable) -> list[str]:
    return [str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)]


async def test_switching_lens_reorders_the_kpi_table_and_reframes_the_advisor(scenarios) -> None:
    scenario = scenarios["sandbox"]
    level = scenario.level
    scored = [c.kpi for c in level.scoring.components]
    app = create_app(level="sandbox", seed=3, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TurnScreen)
        table = screen.query_one(KpiTable)
        assert row_keys(table) == scored  # no lens: the level's scoring order
        status = screen.query_one("#status", Static)

        orders = {}
        for role_id in ("it", "finance", "data-science"):
            await pilot.press("o")  # with a decision focused: the lens still switches
            await pilot.pause()
            assert app.role == role_id
            lead = lead_keys(role_id, level)
            keys = row_keys(table)
            assert keys[: len(lead)] == lead, (role_id, keys)
            assert keys[len(lead) :] == [k for k in scored if k not in lead]
            assert f"{ROLES[role_id].name} lens" in str(status.content)
            orders[role_id] = keys
        assert orders["finance"][0] == "spend_vs_budget"
        assert orders["it"][0] == "commitment_utilization"
        assert orders["data-science"][0] == "model_quality"
        assert len({tuple(o) for o in orders.values()}) == 3

        # The advisor says the same facts, framed for the role reading them.
        first = plan_decisions(scenario, level.plans["par"])[0]
        await play_turn(pilot, first)
        assert isinstance(app.screen, ReportScreen)
        tip = advise(scenario, app.session.state, app.session.state.history[-1])
        advisor = app.screen.query_one("#advisor", Static)
        assert str(advisor.content).startswith("Data Science lens: ")
        assert tip.text in str(advisor.content)
        await pilot.press("o")  # back to no lens: the plain tip
        await pilot.pause()
        assert app.role == "" and str(advisor.content).startswith(tip.text)
        await pilot.press("o", "o")
        await pilot.pause()
        assert str(advisor.content).startswith("Finance lens: ") and tip.text in str(
            advisor.content
        )

        # The lens is the session's: a new game keeps it.
        app.start_game(scenario, 4)
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen) and app.role == "finance"
        assert "Through the Finance lens" in app.screen._markdown()


async def test_the_debrief_leads_with_the_lens(scenarios) -> None:
    scenario = scenarios["tutorial"]
    state = play(scenario, 2, plan_decisions(scenario, scenario.level.plans["par"]))
    app = create_app(seed=2, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.resume_game(GameSession(scenario, state))
        await pilot.pause()
        table = app.screen.query_one("#compare", DataTable)
        plain = row_keys(table)
        app.set_lens("data-science")
        await pilot.pause()
        lead = lead_keys("data-science", scenario.level)
        assert "lost_gpu_hours" in lead and "loss" in lead
        keys = row_keys(table)
        assert keys[: 3 + len(lead)] == ["score", "stars", "spend", *lead]
        assert set(plain) <= set(keys)
        lost = [str(c) for c in table.get_row("lost_gpu_hours")]
        assert lost[0].startswith("▸ ") and lost[2].endswith("GPU-h")


async def test_the_palette_offers_each_lens() -> None:
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        for role in ROLES.values():
            commands[f"Lens: {role.name}"].callback()
            assert app.role == role.id
        commands["Lens: none"].callback()
        assert app.role == ""


# --- watching a plan ---------------------------------------------------------------------


def simulated(capsys, plan: str, seed: int, level: str = "tutorial") -> dict:
    assert run(["simulate", level, "--plan", plan, "--seed", str(seed), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("plan", ["naive", "par"])
async def test_watching_a_plan_reaches_the_debrief_with_the_simulated_score(
    tmp_path, capsys, scenarios, plan
) -> None:
    expected = simulated(capsys, plan, 7)
    scenario = scenarios["tutorial"]
    store = SaveStore(tmp_path)
    app = create_app(level="tutorial", seed=7, store=store, watch=plan, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        assert app.session.state.turn == 0  # nothing plays until asked
        for turn in range(1, scenario.level.turns + 1):
            await pilot.press("space" if turn % 2 else "enter")
            await pilot.pause()
            assert app.session.state.turn == turn
            record = expected["turns"][turn - 1]
            summary = str(screen.query_one("#report-summary", Static).content)
            assert f"Spent ${record['spend_usd']:,.0f}" in summary
            assert f"Month {turn} of 3" in str(screen.query_one("#watch-status").content)
        await pilot.press("space")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.state.score == expected["score"]
        assert app.session.state.stars == expected["stars"]
        summary = str(app.screen.query_one("#debrief-summary", Static).content)
        assert f"Score {expected['score']:.1f} / 100" in summary
        assert f"watched: {plan}" in str(app.screen.query_one(".status-bar", Static).content)
    assert list(tmp_path.iterdir()) == [], "a watched plan is nobody's game: never saved"


async def test_a_plan_file_plays_itself_on_auto(tmp_path, capsys, monkeypatch) -> None:
    plan = tmp_path / "spot-only.toml"
    plan.write_text(
        'level = "tutorial"\ntitle = "Spot only"\n\n'
        '[[turn]]\ntraining = { pricing = "spot", checkpoint_hours = 1 }\n'
        "practices = { tagging = 1.0 }\n",
        encoding="utf-8",
    )
    expected = simulated(capsys, str(plan), 5)
    monkeypatch.setattr(watch_module, "AUTO_SECONDS", 0.05)
    app = create_app(level="tutorial", seed=5, watch=str(plan), animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "Watching spot-only" in str(app.screen.query_one("#watch-status").content)
        await pilot.press("a")
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, DebriefScreen):
                break
        assert isinstance(app.screen, DebriefScreen)
        assert app.session.state.score == expected["score"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--watch", "nope"], "nope: no such plan in tutorial (shipped: par, naive)"),
        (["--watch", "{plan}"], "turn[0].training.pricing"),
        (["--watch", "{huge}"], "turn[0].training.gpus"),
        (["--watch", "{other}"], "level: this plan is for 'sandbox', not 'tutorial'"),
    ],
)
def test_a_plan_that_cannot_be_watched_is_a_message(tmp_path, capsys, argv, expected) -> None:
    files = {
        "plan": '[[turn]]\ntraining = { pricing = "free" }\n',
        "huge": "[[turn]]\ntraining = { gpus = 999 }\n",
        "other": 'level = "sandbox"\n[[turn]]\n',
    }
    for name, text in files.items():
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    argv = [a.format(**{n: str(tmp_path / f"{n}.toml") for n in files}) for a in argv]
    code = run(["play", "tutorial", "--saves-dir", str(tmp_path / "saves"), *argv])
    out = capsys.readouterr()
    assert code == 1
    assert expected in out.err and "Traceback" not in out.err + out.out


def test_watching_needs_a_level() -> None:
    with pytest.raises(ContentError) as info:
        create_app(watch="naive")
    assert info.value.problems == [
        "--watch naive: name the level to watch, as in: play tutorial --watch naive"
    ]


async def test_the_briefing_palette_watches_a_shipped_plan(scenarios) -> None:
    app = create_app(level="tutorial", seed=3, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        commands = {title: run_it for title, _, run_it in app.screen.palette_commands()}
        commands["Watch the naive plan"]()
        await pilot.pause()
        assert isinstance(app.screen, WatchScreen)
        assert app.session.watched == "naive" and app.session.seed == 3
