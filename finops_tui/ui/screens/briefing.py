"""The briefing: the case study, its goals, its budget and how it is scored."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from finops_tui.gameplay.format import period_name, target, usd
from finops_tui.gameplay.roles import lead_keys, metric_label, role
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.screens.seen import SeenBeforeLeaving, leaves
from finops_tui.ui.widgets.footer import GameFooter


def briefing_markdown(session: GameSession) -> str:
    level = session.level
    period = period_name(level)
    goals = "\n".join(f"- {o}" for o in level.objectives)
    total = sum(c.weight for c in level.scoring.components) or 1.0
    scoring = "\n".join(
        f"- **{c.label or c.kpi}**: {target(c)} ({c.weight * 100 / total:.0f} points)"
        for c in level.scoring.components
    )
    cap = " It is a **hard cap**: a turn over it cannot be played." if level.budget.hard_cap else ""
    s1, s2, s3 = level.scoring.stars
    return (
        f"{level.briefing.strip()}\n\n"
        f"## Your goals\n\n{goals}\n\n"
        f"## Budget\n\n{usd(level.budget.per_period_usd)} a {period}, for {level.turns} "
        f"{period}s.{cap}\n\n"
        f"## How you are scored\n\n{scoring}\n\n"
        f"Stars at {s1:g}, {s2:g} and {s3:g} points out of 100.\n"
    )


def lens_markdown(session: GameSession, role_id: str | None) -> str:
    """What a role lens watches in this level; nothing without a lens."""
    found = role(role_id)
    if found is None:
        return ""
    watched = "\n".join(f"- {metric_label(k)}" for k in lead_keys(found.id, session.level))
    return (
        f"\n## Through the {found.name} lens\n\n"
        f"You answer for {found.cares}. Your dashboards lead with:\n\n{watched}\n\n"
        "Press o to switch lens (your team can take turns).\n"
    )


class BriefingScreen(LateKeySafe, SeenBeforeLeaving):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "start", "Start", id="briefing.start", priority=True),
        Binding("enter", "back", "Back to the game", id="briefing.return", priority=True),
        Binding("escape", "back", "Back", id="briefing.back"),
    ]

    def __init__(self, session: GameSession, playing: bool = False) -> None:
        super().__init__()
        self.session = session
        self.playing = playing

    def compose(self) -> ComposeResult:
        level = self.session.level
        who = f" · {self.session.player}" if self.session.player else ""
        yield Static(
            f" Briefing · {level.title} · {level.difficulty} · {level.turns} "
            f"{period_name(level)}s · seed {self.session.seed}{who}",
            classes="status-bar",
            markup=False,
        )
        with VerticalScroll(id="briefing-body", classes="reading"):
            yield Markdown(self._markdown(), open_links=False)
        yield GameFooter()

    def on_mount(self) -> None:
        self.query_one("#briefing-body").focus()
        self.watch(self.app, "role", self._lens_changed, init=False)

    def _markdown(self) -> str:
        lens = lens_markdown(self.session, getattr(self.app, "role", ""))
        return briefing_markdown(self.session) + lens

    def _lens_changed(self, _role: str) -> None:
        self.query_one(Markdown).update(self._markdown())

    def palette_commands(self):
        """Watch a shipped plan play this level (the failure case first, for a class)."""
        if self.playing:
            return  # a game is under way: watching would drop it
        for name in ("naive", "par"):
            plan = self.session.level.plans.get(name)
            if plan is not None:
                yield (
                    f"Watch the {name} plan",
                    plan.title or f"The level's {name} plan, period by period",
                    lambda name=name: self._watch(name),
                )

    def _watch(self, name: str) -> None:
        from finops_tui.content.errors import ContentError
        from finops_tui.ui.screens.watch import watch_plan

        session = self.session
        try:
            watching = watch_plan(session.scenario, name, session.seed)
        except ContentError as exc:
            self.notify("\n".join(exc.problems), title="Cannot watch", severity="error")
            return
        self.game.start_watch(session.scenario, *watching)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return not self.playing
        if action == "back" and parameters == () and self.playing:
            return True
        return True

    @leaves
    def action_start(self) -> None:
        self.game.begin_turns(self.session)

    @leaves
    def action_back(self) -> None:
        if self.playing:
            self.dismiss(None)
        else:
            self.game.show_title()

    def codex_topic(self) -> str | None:
        return "training-compute" if self.session.level.training else "unit-economics"
