"""The run sheet: phases, timers, what comes next and the control change that starts it."""

from __future__ import annotations

import pytest

from finops_tui.content.classroom import ClassDir, ClassSettings, Control, Poll
from finops_tui.content.errors import ContentError
from finops_tui.gameplay.course import load_course, resolve_course_path
from finops_tui.gameplay.runsheet import (
    RunSheet,
    activity_left,
    advance,
    checkin_due,
    class_course,
    clock,
    control_for,
    course_path,
    current_step,
    finished,
    install_course,
    live_activity,
    next_step,
    phase_left,
    read_runsheet,
    record_checkin,
    runsheet_path,
    with_extra,
    write_runsheet,
)

T0 = 1_000_000.0


@pytest.fixture(scope="module")
def course():
    return load_course(resolve_course_path(None))


def test_the_course_runs_step_by_step_with_its_clocks(course):
    sheet = RunSheet(course_id="finops-3h")
    assert current_step(course, sheet) is None
    assert next_step(course, sheet)[2].kind == "poll"
    sheet = advance(course, sheet, 1, T0)
    assert current_step(course, sheet)[2].kind == "poll"
    assert phase_left(course, sheet, T0 + 60) == 29 * 60
    assert activity_left(course, sheet, T0 + 60) == 4 * 60
    sheet = advance(course, sheet, 2, T0 + 300)  # the watch: same phase, phase clock goes on
    assert sheet.phase_started == T0
    assert sheet.log[0].ended == T0 + 300 and sheet.log[1].started == T0 + 300
    assert sheet.log[1].level == "runaway-fine-tune"
    sheet = advance(course, sheet, 3, T0 + 900)
    sheet = advance(course, sheet, 4, T0 + 1800)  # Explore: a new phase, a new phase clock
    assert sheet.phase_started == T0 + 1800
    assert phase_left(course, sheet, T0 + 1800) == 45 * 60
    assert activity_left(course, sheet, T0 + 1800 + 11 * 60) == -60  # over time: negative


def test_the_last_step_ends_the_course_and_advancing_past_it_changes_nothing(course):
    sheet = RunSheet(course_id="finops-3h")
    for n in range(len(course.steps())):
        sheet = advance(course, sheet, n + 1, T0 + n)
    assert finished(course, sheet) and next_step(course, sheet) is None
    assert advance(course, sheet, 99, T0 + 99) == sheet


def test_checkins_fall_due_every_n_minutes_of_a_running_course(course):
    every = course.course.checkin_minutes * 60
    sheet = RunSheet(course_id="finops-3h")
    assert not checkin_due(course, sheet, T0 + 10 * every)  # not started
    sheet = advance(course, sheet, 1, T0)
    assert not checkin_due(course, sheet, T0 + every - 1)
    assert checkin_due(course, sheet, T0 + every)
    sheet = record_checkin(sheet, 7, "How is it going?", T0 + every)
    assert not checkin_due(course, sheet, T0 + 2 * every - 1)
    assert checkin_due(course, sheet, T0 + 2 * every)


def test_a_poll_activity_opens_its_poll_and_the_next_activity_closes_it(course):
    sheet = advance(course, RunSheet(course_id="finops-3h"), 5, T0)
    live = live_activity(course, sheet, 5, T0)
    changes = control_for(Control(), live, current_step(course, sheet)[2], None)
    assert changes["poll"].id == 5 and changes["poll"].kind == "choice"
    assert changes["activity"].ends is None  # a poll has no clock on the teams' screens
    control = Control(**changes)
    sheet = advance(course, sheet, 6, T0 + 300)
    live = live_activity(course, sheet, 6, T0 + 300)
    changes = control_for(control, live, current_step(course, sheet)[2], None)
    assert changes["poll"] is None and changes["activity"].kind == "watch"
    # A poll the facilitator opened by hand is not the activity's: it stays.
    manual = control.model_copy(update={"poll": Poll(id=4, question="?", kind="scale")})
    assert "poll" not in control_for(manual, live, current_step(course, sheet)[2], None)


def test_a_level_activity_opens_every_turn_of_that_level(course):
    sheet = RunSheet(course_id="finops-3h")
    for n in range(4):
        sheet = advance(course, sheet, n + 1, T0 + n)
    step = current_step(course, sheet)
    assert step[2].kind == "level" and step[2].level == "tutorial"
    live = live_activity(course, sheet, 4, T0)
    old = Control(phase="playing", open_turn=6, closed_turn=6, deadline=5.0)
    changes = control_for(old, live, step[2], 3)
    assert changes["phase"] == "playing"
    assert (changes["open_turn"], changes["closed_turn"], changes["deadline"]) == (3, 0, None)
    assert live.ends == T0 + 10 * 60  # a timed activity


def test_extra_time_is_per_team_or_per_learner_and_capped(course):
    sheet = RunSheet(course_id="finops-3h")
    for n in range(4):
        sheet = advance(course, sheet, n + 1, T0)
    live = live_activity(course, sheet, 4, T0)
    live = with_extra(with_extra(live, "blue", 120), "blue+finance", 60)
    assert live.ends_for("green") == live.ends
    assert live.ends_for("blue") == live.ends + 120
    assert live.ends_for("blue", "finance") == live.ends + 180
    assert with_extra(live, "red", 10**9).extra_seconds["red"] == 3600


def test_clock_text():
    assert clock(None) == "-"
    assert clock(125) == "2:05"
    assert clock(0.2) == "0:01"
    assert clock(-90) == "-1:30"


def test_the_run_sheet_survives_a_restart_and_a_damaged_file_starts_afresh(tmp_path, course):
    class_dir = ClassDir(tmp_path)
    sheet = advance(course, RunSheet(course_id="finops-3h"), 1, T0)
    write_runsheet(class_dir, sheet)
    assert read_runsheet(class_dir, course) == sheet
    runsheet_path(class_dir).write_text("{half a fi", encoding="utf-8")
    assert read_runsheet(class_dir, course) == RunSheet(course_id="finops-3h")
    other = sheet.model_copy(update={"course_id": "another"})
    write_runsheet(class_dir, other)
    assert read_runsheet(class_dir, course).step == -1


def test_the_host_installs_the_course_in_the_class_folder(tmp_path):
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=1))
    assert class_course(class_dir).course.id == "finops-3h"  # no copy yet: the default
    install_course(class_dir, None)
    assert course_path(class_dir).read_text(encoding="utf-8").startswith("# The 3-hour lesson")
    bad = tmp_path / "bad.toml"
    bad.write_text('[course]\nid = "x"\ntitle = "x"\n', encoding="utf-8")
    with pytest.raises(ContentError, match=r"bad.toml: phase: required key is missing"):
        install_course(class_dir, str(bad))
    assert class_course(class_dir).course.id == "finops-3h"  # the class's copy is untouched


@pytest.mark.parametrize("command", ["host", "web", "facilitate"])
def test_a_bad_course_stops_the_host_the_web_server_and_the_console(tmp_path, capsys, command):
    from finops_tui.cli.main import run

    class_dir = tmp_path / "class"
    ClassDir(class_dir).create(ClassSettings(level="tutorial", seed=0))
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[course]\nid = "x"\ntitle = "x"\n[[phase]]\nname = "A"\nminutes = -1\n'
        '[[phase.activity]]\nkind = "discussion"\nprompt = "?"\nminutes = 1\n',
        encoding="utf-8",
    )
    port = [] if command == "facilitate" else ["--port", "0"]
    assert run([command, "--class-dir", str(class_dir), "--course", str(bad), *port]) == 1
    missing = str(tmp_path / ".." / "no-such" / "course.toml")
    assert run([command, "--class-dir", str(class_dir), "--course", missing, *port]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: phase[0].minutes: must be greater than 0, got -1" in err
    assert f"{missing}: file not found" in err
    assert "Traceback" not in err
    assert not course_path(ClassDir(class_dir)).exists()  # nothing installed
