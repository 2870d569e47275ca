"""What a screen may ask of the game's app: move between screens, save, open a tool.

Screens reach the app through `GameScreen.game` (screens/base.py), typed as `Navigator`,
so a call to a method the app does not have, or with the wrong arguments, is a type error
rather than an `AttributeError` in front of a learner. `FinOpsApp` implements it
(tests/unit_tests/test_navigator.py checks that every member is there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

if TYPE_CHECKING:
    from textual.screen import Screen

    from finops_tui.content.quiz import QuizTiming
    from finops_tui.content.saves import SaveStore
    from finops_tui.engine.decisions import Decisions
    from finops_tui.engine.level import Plan
    from finops_tui.engine.scenario import Scenario
    from finops_tui.engine.state import TurnRecord
    from finops_tui.gameplay.fan_process import FanProcess
    from finops_tui.gameplay.session import GameSession


@runtime_checkable
class Navigator(Protocol):
    """The app as its screens see it."""

    setting: str  # "standard" or "advanced": the levels the title screen starts
    fixed_seed: int | None  # the seed every game starts on (None: a new one each game)
    store: SaveStore | None  # the save folder (None: saving is off in this session)
    fan_process: FanProcess | None  # computes forecast fans on the other core (None: here)

    # -- moving between screens ---------------------------------------------------------

    def show_title(self) -> None: ...

    def choose_level(self, level_id: str) -> None: ...

    def start_game(self, scenario: Scenario, seed: int | None, player: str = "") -> None: ...

    def start_watch(
        self, scenario: Scenario, name: str, plan: Plan, decisions: list[Decisions], seed: int
    ) -> None: ...

    def begin_turns(self, session: GameSession) -> None: ...

    def show_briefing(self, session: GameSession, playing: bool = False) -> None: ...

    def show_report(
        self, session: GameSession, record: TurnRecord, after: Callable[[Any], None] | None
    ) -> None: ...

    def show_debrief(self, session: GameSession) -> None: ...

    def confirm_leave(self) -> None: ...

    # -- tools ----------------------------------------------------------------------------

    def open_calculator(self) -> None: ...

    def open_codex(self, concept: str | None) -> None: ...

    def open_analysis(self, path: str = "") -> None: ...

    def open_studio(
        self,
        level_id: str | None = None,
        decisions: list[Decisions] | None = None,
        prompt: str = "",
    ) -> None: ...

    # -- saves ----------------------------------------------------------------------------

    def autosave(self, session: GameSession) -> None: ...

    def save_problem(self, session: GameSession) -> str | None: ...

    def save_learning(self, session: GameSession) -> str | None: ...

    def quiz_timing(self) -> QuizTiming: ...

    def save_game_as(self, session: GameSession) -> None: ...

    def has_saves(self, unfinished: bool = False) -> bool: ...

    def offer_resume(self, first_time: bool = False) -> None: ...

    def show_saves(self) -> None: ...

    def load_best_scores(self, screen: Screen) -> None: ...


def navigator(app: object) -> Navigator:
    """`app` as what screens and commands may ask of it: the game's `FinOpsApp`.

    A cast, not a check: the screens run only inside `FinOpsApp`, and the unit test holds
    `FinOpsApp` to the protocol.
    """
    return cast(Navigator, app)
