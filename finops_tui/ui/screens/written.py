"""After the debrief, in the player's words: a justification for executives, reflections.

What is typed is kept with the game (its autosave is rewritten a moment after typing
stops, and on leaving), within the save's limits. Nothing here is scored: the
justification's rubric is shown before writing, and once text is saved it becomes a
checklist of what the text has and what it misses (gameplay.rubric), never a grade.
"""

from __future__ import annotations

import contextlib
import unicodedata
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import Button, Static, TextArea

from finops_tui.content.saves import MAX_JUSTIFICATION, MAX_REFLECTION
from finops_tui.engine.level import Level
from finops_tui.gameplay.format import stars, usd
from finops_tui.gameplay.rubric import RUBRIC, Feedback
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.screens.base import GameScreen, LateKeySafe
from finops_tui.ui.widgets.footer import GameFooter

SAVE_DELAY = 1.0  # seconds of quiet typing before the text is saved

# The rubric below the prompt says what a good case has; the prompt only says what it is.
JUSTIFICATION_PROMPT = (
    "Justify your strategy to your CFO and CIO in a few sentences: what you chose and why, "
    "what it cost against the budget and what it delivered."
)
REFLECTION_PROMPTS = (
    "What would you do differently if you played this level again?",
    "Which FinOps practice mattered most here, and why?",
    "What surprised you about where the money went?",
)


def reflection_prompts(level: Level) -> tuple[str, ...]:
    """The level's own reflection prompts if it has any, else the course's three."""
    own = getattr(level, "reflection", None)
    return tuple(own) if own else REFLECTION_PROMPTS


def clean_text(text: str) -> str:
    """Typed or pasted text as a save keeps it: newlines as \\n, no control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs")
    ).strip()


def game_facts(session: GameSession) -> str:
    """The numbers a justification can quote, from the game as played."""
    state = session.state
    budget = sum(r.budget_usd for r in state.history)
    value = sum(r.value_usd for r in state.history)
    roi = state.game_kpis.get("roi")
    facts = [
        f"score {state.score:.1f} {stars(state.stars)}",
        f"spent {usd(state.spend_usd)} of a {usd(budget)} budget",
        f"value {usd(value)}",
    ]
    if roi is not None:
        facts.append(f"ROI {roi:.2f}")
    return "Your numbers: " + " · ".join(facts)


def rubric_text(feedback: Feedback | None) -> Text:
    """The rubric before writing (None), or the checklist of a written text: one line each."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if feedback is None:
        text.append("Rubric, a checklist and not a grade:", style="bold")
        for item in RUBRIC:
            text.append(f"\n□ {item.title}: {item.hint}")
        return text
    text.append("Your text against the rubric (a checklist, not a grade):", style="bold")
    for check in feedback.checks:
        mark, style = ("✓", "green") if check.present else ("✗", "yellow")
        text.append("\n")
        text.append(mark, style=style)
        text.append(f" {check.item.title}: {check.note}")
    return text


class WrittenScreen(LateKeySafe, GameScreen):
    """What both writing screens share: saving shortly after typing, and on leaving."""

    def __init__(self, session: GameSession) -> None:
        super().__init__()
        self.session = session
        self._timer: Timer | None = None
        self.problem: str | None = None
        self.pending: dict[str, str] | None = None  # typed, not saved yet

    def prepare(self) -> None:
        """What both screens do on mount: can it be saved at all, and a steady cursor."""
        self.problem = self.game.save_problem(self.session)
        if self.app.animation_level == "none":
            for area in self.query(TextArea):
                area.cursor_blink = False  # steady screenshots, calmer over slow links
        self.show_count(saved=True)

    def texts(self) -> dict[str, str]:  # pragma: no cover - each screen says what it keeps
        raise NotImplementedError

    def limit(self) -> int:  # pragma: no cover
        raise NotImplementedError

    def keep(self, texts: dict[str, str]) -> None:  # pragma: no cover
        raise NotImplementedError

    @on(TextArea.Changed)
    def _typed(self, event: TextArea.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SAVE_DELAY, self.save)
        self.pending = self.texts()
        self.show_count(saved=False)

    def too_long(self, texts: dict[str, str] | None = None) -> list[str]:
        texts = self.texts() if texts is None else texts
        return [key for key, text in texts.items() if len(text) > self.limit()]

    def save(self) -> bool:
        """Keep the text in the game and rewrite its autosave; False if it is too long."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.too_long():
            self.show_count(saved=False)
            return False
        self.keep(self.texts())
        self.pending = None
        self.problem = self.game.save_learning(self.session)
        self.show_count(saved=True)
        return True

    def show_count(self, saved: bool) -> None:
        texts = self.texts()
        used = max((len(t) for t in texts.values()), default=0)
        line = self.query_one("#written-count", Static)
        if self.too_long():
            line.update(
                f"Too long to save: {used:,} of {self.limit():,} characters. Shorten it a little."
            )
            line.add_class("-problem")
            return
        line.remove_class("-problem")
        if self.problem:
            status = f"not saved: {self.problem}"
        else:
            status = "saved with your game" if saved else "saving…"
        line.update(f"{used:,} / {self.limit():,} characters · {status}")

    def action_back(self) -> None:
        if not self.save():
            self.notify(
                "Shorten the text to save it, or delete it.", title="Too long", severity="warning"
            )
            return
        self.dismiss(None)

    @on(Button.Pressed, "#written-back")
    def _back_pressed(self) -> None:
        self.action_back()

    def on_unmount(self) -> None:
        # Quitting with the screen open still keeps what was typed (if it fits). The text
        # boxes may be gone already: what they held was noted as it was typed.
        if self._timer is not None:
            self._timer.stop()
        if self.pending is not None and not self.too_long(self.pending):
            self.keep(self.pending)
            self.game.save_learning(self.session)

    def codex_topic(self) -> str | None:
        return "finops-principles"


class JustificationScreen(WrittenScreen):
    """A short written case for the strategy, as an executive would want to read it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Save and back",
            id="justify.back",
            tooltip="Keep the text with the game and go back",
        ),
        Binding(
            "f2",
            "reflect",
            "Reflect",
            id="justify.reflect",
            tooltip="Next: three short reflection prompts",
        ),
    ]

    def compose(self) -> ComposeResult:
        level = self.session.level
        yield Static(
            f" Justification · {level.title} · for an executive audience",
            classes="status-bar",
            markup=False,
        )
        with Vertical(id="written-box"):
            yield Static(JUSTIFICATION_PROMPT, id="written-prompt", markup=False)
            yield Static(game_facts(self.session), id="written-facts", markup=False)
            yield Static(id="written-rubric", markup=False)
            yield TextArea(
                self.session.learning.justification,
                id="justification",
                placeholder="Write here. Tab leaves the text box.",
            )
            yield Static(id="written-count", classes="hint", markup=False)
            with Horizontal(classes="written-buttons"):
                yield Button("Save and back (esc)", id="written-back", compact=True)
                yield Button("Next: reflection (f2)", id="written-next", compact=True)
        yield GameFooter()

    def on_mount(self) -> None:
        self.prepare()
        self.show_rubric()
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def show_rubric(self) -> None:
        """The rubric until something is written; then the checklist of what was saved."""
        written = self.session.learning.justification
        feedback = self.session.justification_feedback() if written.strip() else None
        # Leaving: the text is kept, and there is nothing left to show the checklist on.
        with contextlib.suppress(NoMatches):
            self.query_one("#written-rubric", Static).update(rubric_text(feedback))

    def texts(self) -> dict[str, str]:
        return {"justification": clean_text(self.query_one(TextArea).text)}

    def limit(self) -> int:
        return MAX_JUSTIFICATION

    def keep(self, texts: dict[str, str]) -> None:
        self.session.write(justification=texts["justification"])
        self.show_rubric()

    @on(Button.Pressed, "#written-next")
    def _next_pressed(self) -> None:
        self.action_reflect()

    def action_reflect(self) -> None:
        if self.save():
            self.app.switch_screen(ReflectionScreen(self.session))


class ReflectionScreen(WrittenScreen):
    """Three short prompts to look back on the game."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Save and back",
            id="reflect.back",
            tooltip="Keep the answers with the game and go back",
        ),
    ]

    def __init__(self, session: GameSession) -> None:
        super().__init__(session)
        self.prompts = reflection_prompts(session.level)

    def compose(self) -> ComposeResult:
        level = self.session.level
        saved = self.session.learning.reflections
        yield Static(
            f" Reflection · {level.title} · a few lines each, for yourself",
            classes="status-bar",
            markup=False,
        )
        with VerticalScroll(id="written-box"):
            for n, prompt in enumerate(self.prompts):
                yield Static(f"{n + 1}. {prompt}", classes="reflection-prompt", markup=False)
                yield TextArea(saved.get(prompt, ""), id=f"reflection-{n}", classes="reflection")
            yield Static(id="written-count", classes="hint", markup=False)
            with Horizontal(classes="written-buttons"):
                yield Button("Save and back (esc)", id="written-back", compact=True)
        yield GameFooter()

    def on_mount(self) -> None:
        self.prepare()
        self.query_one("#reflection-0", TextArea).focus()

    def texts(self) -> dict[str, str]:
        return {
            prompt: clean_text(self.query_one(f"#reflection-{n}", TextArea).text)
            for n, prompt in enumerate(self.prompts)
        }

    def limit(self) -> int:
        return MAX_REFLECTION

    def keep(self, texts: dict[str, str]) -> None:
        self.session.write(reflections=texts)
