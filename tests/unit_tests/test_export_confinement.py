"""One rule keeps a hosted player's exports in its own folder: `confine`, and the names
`export_target` accepts (or explains) for a hosted team and for a player at home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finops_tui.gameplay.exports import ExportKind, confine, export_target

BILL = ExportKind("FOCUS bill (CSV)", (".csv",), "bill.csv", lambda path: [])
REPORT = ExportKind("Report (Markdown)", (".md",), "report.md", lambda path: [])
KINDS = [BILL, REPORT]


@pytest.fixture()
def team(tmp_path: Path) -> Path:
    """A team folder with a link to a folder outside it and a link to a file outside it."""
    folder = tmp_path / "class" / "teams" / "blue"
    folder.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / "out").symlink_to(outside)
    (folder / "victim.csv").symlink_to(outside / "victim.csv")
    (folder / "inner").symlink_to(folder / "drafts")
    (folder / "drafts").mkdir()
    return folder


def test_confine_keeps_what_stays_inside(team):
    assert confine(team / "bill.csv", team) == team / "bill.csv"
    assert confine(team / "drafts" / "bill.csv", team) == team / "drafts" / "bill.csv"
    assert confine(team / "inner" / "x.csv", team) == team / "inner" / "x.csv"  # a link inside
    assert confine(team / "drafts" / ".." / "x.csv", team) == team / "drafts" / ".." / "x.csv"


@pytest.mark.parametrize(
    "escape",
    [
        "..",
        "../x.csv",
        "../../../etc/passwd",
        "out/bill.csv",  # a link to a folder outside
        "victim.csv",  # a link to a file outside
        "/tmp/x.csv",
        "drafts/../../x.csv",
    ],
)
def test_confine_refuses_every_way_out_in_one_sentence(team, escape):
    with pytest.raises(ValueError) as refused:
        confine(team / escape, team)
    message = str(refused.value)
    assert "\n" not in message and ". " not in message.replace(str(team), "")  # one sentence
    assert "your team's folder" in message and str(team) in message


def test_confine_refuses_a_sibling_that_shares_a_prefix(tmp_path):
    (tmp_path / "blue").mkdir()
    (tmp_path / "blue2").mkdir()
    with pytest.raises(ValueError):
        confine(tmp_path / "blue2" / "x.csv", tmp_path / "blue")


def test_confine_follows_the_team_folder_when_it_is_a_link(tmp_path):
    real = tmp_path / "disk" / "blue"
    real.mkdir(parents=True)
    (tmp_path / "blue").symlink_to(real)
    assert confine(tmp_path / "blue" / "x.csv", tmp_path / "blue") == tmp_path / "blue" / "x.csv"
    with pytest.raises(ValueError):
        confine(tmp_path / "blue" / ".." / "x.csv", tmp_path / "blue")


def test_confine_refuses_a_nul_byte_instead_of_crashing(team):
    with pytest.raises(ValueError, match="your team's folder"):
        confine(Path(str(team) + "/a\x00b.csv"), team)


@pytest.mark.parametrize(
    "typed",
    ["..", "../x", "../x.csv", "/tmp/x.csv", "out", "out/", "victim.csv", "~/x.csv", "a\\b.csv"],
)
def test_a_hosted_team_cannot_name_a_file_outside_its_folder(team, typed):
    with pytest.raises(ValueError, match="type a name, not a path"):
        export_target(typed, team, KINDS, True, BILL)
    assert not (team.parent / "bill.csv").exists()


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("a\x00b.csv", "control characters"),
        ("a\nb.csv", "control characters"),
        ("\x1b[31mred.csv", "control characters"),
        ("evil\u202evsc.csv", "control characters"),  # a right-to-left override
        ("a\u2028b.csv", "control characters"),
        ("x" * 300 + ".csv", "at most 100 characters"),
        ("x" * 120 + ".csv", "at most 100 characters"),
        ("é" * 130 + ".csv", "at most 100 characters"),  # 260 bytes on disk
        ("", "type a file name"),
        ("   ", "type a file name"),
        (".hidden.csv", "start with a dot"),
        ("notes.txt", "must end in .csv or .md"),
    ],
)
@pytest.mark.parametrize("confined", [True, False])
def test_impossible_names_are_explained_hosted_or_not(team, typed, why, confined):
    with pytest.raises(ValueError, match=why):
        export_target(typed, team, KINDS, confined, BILL)


def test_a_hosted_team_keeps_plain_names(team):
    assert export_target("cfo", team, KINDS, True, REPORT) == team / "cfo.md"
    assert export_target("cfo.csv", team, KINDS, True, REPORT) == team / "cfo.csv"
    assert export_target("Équipe bleue.csv", team, KINDS, True, BILL) == team / "Équipe bleue.csv"
    assert export_target(".", team, KINDS, True, BILL) == team / "." / "bill.csv"


def test_a_player_at_home_keeps_any_path(team, tmp_path, monkeypatch):
    monkeypatch.chdir(team)
    assert export_target("..", team, KINDS, False, BILL).resolve() == team.parent / "bill.csv"
    assert export_target("../x.csv", team, KINDS, False, BILL) == team.parent / "x.csv"
    assert export_target(str(tmp_path / "y.md"), team, KINDS, False, BILL) == tmp_path / "y.md"
    assert export_target("out", team, KINDS, False, BILL) == team / "out" / "bill.csv"


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("~no-such-user-here/x.csv", "not a known home folder"),
        ("/tmp/" + "d" * 300 + "/x.csv", "at most 100 characters in a file or folder name"),
        ("/tmp/" + "d/" * 2100 + "x.csv", "too long"),
    ],
)
def test_a_player_at_home_is_told_why_a_path_is_impossible(team, typed, why):
    with pytest.raises(ValueError, match=why):
        export_target(typed, team, KINDS, False, BILL)


def test_a_folder_that_cannot_be_read_is_a_message(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    locked = tmp_path / "locked"
    (locked / "inner").mkdir(parents=True)
    locked.chmod(0)
    try:
        with pytest.raises(ValueError, match="Permission denied"):
            export_target(str(locked / "inner" / "x.csv"), tmp_path, KINDS, False, BILL)
    finally:
        locked.chmod(0o755)
