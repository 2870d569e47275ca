"""Exports without an app: names, suffixes, and files written whole or not at all.

(What a hosted team may name is in test_export_confinement.py.)
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from finops_tui.content.errors import ContentError
from finops_tui.engine import play
from finops_tui.engine.game import plan_decisions
from finops_tui.gameplay.exports import (
    ExportKind,
    export_target,
    game_exports,
    kind_for,
    run_export,
    slug,
    unique_path,
    write_text_export,
)
from finops_tui.gameplay.session import GameSession


@pytest.fixture(scope="module")
def finished(scenarios) -> GameSession:
    scenario = scenarios["tutorial"]
    session = GameSession.start(scenario, seed=42, player="Ann [b]Lee[/b]")
    for decisions in plan_decisions(scenario, scenario.level.plans["par"]):
        session.resolve(decisions)
    return session


@pytest.fixture()
def kinds(finished) -> list[ExportKind]:
    return game_exports(finished.scenario, finished.state, finished.player, "We chose spot.")


def test_a_game_offers_the_bill_and_the_report(kinds):
    assert [k.label for k in kinds] == [
        "FOCUS bill (CSV)",
        "Report (Markdown + chart)",
        "Report (HTML)",
    ]
    assert [k.default_name for k in kinds] == [
        "tutorial-seed42-ann-b-lee-b-bill.csv",
        "tutorial-seed42-ann-b-lee-b-report.md",
        "tutorial-seed42-ann-b-lee-b-report.html",
    ]


def test_slugs_keep_letters_and_digits_only():
    assert slug("Ann [b]Lee[/b]") == "ann-b-lee-b"
    assert slug("../../etc/passwd\x1b[2J") == "etc-passwd-2j"
    assert slug("   ") == ""
    assert len(slug("x" * 500)) == 24


def test_the_bill_is_a_focus_csv_with_one_row_per_ledger_line(kinds, finished, tmp_path):
    path = tmp_path / kinds[0].default_name
    said = run_export(kinds[0], path)
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    lines = sum(len(record.lines) for record in finished.state.history)
    assert len(rows) == lines > 0
    assert said == [f"{path} ({lines} FOCUS rows)"]
    assert {"BilledCost", "EffectiveCost", "ChargeCategory"} <= set(rows[0])


def test_reports_are_written_in_markdown_and_html(kinds, tmp_path):
    md = run_export(kinds[1], tmp_path / "r.md")
    assert md[0] == str(tmp_path / "r.md")
    assert all(Path(p).is_file() for p in md)
    assert "We chose spot." in (tmp_path / "r.md").read_text(encoding="utf-8")
    html = run_export(kinds[2], tmp_path / "r.html")
    assert html == [str(tmp_path / "r.html")]
    assert (tmp_path / "r.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doc")


def test_a_disk_that_refuses_is_a_message_naming_the_file(kinds, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    path = tmp_path / "a-file" / "bill.csv"
    with pytest.raises(ContentError) as caught:
        run_export(kinds[0], path)
    assert caught.value.problems[0].startswith(f"{path}: cannot ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # nothing half-written


def test_a_path_that_left_the_folder_since_it_was_checked_is_not_written(kinds, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    team = tmp_path / "team"
    team.mkdir()
    (team / "bill.csv").symlink_to(outside / "bill.csv")  # a link made after the check
    with pytest.raises(ContentError, match="not written: in a hosted class"):
        run_export(kinds[0], team / "bill.csv", confined_to=team)
    assert not (outside / "bill.csv").exists()


def test_an_export_never_replaces_an_earlier_one(tmp_path):
    assert unique_path(tmp_path, "bill.csv") == tmp_path / "bill.csv"
    (tmp_path / "bill.csv").write_text("old")
    (tmp_path / "bill-2.csv").write_text("old")
    assert unique_path(tmp_path, "bill.csv") == tmp_path / "bill-3.csv"


def test_the_suffix_chooses_the_export(kinds):
    bill, md, html = kinds
    assert kind_for(Path("x.CSV"), kinds, md) is bill
    assert kind_for(Path("x.htm"), kinds, bill) is html
    assert kind_for(Path("x.md"), kinds, md) is md
    assert kind_for(Path("x.txt"), kinds, md) is md  # no match: the one chosen


def test_typed_names_get_a_folder_and_a_suffix(kinds, tmp_path):
    bill, md, _ = kinds
    assert export_target("mine", tmp_path, kinds, confined=False, chosen=md) == tmp_path / (
        "mine.md"
    )
    assert export_target(" bill.csv ", tmp_path, kinds, confined=True) == tmp_path / "bill.csv"
    sub = tmp_path / "sub"
    sub.mkdir()
    assert export_target(f"{sub}/", tmp_path, kinds, confined=False, chosen=bill) == (
        sub / bill.default_name
    )


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "type a file name"),
        ("   ", "type a file name"),
        (".hidden.csv", "cannot be empty or start with a dot"),
        ("bill\x1b[2J.csv", "control characters"),
        ("bill\u202e.csv", "control characters"),
        ("bill.txt", "must end in .csv or .md"),
        ("x" * 300 + ".csv", "at most 100 characters"),
    ],
)
def test_impossible_names_are_refused_in_words(typed, why, tmp_path):
    kinds = [
        ExportKind("bill", (".csv",), "bill.csv", lambda path: []),
        ExportKind("report", (".md",), "report.md", lambda path: []),
    ]
    with pytest.raises(ValueError, match=why):
        export_target(typed, tmp_path, kinds, confined=False)


def test_a_text_export_is_written_whole(tmp_path):
    path = tmp_path / "compare.csv"
    path.write_text("old contents that are longer than the new ones")
    assert write_text_export(path, "a,b\n1,2\n", 1) == [f"{path} (1 rows)"]
    assert path.read_text() == "a,b\n1,2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["compare.csv"]  # no temporary left


def test_typed_names_and_paths_land_where_the_player_expects(
    tmp_path, monkeypatch, scenarios
) -> None:
    from finops_tui.gameplay.exports import export_target, game_exports

    scenario = scenarios["tutorial"]
    kinds = game_exports(scenario, play(scenario, 1, []), "")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    bill, _markdown, html = kinds
    saves = tmp_path / "saves"
    assert export_target("cfo", saves, kinds, False, html) == saves / "cfo.html"
    assert export_target("cfo.md", saves, kinds, False, bill) == saves / "cfo.md"
    # A folder gets the chosen export's suggested name; a relative path becomes absolute.
    assert export_target("out/", saves, kinds, False, bill) == tmp_path / "out" / bill.default_name
    assert export_target("./out", saves, kinds, False, bill) == tmp_path / "out" / bill.default_name
    assert export_target("../x.csv", saves, kinds, False, bill) == tmp_path.parent / "x.csv"
    for typed, why in (
        ("", "type a file name"),
        (".hidden.csv", "start with a dot"),
        ("notes.txt", "must end in .csv or .md or .html"),
        ("a\x00b.csv", "control characters"),
    ):
        try:
            export_target(typed, saves, kinds, False, bill)
        except ValueError as exc:
            assert why in str(exc), (typed, exc)
        else:
            raise AssertionError(typed)
