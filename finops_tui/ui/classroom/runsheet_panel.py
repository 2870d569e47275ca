"""The facilitator's run sheet: the phase, its timer, what runs now and what comes next.

`n` starts the next activity on every team's screen, `k` sends a check-in (and one goes
out every `checkin_minutes` by itself), `x` gives a team or one learner extra time, `R`
writes the class report. The clock is injected, so tests drive a whole course without
sleeping.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.widgets import Static

from finops_tui.content.classroom import ClassDir, Control, Poll
from finops_tui.content.errors import ContentError
from finops_tui.gameplay.course import Course
from finops_tui.gameplay.runsheet import (
    RunSheet,
    activity_left,
    advance,
    checkin_due,
    class_course,
    clock,
    control_for,
    current_step,
    describe,
    live_activity,
    next_step,
    phase_left,
    read_runsheet,
    record_checkin,
    with_extra,
    write_runsheet,
)

if TYPE_CHECKING:
    from finops_tui.ui.classroom.facilitator import FacilitatorApp

LEARNER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class RunSheetPanel(Static):
    DEFAULT_CSS = """
    RunSheetPanel { height: auto; padding: 0 1; background: $boost; }
    """

    def __init__(self) -> None:
        super().__init__("", id="runsheet", markup=False)


def runsheet_lines(course: Course, sheet: RunSheet, now: float) -> list[str]:
    """What the panel says, as plain lines (tests read them too)."""
    info = course.course
    step = current_step(course, sheet)
    following = next_step(course, sheet)
    lines = []
    if step is None:
        lines.append(f"{info.title} · {course.minutes:g} min · not started")
    else:
        phase_index, _, activity = step
        phase = course.phase[phase_index]
        left = phase_left(course, sheet, now)
        lines.append(
            f"{phase.name} (phase {phase_index + 1}/{len(course.phase)}) · "
            f"{_left(left)} of {phase.minutes:g} min"
        )
        lines.append(f"Now: {describe(activity)} · {_left(activity_left(course, sheet, now))}")
    if following is not None:
        phase_name = course.phase[following[0]].name
        lines.append(f"Next (n): {describe(following[2])} · {phase_name}")
    else:
        lines.append("Next: the course is over after this; R writes the class report")
    every = info.checkin_minutes
    if every > 0 and sheet.course_started is not None and following is not None:
        last = sheet.checkins[-1].at if sheet.checkins else sheet.course_started
        lines.append(f"Check-in in {clock(last + every * 60 - now)} (k: now)")
    return lines


def _left(seconds: float | None) -> str:
    if seconds is None:
        return "no clock"
    if seconds < 0:
        return f"time is up ({clock(-seconds)} over)"
    return f"{clock(seconds)} left"


class RunSheetConsole:
    """Mixed into the facilitator's app (which has class_dir, _update and notify)."""

    class_dir: ClassDir

    def _console(self) -> FacilitatorApp:
        return cast("FacilitatorApp", self)

    def follow_course(self, course: Course | None, now: Callable[[], float]) -> None:
        self.course = course if course is not None else class_course(self.class_dir)
        self.clock = now
        self.sheet = read_runsheet(self.class_dir, self.course)
        self._time_up_said = -1  # the step whose "time is up" was said

    # --- showing
    def show_runsheet(self) -> None:
        lines = runsheet_lines(self.course, self.sheet, self.clock())
        self._console().query_one(RunSheetPanel).update(Text("\n".join(lines)))

    def tick_runsheet(self) -> None:
        now = self.clock()
        self.show_runsheet()
        left = activity_left(self.course, self.sheet, now)
        if left is not None and left <= 0 and self._time_up_said != self.sheet.step:
            self._time_up_said = self.sheet.step
            following = next_step(self.course, self.sheet)
            then = f" n starts: {following[2].heading}." if following else ""
            self._console().notify(f"Time is up for {self._now_title()}.{then}", title="Run sheet")
        if checkin_due(self.course, self.sheet, now) and self.class_dir.control().poll is None:
            self.send_checkin()

    def _now_title(self) -> str:
        step = current_step(self.course, self.sheet)
        return step[2].heading if step else "nothing"

    # --- acting
    def _save_sheet(self, sheet: RunSheet) -> bool:
        try:
            write_runsheet(self.class_dir, sheet)
        except ContentError as exc:
            self._console().notify("; ".join(exc.problems), title="Not sent", severity="error")
            return False
        self.sheet = sheet
        return True

    def action_next_activity(self) -> None:
        following = next_step(self.course, self.sheet)
        if following is None:
            self._console().notify(
                "The course is over: R writes the class report.", severity="warning"
            )
            return
        activity = following[2]
        try:
            turns = _level_turns(activity)
        except ContentError as exc:
            self._console().notify("\n".join(exc.problems), title="Cannot start", severity="error")
            return
        control = self.class_dir.control()
        now = self.clock()
        activity_id = self.class_dir.next_id(control)
        before = self.sheet
        sheet = advance(self.course, before, activity_id, now)
        live = live_activity(self.course, sheet, activity_id, now)
        if live is None or not self._save_sheet(sheet):
            return
        if not self._console()._update(**control_for(control, live, activity, turns)):
            self._save_sheet(before)  # nothing started for the teams: the sheet says so too
            return
        self.show_runsheet()
        self._console().notify(
            f"Started on every team's screen: {activity.heading}", title=live.phase
        )

    def action_checkin(self) -> None:
        if self.sheet.course_started is None:
            self._console().notify("Start the course first (n).", severity="warning")
            return
        if self.class_dir.control().poll is not None:
            self._console().notify("A poll is open: end it first (P).", severity="warning")
            return
        self.send_checkin()

    def send_checkin(self) -> None:
        """A one-question pulse on a 1-5 scale, to every team."""
        control: Control = self.class_dir.control()
        poll_id = self.class_dir.next_id(control)
        question = self.course.course.checkin_question
        poll = Poll(id=poll_id, question=question, kind="scale")
        sheet = record_checkin(self.sheet, poll_id, question, self.clock())
        if self._save_sheet(sheet) and self._console()._update(poll=poll, last_id=poll_id):
            self._console().notify(f"Check-in sent: {question}", title="Check-in")

    def activity_extra(self, values: dict, seconds: float) -> dict:
        """The control change that gives the current timed activity more time (or none)."""
        live = self.class_dir.control().activity
        if live is None or live.ends is None:
            return {}
        learner = str(values.get("learner") or "").strip().lower()
        if learner and not LEARNER_NAME.fullmatch(learner):
            self._console().notify(
                "A learner is named like a seat: letters, digits, '-' or '_'.", severity="error"
            )
            return {}
        who = f"{values['team']}+{learner}" if learner else values["team"]
        self._console().notify(f"{seconds:g} s more for {who}: {live.title}")
        return {"activity": with_extra(live, who, seconds)}

    def action_class_report(self) -> None:
        from finops_tui.gameplay.class_report import write_class_report

        try:
            paths = write_class_report(self.class_dir, self.course, self.sheet)
        except ContentError as exc:
            self._console().notify("; ".join(exc.problems), title="No report", severity="error")
            return
        self._console().notify("Wrote " + " and ".join(str(p) for p in paths), title="Class report")


def _level_turns(activity) -> int | None:
    if activity.kind != "level":
        return None
    from finops_tui.content.levels import load_scenario

    return load_scenario(activity.level).level.turns
