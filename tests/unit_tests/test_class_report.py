"""The class report: per phase what each team did, the quiz by concept, the justifications,
the strategies; Markdown and HTML with their charts, and typed text never as markup."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from finops_tui.cli.main import run
from finops_tui.content.classroom import ClassDir, ClassSettings
from finops_tui.content.errors import ContentError
from finops_tui.content.levels import load_scenario
from finops_tui.content.quiz import question_key
from finops_tui.content.saves import Learning, SaveStore
from finops_tui.content.saves.format import QuizRecord
from finops_tui.content.seating import TeamSeats, TurnCredit
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.class_report import (
    bar_chart,
    md_text,
    missed_concepts,
    quiz_by_concept,
    quiz_by_team,
    read_class,
    write_class_report,
)
from finops_tui.gameplay.course import load_course, resolve_course_path
from finops_tui.gameplay.runsheet import RunSheet, advance, record_checkin, write_runsheet

HOSTILE = '<script>alert("x")</script> [/b] **bold** [link](javascript:alert(1)) | pipe & co'
T0 = 1_700_000_000.0


@pytest.fixture(scope="module")
def course():
    return load_course(resolve_course_path(None))


def a_class(tmp_path, course, steps: int = 14) -> tuple[ClassDir, RunSheet]:
    """Two teams: blue played spot-or-reserved through, took the quiz and justified it;
    green played the tutorial only. The course ran `steps` activities."""
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=3))
    spot = load_scenario("spot-or-reserved")
    par = plan_decisions(spot, spot.level.plans["par"])
    blue = play(spot, 3, par)
    quiz = spot.level.quiz
    answers = [
        QuizRecord(
            question=i,
            key=question_key(q),
            choice=q.answer if i % 2 else (q.answer + 1) % len(q.choices),
            correct=bool(i % 2),
        )
        for i, q in enumerate(quiz)
    ]
    SaveStore(class_dir.team_dir("blue")).autosave(
        spot, blue, "blue", Learning(quiz=answers, justification=f"We chose spot.\n{HOSTILE}")
    )
    tutorial = load_scenario("tutorial")
    green = play(tutorial, 3, plan_decisions(tutorial, tutorial.level.plans["naive"])[:1])
    SaveStore(class_dir.team_dir("green")).autosave(tutorial, green, "green")
    sheet = RunSheet(course_id="finops-3h")
    for n in range(steps):
        sheet = advance(course, sheet, n + 1, T0 + 60 * n)
    sheet = record_checkin(sheet, 40, "How is it going?", T0 + 1200)
    class_dir.write_poll_answer(1, "blue", HOSTILE)
    class_dir.write_poll_answer(1, "green", "Nice to have")
    class_dir.write_poll_answer(40, "blue", "4")
    class_dir.write_poll_answer(40, "green", "2")
    write_runsheet(class_dir, sheet)
    return class_dir, sheet


def test_quiz_results_by_concept_name_what_the_class_missed(tmp_path, course):
    class_dir, sheet = a_class(tmp_path, course)
    record = read_class(class_dir, course, sheet)
    rows = {concept: (right, asked) for concept, right, asked in quiz_by_concept(record)}
    # blue answered every question; the even ones (index 0, 2, 4...) wrong. Each answer
    # counts for every course concept its question checks.
    expected: dict[str, list[int]] = {}
    for i, q in enumerate(load_scenario("spot-or-reserved").level.quiz):
        for concept in q.course:
            tally = expected.setdefault(concept, [0, 0])
            tally[0] += i % 2
            tally[1] += 1
    assert rows == {c: (r, n) for c, (r, n) in expected.items()}
    assert len(rows) >= 3
    under_half = {c for c, (r, n) in expected.items() if r / n < 0.5}
    assert set(missed_concepts(record)) == under_half and under_half


def test_the_quiz_shows_per_team_and_concept_what_was_right(tmp_path, course):
    class_dir, sheet = a_class(tmp_path, course)
    record = read_class(class_dir, course, sheet)
    expected: dict[str, list[int]] = {}
    for i, q in enumerate(load_scenario("spot-or-reserved").level.quiz):
        for concept in q.course:
            tally = expected.setdefault(concept, [0, 0])
            tally[0] += i % 2
            tally[1] += 1
    by_team = quiz_by_team(record)
    assert by_team == {"blue": {c: (r, n) for c, (r, n) in expected.items()}}  # green: none
    md_path, html_path = write_class_report(class_dir, course, sheet)
    md = md_path.read_text(encoding="utf-8")
    grid = md.split("Per team (right of asked):", 1)[1].split("## ", 1)[0]
    blue = next(line for line in grid.splitlines() if line.startswith("| blue | "))
    for r, n in (tuple(v) for v in expected.values()):
        assert f"{r}/{n}" in blue
    assert "Per team (right of asked)" in html_path.read_text(encoding="utf-8")


def test_the_report_says_per_phase_what_each_team_did(tmp_path, course):
    class_dir, sheet = a_class(tmp_path, course)
    md_path, html_path = write_class_report(class_dir, course, sheet)
    md = md_path.read_text(encoding="utf-8")
    for phase in ("Engage", "Explore", "Explain", "Elaborate", "Evaluate"):
        assert f"### {phase}" in md
    blue_rows = [line for line in md.splitlines() if line.startswith("| blue |")]
    green_rows = [line for line in md.splitlines() if line.startswith("| green |")]
    assert "finished, score" in blue_rows[1]  # Explore: spot-or-reserved played through
    assert "not started" in blue_rows[1]  # ... and the tutorial never opened
    assert "turn 1/3" in green_rows[1]
    assert "Nice to have" in green_rows[0]  # the opening poll's answer
    assert "none submitted" in blue_rows[3]  # the studio: no strategies folder
    assert "written (" in blue_rows[4] and "not written" in green_rows[4]
    assert "Strategies and the tournament\n\nNone submitted." in md
    assert "Which aspects of the lesson resonated" in md  # the facilitator's reflection
    charts = sorted(p.name for p in (md_path.parent / "charts").iterdir())
    assert "quiz-by-concept.svg" in charts and "check-ins.svg" in charts
    assert "poll-1.svg" in charts and "scores-spot-or-reserved.svg" in charts
    for chart in charts:
        ET.parse(md_path.parent / "charts" / chart)  # well-formed SVG
        assert f"(charts/{chart})" in md
    assert html_path.read_text(encoding="utf-8").count("<svg") == len(charts)


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_typed_text_is_text_in_html_and_in_markdown(tmp_path, course):
    class_dir, sheet = a_class(tmp_path, course)
    md_path, html_path = write_class_report(class_dir, course, sheet)
    page = html_path.read_text(encoding="utf-8")
    parser = Collect()
    parser.feed(page)
    assert "script" not in parser.tags and "a" not in parser.tags
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert any(HOSTILE in t for t in "".join(parser.text).split("\n"))  # shown as typed
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    md = md_path.read_text(encoding="utf-8")
    assert "<script>" not in md and "[link](javascript" not in md  # `]` escaped: no link
    assert "&lt;script&gt;" in md and r"\*\*bold\*\*" in md and r"\|" in md
    for svg in (md_path.parent / "charts").iterdir():
        assert "<script" not in svg.read_text(encoding="utf-8")


def test_md_text_keeps_one_line_and_no_markup():
    assert md_text("# Title\n- item") == r"\# Title - item"
    assert md_text("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert md_text("[a](b) `c` a|b ~~s~~") == r"\[a\](b) \`c\` a\|b \~\~s\~\~"


def test_a_bar_chart_escapes_its_labels_and_draws_no_data():
    svg = bar_chart('<b>"t"</b>', [("<script>", 3.0), ("ok", 1.0)], 0)
    ET.fromstring(svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "no data" in bar_chart("empty", [], 0)


def test_strategies_and_their_tournament_are_read_when_the_studio_wrote_them(tmp_path, course):
    class_dir, sheet = a_class(tmp_path, course)
    folder = class_dir.root / "strategies"
    folder.mkdir()
    (folder / "blue.toml").write_text("[[turn]]\n", encoding="utf-8")
    (folder / "Not A Team.toml").write_text("", encoding="utf-8")  # never a team
    (folder / "evil.toml").symlink_to("/etc/passwd")  # never followed
    rows = [{"team": "blue", "mean_score": 71.25, "rank": 1, "note": HOSTILE}]
    (folder / "tournament.json").write_text(json.dumps({"results": rows}), encoding="utf-8")
    md_path, html_path = write_class_report(class_dir, course, sheet)
    md = md_path.read_text(encoding="utf-8")
    assert "Submitted by: blue\n" in md and "evil" not in md and "Not A Team" not in md
    assert "| blue | 71.25 | 1 |" in md
    assert "strategy submitted" in md
    assert "&lt;script&gt;" in html_path.read_text(encoding="utf-8")
    (folder / "tournament.json").write_text("[not json", encoding="utf-8")
    md = write_class_report(class_dir, course, sheet)[0].read_text(encoding="utf-8")
    assert "tournament.json: not a tournament result" in md
    assert "No tournament result yet." in md


def test_a_course_not_started_and_a_class_without_teams(tmp_path, course):
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=3))
    md_path, _ = write_class_report(class_dir, course, RunSheet(course_id="finops-3h"))
    md = md_path.read_text(encoding="utf-8")
    assert "The course was not started." in md and "No quiz answers yet." in md
    assert "None written." in md


def test_class_report_command(tmp_path, course, capsys):
    class_dir, _ = a_class(tmp_path, course, steps=3)
    assert run(["class-report", str(class_dir.root)]) == 0
    assert (class_dir.root / "report" / "report.html").is_file()
    out_dir = tmp_path / "elsewhere"
    assert run(["class-report", str(class_dir.root), "--out", str(out_dir)]) == 0
    assert (out_dir / "report.md").is_file()
    assert run(["class-report", str(tmp_path / "missing")]) == 1
    assert run(["class-report", str(tmp_path / ".." / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "missing: not a class folder (start one with finops-tui host)" in err
    assert "Traceback" not in err
    with pytest.raises(ContentError, match="not a class folder"):
        read_class(ClassDir(tmp_path / "missing"), course, RunSheet(course_id="x"))
    assert not (tmp_path / "missing").exists()  # nothing created for a missing class


def test_the_report_credits_the_seats_per_team_and_level(tmp_path, course):
    class_dir, sheet = a_class(tmp_path, course)
    seats = TeamSeats(class_dir, "blue", "spot-or-reserved")
    seats.record_turn(
        TurnCredit(
            turn=1,
            decisions={},
            signed=["data-science", "finance", "it"],
            changed_by={
                "training.pricing": "it",
                "budget.alert_pct": "finance",
                "training.model": "data-science",
                "training.gpus": "it",
            },
        )
    )
    seats.record_turn(TurnCredit(turn=2, decisions={}, closed_by="facilitator"))
    (class_dir.root / "seats" / "blue" / "Not A Level").mkdir()  # never a level
    (class_dir.root / "seats" / "blue" / "evil").symlink_to(tmp_path)  # never followed
    broken = TeamSeats(class_dir, "green", "tutorial")
    broken.folder.mkdir(parents=True)
    broken.log_path.write_text("{not json", encoding="utf-8")  # read as no turns: no row
    record = read_class(class_dir, course, sheet)
    credit = record.seats["blue"]["spot-or-reserved"]
    assert credit.signed == "1: data-science+finance+it; 2: facilitator"
    assert credit.changes == "data-science 1; finance 1; it 2"
    assert credit.what == (
        "1: data-science training.model, finance budget.alert_pct, "
        "it training.gpus training.pricing"
    )
    assert record.seats["green"] == {} and list(record.seats["blue"]) == ["spot-or-reserved"]
    md_path, html_path = write_class_report(class_dir, course, sheet)
    md = md_path.read_text(encoding="utf-8")
    assert "## Who decided: the team's seats" in md
    row = next(line for line in md.splitlines() if line.startswith("| blue | spot-or-reserved |"))
    assert "1: data-science+finance+it; 2: facilitator" in row
    assert r"it training.gpus training.pricing" in row.replace("\\_", "_")
    assert "evil" not in md and "Not A Level" not in md and "| green | tutorial" not in md
    page = html_path.read_text(encoding="utf-8")
    assert "<td>blue</td><td>spot-or-reserved</td><td>1: data-science+finance+it;" in page


def test_a_class_without_seats_says_so(tmp_path, course):
    class_dir, sheet = a_class(tmp_path, course)
    md_path, html_path = write_class_report(class_dir, course, sheet)
    assert "No team played in seats." in md_path.read_text(encoding="utf-8")
    assert "<p>No team played in seats.</p>" in html_path.read_text(encoding="utf-8")


def test_what_each_seat_wrote_is_in_the_report_once(tmp_path, course):
    class_dir, sheet = a_class(tmp_path, course)
    before = read_class(class_dir, course, sheet).games["blue"]["spot-or-reserved"]
    store = SaveStore(class_dir.team_dir("blue"))
    (entry,) = [e for e in store.list() if e.level == "spot-or-reserved"]
    _, _, save = store.load(entry.path)
    seats = TeamSeats(class_dir, "blue", "spot-or-reserved")
    seats.write_learning("it", save.learning)  # the writer's: already in the team's save
    question = load_scenario("spot-or-reserved").level.quiz[0]
    finance = Learning(
        justification=f"Finance wrote this. {HOSTILE}",
        quiz=[
            QuizRecord(question=0, key=question_key(question), choice=question.answer, correct=True)
        ],
    )
    seats.write_learning("finance", finance)
    (seats.folder / "data-science.learning.json").write_text("{cut", encoding="utf-8")
    game = read_class(class_dir, course, sheet).games["blue"]["spot-or-reserved"]
    assert game.justifications() == [*before.justifications(), ("Finance", finance.justification)]
    assert len(game.quiz) == len(before.quiz) + len(question.course)  # finance's answer too
    md_path, html_path = write_class_report(class_dir, course, sheet)
    assert md_path.read_text(encoding="utf-8").count("Finance seat") == 1
    assert "<script>" not in html_path.read_text(encoding="utf-8")
