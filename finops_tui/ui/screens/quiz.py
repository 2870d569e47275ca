"""The end-of-level quiz: one question at a time, the next one adapted to the answers so far.

After each answer the explanation shows, with a link to the concept in the codex. Every
answer is saved with the game at once; leaving and coming back resumes the quiz. The
choices are shown in this learner's order (see content.quiz): the number pressed is a
place on screen, the answer kept is the choice itself. No clock runs unless a
facilitator set a time per question (QuizTiming).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from finops_tui.content.quiz import (
    COURSE_CONCEPTS,
    QuizAnswer,
    QuizTiming,
    concept_results,
    quiz_length,
    quiz_score,
)
from finops_tui.engine.level import QuizQuestion
from finops_tui.gameplay.codex import entry
from finops_tui.gameplay.roles import ROLES
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.screens.seen import SeenBeforeLeaving, leaves
from finops_tui.ui.widgets.footer import GameFooter

DIFFICULTY = {1: "Basic", 2: "Intermediate", 3: "Advanced"}
MAX_CHOICES = 6
CLOCK_STEP = 0.25  # seconds between two looks at a facilitator's clock


def codex_link(concept: str) -> str:
    """A Markdown link to a concept's codex entry (the app opens `codex:` links)."""
    item = entry(concept)
    return f'[Read "{item.title}" in the codex](codex:{item.id}) (or press c)'


def feedback_markdown(question: QuizQuestion, given: QuizAnswer, order: list[int]) -> str:
    """What the answer was, by the numbers on screen (`order`: choices as shown)."""
    right = question.choices[question.answer]
    shown = order.index(question.answer) + 1
    if given.correct:
        head = f"**✓ Right:** {right}"
    elif given.timed_out or given.choice is None:  # no choice: the time ran out
        head = f"**⏱ Time's up.** The answer is **{shown}. {right}**"
    else:
        head = (
            f"**✗ Not quite.** You chose {order.index(given.choice) + 1}; the answer is "
            f"**{shown}. {right}**"
        )
    return f"{head}\n\n{question.explanation.strip()}\n\n{codex_link(question.concept)}\n"


def concepts_markdown(session: GameSession) -> str:
    """Per course concept: how many of its questions were right."""
    results = concept_results(session.level.quiz, session.quiz_answers())
    if not results:
        return ""
    cells = [f"{COURSE_CONCEPTS[c]} {right}/{asked}" for c, (right, asked) in results.items()]
    return "**By concept:** " + " · ".join(cells) + "\n"


def summary_markdown(session: GameSession) -> str:
    quiz, answers = session.level.quiz, session.quiz_answers()
    right = sum(a.correct for a in answers)
    lines = [
        f"## {right} of {len(answers)} right ({quiz_score(answers):.0%})",
        "",
        "Each question came after the one before: harder after a right answer, "
        "gentler (and on the same idea) after a wrong one.",
        "",
    ]
    for n, a in enumerate(answers, start=1):
        q = quiz[a.question]
        mark = "✓" if a.correct else ("⏱" if a.timed_out else "✗")
        item = entry(q.concept)
        lines.append(
            f"{n}. {mark} *{DIFFICULTY[q.level]}*: {q.question} "
            f"Answer: **{q.choices[q.answer]}**. [{item.title}](codex:{item.id})"
        )
    lines += ["", concepts_markdown(session)]
    if aside := session.quiz_set_aside():
        lines.append(
            f"*{aside} earlier answer{'s' if aside > 1 else ''} to questions this level has "
            "since changed were set aside.*"
        )
    return "\n".join(lines) + "\n"


class QuizScreen(LateKeySafe, SeenBeforeLeaving):
    """Answer by number (or arrows and enter); enter goes on once the explanation is read."""

    LEAVING_KEYS = frozenset({"enter"})  # the choices' own enter answers the question

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "1",
            "answer(0)",
            "Answer",
            id="quiz.answer",
            key_display=f"1-{MAX_CHOICES}",  # help's range; the footer shows the question's
            tooltip="Pick a choice by its number (or up/down and enter)",
        ),
        *[Binding(str(n + 1), f"answer({n})", show=False) for n in range(1, MAX_CHOICES)],
        Binding("enter,space", "next", "Next", id="quiz.next", tooltip="The next question"),
        Binding(
            "w",
            "justify",
            "Justify",
            id="quiz.justify",
            tooltip="Write the justification of your strategy",
        ),
        Binding("t", "retake", "Retake", id="quiz.retake", tooltip="Take the quiz again"),
        Binding(
            "escape",
            "back",
            "Back",
            id="quiz.back",
            tooltip="Back to the debrief; answers are kept",
        ),
    ]

    def __init__(self, session: GameSession, timing: QuizTiming | None = None) -> None:
        super().__init__()
        self.session = session
        self._timing_given = timing
        self.timing = timing or QuizTiming()
        self.question: int | None = None
        self.order: list[int] = []  # the question's choices as shown: indices into its choices
        self.given: QuizAnswer | None = None
        self.seconds_left: float | None = None
        self._clock: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="quiz-status", classes="status-bar", markup=False)
        with VerticalScroll(id="quiz-body", classes="reading"):
            yield Static(id="quiz-question", markup=False)
            yield OptionList(id="quiz-choices", markup=False)
            yield Markdown(id="quiz-feedback", open_links=False)
            yield Static(id="quiz-next", classes="hint", markup=False)
        yield GameFooter()

    def on_mount(self) -> None:
        if self._timing_given is None:
            self.timing = self.game.quiz_timing()
        self.show_next()

    # -- what is on screen --------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.question is None

    def show_next(self) -> None:
        """The next question the answers so far call for, or the summary when none is left."""
        if not self.query(OptionList):
            # Torn down before its first draw: in a class, the facilitator moved on at once.
            return
        self.question = self.session.next_quiz_question()
        self.given = None
        self.mark_unseen()  # a new question (or the results): keys typed ahead wait for it
        choices = self.query_one(OptionList)
        feedback = self.query_one("#quiz-feedback", Markdown)
        if self.question is None:
            self._show_summary()
            return
        q = self.session.level.quiz[self.question]
        self.order = self.session.choice_order(self.question)
        text = Text()
        roles = ", ".join(ROLES[r].name for r in q.roles)
        heading = f"{DIFFICULTY[q.level]} · {entry(q.concept).title}"
        text.append(heading + (f" · for {roles}" if roles else "") + "\n", style="dim")
        text.append(q.question, style="bold")
        self.query_one("#quiz-question", Static).update(text)
        choices.display = True
        choices.set_options(
            Option(f"{n}. {q.choices[i]}", id=str(i)) for n, i in enumerate(self.order, 1)
        )
        choices.highlighted = 0
        feedback.display = False
        self._start_clock()
        self._show_hint()
        self._show_status()
        choices.focus()
        self.query_one("#quiz-body").scroll_home(animate=False)
        self.refresh_bindings()

    def _show_hint(self) -> None:
        hint = "Pick an answer: its number, or arrows and enter"
        if self.seconds_left is not None:
            hint += f" · {max(0, int(self.seconds_left + 0.999))} s left"
        self.query_one("#quiz-next", Static).update(hint)

    # -- the facilitator's clock (none by default) ----------------------------------------

    def _start_clock(self) -> None:
        self._stop_clock()
        limit = self.timing.limit
        if limit is None:
            self.seconds_left = None
            return
        self.seconds_left = limit
        self._clock = self.set_interval(CLOCK_STEP, self._tick)

    def _stop_clock(self) -> None:
        if self._clock is not None:
            self._clock.stop()
            self._clock = None

    def _tick(self) -> None:
        if self.seconds_left is None or self.question is None or self.given is not None:
            self._stop_clock()
            return
        self.seconds_left -= CLOCK_STEP
        if self.seconds_left <= 0:
            self._stop_clock()
            self._record(None)
        else:
            self._show_hint()

    def _show_summary(self) -> None:
        self._stop_clock()
        self.query_one(OptionList).display = False
        feedback = self.query_one("#quiz-feedback", Markdown)
        if not self.session.level.quiz:
            self.query_one("#quiz-question", Static).update("This level has no quiz.")
            feedback.display = False
        else:
            self.query_one("#quiz-question", Static).update(Text("Quiz done", style="bold"))
            feedback.display = True
            feedback.update(summary_markdown(self.session))
        self.query_one("#quiz-next", Static).update(
            "w: justify your strategy · t: take the quiz again · esc: back to the debrief"
        )
        self._show_status()
        self.query_one("#quiz-body").focus()
        self.refresh_bindings()

    def _show_status(self) -> None:
        level, answers = self.session.level, self.session.quiz_answers()
        right = sum(a.correct for a in answers)
        if self.done:
            where = f"done · {right} of {len(answers)} right"
        else:
            asked = len(answers) + (0 if self.given else 1)
            where = f"question {asked} of {quiz_length(level)} · {right} right so far"
        self.query_one("#quiz-status", Static).update(f" Quiz · {level.title} · {where}")

    # -- answering ----------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#quiz-choices")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_answer(event.option_index)

    @leaves
    def action_answer(self, place: int) -> None:
        """Answer with the choice at `place` on screen (0 is the first shown)."""
        if self.question is None or self.given is not None:
            return
        if not 0 <= place < len(self.order):
            self.notify(f"Choose 1 to {len(self.order)}.", timeout=2)
            return
        self._record(self.order[place])

    def _record(self, choice: int | None) -> None:
        """Keep the answer (a choice as the level lists it; None: time ran out) and explain."""
        if self.question is None or self.given is not None:
            return
        self._stop_clock()
        q = self.session.level.quiz[self.question]
        self.given = self.session.answer_quiz(self.question, choice)
        self.mark_unseen()  # the explanation: enter typed ahead must not skip it
        problem = self.game.save_learning(self.session)
        choices = self.query_one(OptionList)
        for n, i in enumerate(self.order):
            mark = "✓ " if i == q.answer else ("✗ " if i == choice else "  ")
            choices.replace_option_prompt_at_index(n, f"{mark}{n + 1}. {q.choices[i]}")
        feedback = self.query_one("#quiz-feedback", Markdown)
        feedback.display = True
        feedback.update(feedback_markdown(q, self.given, self.order))
        last = self.session.next_quiz_question() is None
        hint = "enter: see how you did" if last else "enter: next question"
        self.query_one("#quiz-next", Static).update(
            hint + (f" · not saved: {problem}" if problem else "")
        )
        self.query_one("#quiz-body").focus()
        self._show_status()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer":
            # Only the choices on screen: 5 and 6 do nothing on a question of four.
            on_screen = not parameters or int(str(parameters[0])) < len(self.order)
            return self.question is not None and self.given is None and on_screen
        if action == "next":
            return self.given is not None
        if action in ("retake", "justify"):
            return self.done and bool(self.session.level.quiz)
        return True

    def key_display_for(self, binding: Binding) -> str | None:
        """The answer keys as this question has them: "1-4" for four choices."""
        if binding.id == "quiz.answer" and self.question is not None:
            return f"1-{len(self.order)}"
        return None

    @leaves
    def action_next(self) -> None:
        if self.given is not None:
            self.show_next()

    @leaves
    def action_retake(self) -> None:
        self.session.restart_quiz()
        self.game.save_learning(self.session)
        self.show_next()

    @leaves
    def action_justify(self) -> None:
        from finops_tui.ui.screens.written import JustificationScreen

        self.app.switch_screen(JustificationScreen(self.session))

    def action_back(self) -> None:
        self.dismiss(None)

    def codex_topic(self) -> str | None:
        quiz = self.session.level.quiz
        if self.question is not None:
            return entry(quiz[self.question].concept).id
        wrong = [a for a in self.session.quiz_answers() if not a.correct]
        return entry(quiz[wrong[0].question].concept).id if wrong else "finops-phases"
