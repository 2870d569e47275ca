"""The class report: what each team did in each phase, the quiz by concept, the
justifications, the strategies and their tournament, as Markdown and as HTML.

Charts are SVG drawn here (no network, no library); the HTML carries them inline, the
Markdown links them as files beside it. Everything a person typed (a justification, a
poll's choices, a course's titles) is escaped: in the HTML it is text, never markup or
script; in the Markdown it is text, never a link, a heading or raw HTML.
"""

from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from finops_tui.content.classroom import ClassDir, check_team_name
from finops_tui.content.errors import ContentError
from finops_tui.content.files import atomic_write_text
from finops_tui.content.quiz import COURSE_CONCEPTS, matched_answers
from finops_tui.content.saves import SaveEntry, SaveStore
from finops_tui.content.saves.format import Learning
from finops_tui.content.seating import TeamSeats, seat_changes, seat_credits, seated_levels
from finops_tui.gameplay.codex import entry
from finops_tui.gameplay.course import Course, PollActivity
from finops_tui.gameplay.runsheet import LogEntry, RunSheet
from finops_tui.gameplay.seats import seat_name

STRATEGIES_DIR = "strategies"  # where the studio writes each team's submitted strategy
TOURNAMENT_FILE = "tournament.json"
REPORT_DIR = "report"
MAX_READ_BYTES = 256 * 1024  # a strategy or tournament file bigger than this is not ours
MISSED_BELOW = 0.5  # a concept the class got right less often than this was missed
TOGETHER = frozenset({"watch", "discussion", "codex", "calculator", "reflection"})


# --- what the class did, read from the class folder


@dataclass
class TeamGame:
    level: str
    turn: int
    turns: int
    finished: bool
    score: float
    stars: int
    quiz: list[tuple[str, bool]]  # (concept, right) per answer
    justification: str
    # In a seated team, what each other member wrote (seat name -> text): the team's
    # save holds its writer's only.
    seat_justifications: dict[str, str] = field(default_factory=dict)

    def justifications(self) -> list[tuple[str, str]]:
        """(who, text) for every justification written for this game."""
        own = [("", self.justification)] if self.justification.strip() else []
        return own + [(who, text) for who, text in self.seat_justifications.items()]


@dataclass
class SeatCredit:
    """Whom a seated team's game of a level is owed to, as short text."""

    signed: str  # per turn, the seats that signed it (or who closed it)
    changes: str  # per seat, how many decisions it changed
    what: str  # per turn, which decisions each seat changed


@dataclass
class ClassRecord:
    title: str
    course: Course
    sheet: RunSheet
    teams: list[str]
    games: dict[str, dict[str, TeamGame]]  # team -> level -> its latest game
    polls: dict[int, dict[str, str]]  # poll id -> team -> answer
    strategies: list[str] | None  # teams that submitted one; None: no strategies folder
    tournament: list[dict] | None
    problems: list[str] = field(default_factory=list)
    seats: dict[str, dict[str, SeatCredit]] = field(default_factory=dict)  # team -> level


def read_class(class_dir: ClassDir, course: Course, sheet: RunSheet) -> ClassRecord:
    """Everything the report needs; a damaged file is named in `problems`, never fatal."""
    if not class_dir.root.is_dir() or class_dir.settings() is None:
        raise ContentError(
            [f"{class_dir.root}: not a class folder (start one with finops-tui host)"]
        )
    settings = class_dir.settings()
    problems: list[str] = []
    teams = sorted(set(class_dir.teams()) | {s.team for s in class_dir.statuses()})
    games = {team: _team_games(class_dir, team, problems) for team in teams}
    poll_ids = [e.activity_id for e in sheet.log if e.kind == "poll"]
    poll_ids += [c.poll_id for c in sheet.checkins]
    polls = {pid: class_dir.poll_answers(pid) for pid in poll_ids}
    strategies, tournament = _strategies(class_dir, problems)
    title = f"{course.course.title} · {settings.level if settings else '?'}"
    seats = {team: _seat_credits(class_dir, team) for team in teams}
    return ClassRecord(
        title, course, sheet, teams, games, polls, strategies, tournament, problems, seats
    )


def _seat_credits(class_dir: ClassDir, team: str) -> dict[str, SeatCredit]:
    """Per level the team played in seats, who signed and who changed what (none: {})."""
    out = {}
    for level in seated_levels(class_dir, team):
        credits = seat_credits(class_dir, team, level)
        what = seat_changes(class_dir, team, level)
        if credits["seats_signed"] or what:
            out[level] = SeatCredit(credits["seats_signed"], credits["seats_changed"], what)
    return out


def _team_games(class_dir: ClassDir, team: str, problems: list[str]) -> dict[str, TeamGame]:
    store = SaveStore(class_dir.team_dir(team))
    latest: dict[str, SaveEntry] = {}
    for e in store.list():
        best = latest.get(e.level)
        if e.problem is None and (best is None or _newer(e, best)):
            latest[e.level] = e
    games = {}
    for level_id, e in latest.items():
        try:
            scenario, state, save = store.load(e.path)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        quiz_bank = scenario.level.quiz
        # Answers are matched to questions by key: an old or reworded one is left out,
        # never read as the answer to another question.
        seats = _seat_learnings(class_dir, team, level_id, save.learning)
        quiz = [
            (concept, a.correct)
            for answers in [save.quiz, *(learning.quiz for learning in seats.values())]
            for a in matched_answers(quiz_bank, answers)
            for concept in quiz_bank[a.question].course
        ]
        games[level_id] = TeamGame(
            level=level_id,
            turn=len(state.history),
            turns=state.turns,
            finished=state.finished,
            score=state.score if state.history else 0.0,
            stars=state.stars if state.history else 0,
            quiz=quiz,
            justification=save.justification,
            seat_justifications={
                seat_name(slot): learning.justification
                for slot, learning in seats.items()
                if learning.justification.strip()
            },
        )
    return games


def _seat_learnings(
    class_dir: ClassDir, team: str, level_id: str, saved: Learning
) -> dict[str, Learning]:
    """What members of a seated team wrote in their seats, less what the team's save
    already holds (its writer's writing is in both)."""
    try:
        learnings = TeamSeats(class_dir, team, level_id).learnings()
    except ContentError:
        return {}
    return {slot: learning for slot, learning in learnings.items() if learning != saved}


def _newer(entry: SaveEntry, than: SaveEntry) -> bool:
    """The team's latest game of a level: furthest along, then its autosave, then newest."""
    return (entry.turn, entry.autosave, entry.modified) > (than.turn, than.autosave, than.modified)


def _strategies(class_dir: ClassDir, problems: list[str]) -> tuple[list[str] | None, list | None]:
    folder = class_dir.root / STRATEGIES_DIR
    if not folder.is_dir() or folder.is_symlink():
        return None, None
    teams = sorted(
        p.stem
        for p in folder.glob("*.toml")
        if p.is_file() and not p.is_symlink() and not check_team_name(p.stem)
    )
    tournament = None
    path = folder / TOURNAMENT_FILE
    if path.is_file() and not path.is_symlink():
        try:
            raw = path.read_bytes()[: MAX_READ_BYTES + 1]
            if len(raw) > MAX_READ_BYTES:
                raise ValueError("too large")
            data = json.loads(raw)
            rows = data.get("results", []) if isinstance(data, dict) else data
            tournament = [r for r in rows if isinstance(r, dict)][:100]
        except (OSError, ValueError, AttributeError):
            problems.append(f"{path}: not a tournament result this report can read")
    return teams, tournament


# --- the numbers


def quiz_by_concept(record: ClassRecord) -> list[tuple[str, int, int]]:
    """(concept, right, asked) over every team and level, the most missed first."""
    tally: dict[str, list[int]] = {}
    for levels in record.games.values():
        for game in levels.values():
            for concept, right in game.quiz:
                counts = tally.setdefault(concept, [0, 0])
                counts[0] += int(right)
                counts[1] += 1
    rows = [(c, r, n) for c, (r, n) in tally.items()]
    return sorted(rows, key=lambda row: (row[1] / row[2], row[0]))


def quiz_by_team(record: ClassRecord) -> dict[str, dict[str, tuple[int, int]]]:
    """Per team (each team's learners answer together) and concept: (right, asked)."""
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for team in record.teams:
        tally: dict[str, list[int]] = {}
        for game in record.games.get(team, {}).values():
            for concept, right in game.quiz:
                counts = tally.setdefault(concept, [0, 0])
                counts[0] += int(right)
                counts[1] += 1
        if tally:
            out[team] = {c: (r, n) for c, (r, n) in tally.items()}
    return out


def _team_concept_grid(record: ClassRecord) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The concepts asked (most missed first) and, per team, "right/asked" for each."""
    concepts = [c for c, _, _ in quiz_by_concept(record)]
    rows = []
    for team, tally in quiz_by_team(record).items():
        cells = [f"{tally[c][0]}/{tally[c][1]}" if c in tally else "-" for c in concepts]
        rows.append((team, cells))
    return concepts, rows


def missed_concepts(record: ClassRecord) -> list[str]:
    return [c for c, r, n in quiz_by_concept(record) if r / n < MISSED_BELOW]


def what_team_did(record: ClassRecord, team: str, step: LogEntry) -> str:
    """One cell: what `team` did in one activity, in words."""
    game = record.games.get(team, {}).get(step.level or "")
    if step.kind == "poll":
        return record.polls.get(step.activity_id, {}).get(team, "no answer")
    if step.kind == "level":
        if game is None:
            return "not started"
        done = "finished" if game.finished else f"turn {game.turn}/{game.turns}"
        return f"{done}, score {game.score:.1f}, {'*' * game.stars or 'no'} stars"
    if step.kind == "quiz":
        if game is None or not game.quiz:
            return "not taken"
        return f"{sum(r for _, r in game.quiz)}/{len(game.quiz)} right"
    if step.kind == "justification":
        words = len(game.justification.split()) if game else 0
        return f"written ({words} words)" if words else "not written"
    if step.kind == "studio":
        if record.strategies is None:
            return "none submitted"
        return "strategy submitted" if team in record.strategies else "none submitted"
    return "together"


def checkin_averages(record: ClassRecord) -> list[tuple[str, float, int]]:
    """(when, average on the 1-5 scale, answers) per check-in."""
    start = record.sheet.course_started or 0.0
    rows = []
    for checkin in record.sheet.checkins:
        answers = [
            int(a) for a in record.polls.get(checkin.poll_id, {}).values() if a in "12345" and a
        ]
        if answers:
            minute = int((checkin.at - start) // 60)
            rows.append((f"min {minute}", sum(answers) / len(answers), len(answers)))
    return rows


# --- charts


def bar_chart(title: str, bars: list[tuple[str, float]], top: float, unit: str = "") -> str:
    """A horizontal bar chart as SVG text; labels are escaped (they may be typed text)."""
    top = top or max((v for _, v in bars), default=1.0) or 1.0
    row, label_w, bar_w = 24, 250, 320
    height = 34 + row * max(1, len(bars))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 90}" '
        f'height="{height}" role="img" aria-label="{_esc(title)}">',
        f"<title>{_esc(title)}</title>",
        f'<text x="4" y="18" font-family="sans-serif" font-size="14" font-weight="bold">'
        f"{_esc(title)}</text>",
    ]
    if not bars:
        parts.append('<text x="4" y="46" font-family="sans-serif" font-size="12">no data</text>')
    for i, (label, value) in enumerate(bars):
        y = 30 + i * row
        width = max(0.0, min(1.0, value / top)) * bar_w
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-family="sans-serif" '
            f'font-size="12">{_esc(_short(label, 32))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="16" fill="#3b6ea5"/>'
            f'<text x="{label_w + width + 6:.1f}" y="{y + 15}" font-family="sans-serif" '
            f'font-size="12">{_esc(f"{value:.2f}".rstrip("0").rstrip(".") + unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def charts(record: ClassRecord) -> dict[str, str]:
    """name -> SVG, for every chart the class's data can draw."""
    out = {}
    quiz = quiz_by_concept(record)
    out["quiz-by-concept"] = bar_chart(
        "Quiz: share of right answers by concept",
        [(_concept_title(c), 100 * r / n) for c, r, n in quiz],
        100,
        "%",
    )
    levels = sorted({level for g in record.games.values() for level in g})
    for level in levels:
        out[f"scores-{level}"] = bar_chart(
            f"Score by team: {level}",
            [(t, g[level].score) for t, g in record.games.items() if level in g],
            100,
        )
    pulse = checkin_averages(record)
    if record.sheet.checkins:
        out["check-ins"] = bar_chart(
            "Check-ins: the class's average (1-5)", [(w, avg) for w, avg, _ in pulse], 5
        )
    for step in record.sheet.log:
        if step.kind == "poll":
            counts = dict.fromkeys(_poll_options(record.course, step), 0)
            for answer in record.polls.get(step.activity_id, {}).values():
                counts[answer] = counts.get(answer, 0) + 1
            out[f"poll-{step.activity_id}"] = bar_chart(
                f"Poll: {step.title}", list(counts.items()), 0
            )
    return out


# --- Markdown


# Emphasis, code, links, headings, tables, strike-through; `<` and `&` become entities.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~])")


def md_text(text: str) -> str:
    """Typed text as Markdown text: no HTML, no link, no emphasis, one line."""
    text = html.escape(" ".join(str(text).split()), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown_report(record: ClassRecord, chart_names: list[str], chart_dir: str) -> str:
    lines = [f"# Class report: {md_text(record.title)}", ""]
    lines += [f"Written {time.strftime('%Y-%m-%d %H:%M')}. Teams: {len(record.teams)}.", ""]
    for problem in record.problems:
        lines.append(f"- Could not read: {md_text(problem)}")
    lines += ["## What each team did, phase by phase", ""]
    if not record.sheet.log:
        lines += ["The course was not started.", ""]
    for phase, steps in _by_phase(record):
        lines += [f"### {md_text(phase)}", ""]
        header = ["Team", *(md_text(s.title) for s in steps)]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for team in record.teams:
            cells = [md_text(team), *(md_text(what_team_did(record, team, s)) for s in steps)]
            lines.append("| " + " | ".join(cells) + " |")
        if not record.teams:
            lines.append("| no team joined |" + " |" * len(steps))
        lines.append("")
    lines += ["## Quiz results by concept", ""]
    quiz = quiz_by_concept(record)
    if quiz:
        lines += ["| Concept | Right | Asked | Share |", "|---|---|---|---|"]
        lines += [f"| {md_text(_concept_title(c))} | {r} | {n} | {r / n:.0%} |" for c, r, n in quiz]
        missed = missed_concepts(record)
        lines += [
            "",
            "Concepts the class missed (under half right): "
            + (", ".join(md_text(_concept_title(c)) for c in missed) or "none"),
        ]
        concepts, rows = _team_concept_grid(record)
        lines += ["", "Per team (right of asked):", ""]
        lines.append("| Team | " + " | ".join(md_text(_concept_title(c)) for c in concepts) + " |")
        lines.append("|---" * (len(concepts) + 1) + "|")
        lines += [f"| {md_text(team)} | " + " | ".join(cells) + " |" for team, cells in rows]
    else:
        lines.append("No quiz answers yet.")
    lines += ["", "## Who decided: the team's seats", ""]
    lines += _md_seats(record)
    lines += ["## Charts", ""]
    lines += [f"![{name}]({chart_dir}/{name}.svg)" for name in chart_names]
    lines += ["", "## Justifications", ""]
    lines += _md_justifications(record)
    lines += ["## Strategies and the tournament", ""]
    lines += _md_strategies(record)
    lines += ["## For the facilitator's reflection", ""]
    lines += [f"- {md_text(q)}" for q in _facilitator_questions(record.course)]
    return "\n".join(lines) + "\n"


def _md_justifications(record: ClassRecord) -> list[str]:
    lines = []
    for team in record.teams:
        for level, game in sorted(record.games.get(team, {}).items()):
            for who, text in game.justifications():
                by = f", {md_text(who)} seat" if who else ""
                lines += [f"**{md_text(team)}** ({md_text(level)}{by}):", ""]
                lines += [f"> {md_text(p)}" for p in text.splitlines() if p.strip()]
                lines.append("")
    return lines or ["None written.", ""]


def _md_seats(record: ClassRecord) -> list[str]:
    rows = [
        (team, level, credit)
        for team in record.teams
        for level, credit in sorted(record.seats.get(team, {}).items())
    ]
    if not rows:
        return ["No team played in seats.", ""]
    lines = [
        "| Team | Level | Signed, turn by turn | Decisions changed, by seat | Who changed what |",
        "|---|---|---|---|---|",
    ]
    for team, level, c in rows:
        cells = (team, level, c.signed or "none", c.changes or "none", c.what or "none")
        lines.append("| " + " | ".join(md_text(cell) for cell in cells) + " |")
    return [*lines, ""]


def _md_strategies(record: ClassRecord) -> list[str]:
    if not record.strategies:
        return ["None submitted.", ""]
    lines = ["Submitted by: " + ", ".join(md_text(t) for t in record.strategies), ""]
    rows = record.tournament
    if rows:
        columns = _columns(rows)
        lines.append("| " + " | ".join(md_text(c) for c in columns) + " |")
        lines.append("|" + "---|" * len(columns))
        for r in rows:
            lines.append("| " + " | ".join(md_text(_cell(r.get(c))) for c in columns) + " |")
    else:
        lines.append("No tournament result yet.")
    return [*lines, ""]


# --- HTML


HTML_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;
text-align:left;vertical-align:top}}blockquote{{border-left:4px solid #3b6ea5;margin:0;
padding:.2rem 1rem;white-space:pre-wrap}}.missed{{color:#a33}}</style></head><body>
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def html_report(record: ClassRecord, svgs: dict[str, str]) -> str:
    out = [HTML_HEAD.format(title=_esc(f"Class report: {record.title}"))]
    out.append(f"<h1>Class report: {_esc(record.title)}</h1>")
    out.append(
        f"<p>Written {_esc(time.strftime('%Y-%m-%d %H:%M'))}. Teams: {len(record.teams)}.</p>"
    )
    if record.problems:
        out.append(
            "<ul>"
            + "".join(f"<li>Could not read: {_esc(p)}</li>" for p in record.problems)
            + "</ul>"
        )
    out.append("<h2>What each team did, phase by phase</h2>")
    if not record.sheet.log:
        out.append("<p>The course was not started.</p>")
    for phase, steps in _by_phase(record):
        out.append(f"<h3>{_esc(phase)}</h3><table><tr><th>Team</th>")
        out.append("".join(f"<th>{_esc(s.title)}</th>" for s in steps) + "</tr>")
        for team in record.teams:
            cells = "".join(f"<td>{_esc(what_team_did(record, team, s))}</td>" for s in steps)
            out.append(f"<tr><td>{_esc(team)}</td>{cells}</tr>")
        out.append("</table>")
    out.append("<h2>Quiz results by concept</h2>")
    quiz = quiz_by_concept(record)
    if quiz:
        out.append("<table><tr><th>Concept</th><th>Right</th><th>Asked</th><th>Share</th></tr>")
        for c, r, n in quiz:
            cls = ' class="missed"' if r / n < MISSED_BELOW else ""
            out.append(
                f"<tr{cls}><td>{_esc(_concept_title(c))}</td><td>{r}</td><td>{n}</td>"
                f"<td>{r / n:.0%}</td></tr>"
            )
        out.append("</table>")
        missed = ", ".join(_esc(_concept_title(c)) for c in missed_concepts(record)) or "none"
        out.append(f"<p>Concepts the class missed (under half right): {missed}</p>")
        concepts, rows = _team_concept_grid(record)
        out.append("<p>Per team (right of asked):</p><table><tr><th>Team</th>")
        out.append("".join(f"<th>{_esc(_concept_title(c))}</th>" for c in concepts) + "</tr>")
        for team, cells in rows:
            tds = "".join(f"<td>{_esc(cell)}</td>" for cell in cells)
            out.append(f"<tr><td>{_esc(team)}</td>{tds}</tr>")
        out.append("</table>")
    else:
        out.append("<p>No quiz answers yet.</p>")
    out.append("<h2>Who decided: the team's seats</h2>")
    out.append(_html_seats(record))
    out.append("<h2>Charts</h2>")
    out.extend(f"<figure>{svg}</figure>" for svg in svgs.values())
    out.append("<h2>Justifications</h2>")
    written = False
    for team in record.teams:
        for level, game in sorted(record.games.get(team, {}).items()):
            for who, text in game.justifications():
                written = True
                by = f", {_esc(who)} seat" if who else ""
                out.append(f"<h3>{_esc(team)} ({_esc(level)}{by})</h3>")
                out.append(f"<blockquote>{_esc(text)}</blockquote>")
    if not written:
        out.append("<p>None written.</p>")
    out.append("<h2>Strategies and the tournament</h2>")
    if not record.strategies:
        out.append("<p>None submitted.</p>")
    else:
        out.append("<p>Submitted by: " + ", ".join(_esc(t) for t in record.strategies) + "</p>")
        if record.tournament:
            columns = _columns(record.tournament)
            out.append("<table><tr>" + "".join(f"<th>{_esc(c)}</th>" for c in columns) + "</tr>")
            for r in record.tournament:
                out.append(
                    "<tr>" + "".join(f"<td>{_esc(_cell(r.get(c)))}</td>" for c in columns) + "</tr>"
                )
            out.append("</table>")
        else:
            out.append("<p>No tournament result yet.</p>")
    out.append("<h2>For the facilitator's reflection</h2><ul>")
    out.extend(f"<li>{_esc(q)}</li>" for q in _facilitator_questions(record.course))
    out.append("</ul></body></html>\n")
    return "\n".join(out)


def _html_seats(record: ClassRecord) -> str:
    rows = [
        (team, level, credit)
        for team in record.teams
        for level, credit in sorted(record.seats.get(team, {}).items())
    ]
    if not rows:
        return "<p>No team played in seats.</p>"
    out = [
        "<table><tr><th>Team</th><th>Level</th><th>Signed, turn by turn</th>"
        "<th>Decisions changed, by seat</th><th>Who changed what</th></tr>"
    ]
    for team, level, c in rows:
        cells = (team, level, c.signed or "none", c.changes or "none", c.what or "none")
        out.append("<tr>" + "".join(f"<td>{_esc(cell)}</td>" for cell in cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


# --- writing


def write_class_report(
    class_dir: ClassDir, course: Course, sheet: RunSheet, out_dir: Path | None = None
) -> list[Path]:
    """Write report.md (with its charts as SVG files) and report.html; returns both paths."""
    record = read_class(class_dir, course, sheet)
    folder = Path(out_dir) if out_dir is not None else class_dir.root / REPORT_DIR
    svgs = charts(record)
    for name, svg in svgs.items():
        atomic_write_text(folder / "charts" / f"{name}.svg", svg)
    md_path, html_path = folder / "report.md", folder / "report.html"
    atomic_write_text(md_path, markdown_report(record, list(svgs), "charts"))
    atomic_write_text(html_path, html_report(record, svgs))
    return [md_path, html_path]


# --- helpers


def _by_phase(record: ClassRecord) -> list[tuple[str, list[LogEntry]]]:
    phases: list[tuple[str, list[LogEntry]]] = []
    for step in record.sheet.log:
        if not phases or phases[-1][0] != step.phase:
            phases.append((step.phase, []))
        phases[-1][1].append(step)
    return phases


def _poll_options(course: Course, step: LogEntry) -> list[str]:
    """The poll's options in the course's order (every one drawn, answered or not)."""
    steps = course.steps()
    activity = steps[step.step][2] if step.step < len(steps) else None
    if not isinstance(activity, PollActivity):
        return []
    return list(activity.choices) or ["1", "2", "3", "4", "5"]


def _concept_title(concept: str) -> str:
    """The course's name for a concept (the codex's for anything else)."""
    if concept in COURSE_CONCEPTS:
        return COURSE_CONCEPTS[concept]
    return entry(concept).title if concept != "general" else "General"


def _facilitator_questions(course: Course) -> list[str]:
    questions = [
        q
        for phase in course.phase
        for activity in phase.activity
        for q in getattr(activity, "facilitator", [])
    ]
    return questions or ["Which aspects of the lesson resonated, and which concepts were missed?"]


def _columns(rows: list[dict]) -> list[str]:
    columns: list[str] = []
    for r in rows:
        for key in r:
            if key not in columns and len(columns) < 8:
                columns.append(str(key))
    return columns


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else str(value)[:200]


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
