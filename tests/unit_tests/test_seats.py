"""Team seats without an app: who owns what, the team's draft, the seats' files, the writer."""

from __future__ import annotations

import time

import pytest

from finops_tui.content.classroom import ClassDir, ClassSettings, Control
from finops_tui.content.errors import ContentError
from finops_tui.content.levels import list_levels, load_scenario
from finops_tui.content.saves import SaveStore
from finops_tui.content.seating import SeatChange, SlotFile, TeamSeats, release, seat_credits
from finops_tui.engine.game import start_decisions
from finops_tui.gameplay.fields import decision_fields
from finops_tui.gameplay.seats import (
    NOTE_CHARS,
    SEATS,
    Change,
    clean_note,
    deciding_text,
    editable_keys,
    merged_values,
    override_problems,
    parse_seat,
    seat_owners,
    seat_tip_text,
    split_login,
    team_draft,
    turn_ready,
)
from finops_tui.gameplay.team_authority import TeamAuthority
from finops_tui.serve.programs import member_login


@pytest.mark.parametrize(
    ("typed", "seat"),
    [
        ("finance", "finance"),
        ("FINANCE", "finance"),
        ("ds", "data-science"),
        ("IT", "it"),
        ("../x", None),
        ("nosuch", None),
        ("[b]it[/b]", None),
        ("", None),
        ("it\x1b[2J", None),
        ("i" * 1000, None),
    ],
)
def test_a_typed_seat_names_a_seat_or_nothing(typed, seat):
    assert parse_seat(typed) == seat


def test_a_login_is_a_team_and_maybe_a_seat():
    assert split_login("blue+finance") == ("blue", "finance")
    assert split_login("blue") == ("blue", None)
    assert split_login("blue+") == ("blue", "")
    assert split_login("blue+a+b") == ("blue", "a+b")
    assert member_login("blue+FINANCE") == ("blue", "finance")
    assert member_login("blue") == ("blue", "team")


def test_every_shipped_level_partitions_its_decisions_among_the_seats():
    for info in list_levels():
        keys = [f.key for f in decision_fields(load_scenario(info.id))]
        owners = seat_owners(keys)
        assert set(owners) == set(keys)  # every decision has exactly one owner
        assert set(owners.values()) <= set(SEATS)


def test_the_default_owners_are_the_roles_of_the_course():
    owners = seat_owners(
        [
            "training.gpus",
            "training.pricing",
            "practices.shutdown_schedule",
            "practices.rightsizing",
            "practices.budget_alerts",
            "practices.allocation",
            "forecast_usd",
            "inference.pricing",
            "training.params",
            "training.tokens",
            "training.checkpoint_hours",
            "inference.quant",
            "practices.safety_evaluation",
            "practices.something_new",
        ]
    )
    assert [k for k, s in owners.items() if s == "it"] == [
        "training.gpus",
        "training.pricing",
        "practices.shutdown_schedule",
        "practices.rightsizing",
    ]
    assert owners["forecast_usd"] == owners["practices.allocation"] == "finance"
    assert owners["inference.pricing"] == "finance"  # commitments for steady serving
    assert owners["training.tokens"] == owners["inference.quant"] == "data-science"
    assert owners["practices.something_new"] == "finance"  # a new practice still has an owner


def test_a_level_may_say_who_owns_what():
    owners = seat_owners(["training.gpus", "forecast_usd"], {"it": ["forecast_usd"]})
    assert owners == {"training.gpus": "it", "forecast_usd": "it"}
    problems = override_problems(
        {"it": ["forecast_usd", "nope"], "finance": ["forecast_usd"], "ops": []},
        ["forecast_usd"],
    )
    assert any("'nope' is not a decision" in p for p in problems)
    assert any("already given to it" in p for p in problems)
    assert any("seats.ops: not a seat" in p for p in problems)


def test_a_seat_edits_its_own_and_the_empty_seats_decisions():
    owners = {"a": "it", "b": "finance", "c": "data-science"}
    assert editable_keys("it", owners, {"it", "finance", "data-science"}) == {"a"}
    assert editable_keys("it", owners, {"it", "finance"}) == {"a", "c"}  # DS is empty
    assert editable_keys("team", owners, {"finance"}) == {"a", "c"}
    assert editable_keys(None, owners, set()) == set()  # a watcher edits nothing


def test_a_note_is_one_bounded_line_of_text():
    assert clean_note("[b]bold[/b]") == "[b]bold[/b]"  # kept as typed; shown as text
    assert clean_note("a\x1b[2Jb\nc\u202ed") == "a [2Jb c d"
    assert len(clean_note("x" * 1000)) == NOTE_CHARS


def test_the_latest_change_of_each_decision_holds():
    changes = [
        Change("training.gpus", 8, 1.0, "it"),
        Change("training.gpus", 16, 2.0, "team"),
        Change("forecast_usd", 10.0, 5.0, "finance"),
        Change("forecast_usd", 20.0, 5.0, "team"),  # a tie: the seats' order decides
    ]
    held = merged_values(changes)
    assert held["training.gpus"].value == 16
    assert held["forecast_usd"].slot == "team"
    assert merged_values(reversed(changes)) == held  # the same draft whatever the read order


def test_the_team_draft_skips_what_the_engine_refuses():
    scenario = load_scenario("tutorial")
    base = start_decisions(scenario)
    draft, by = team_draft(
        base,
        [
            Change("training.gpus", 4, 1.0, "it"),
            Change("training.gpus", -3, 2.0, "team"),  # refused: the earlier one does not hold
            Change("nosuch.key", 1, 1.0, "it"),
            Change("practices.tagging", 0.5, 1.0, "finance"),
        ],
    )
    assert draft.practices.tagging == 0.5
    assert by == {"practices.tagging": "finance"}
    assert draft.training.gpus == base.training.gpus


def test_a_turn_ends_when_everyone_present_signed():
    assert not turn_ready(set(), set())
    assert not turn_ready({"it", "finance"}, {"it"})
    assert turn_ready({"it", "finance"}, {"it", "finance", "data-science"})
    assert deciding_text({"it", "finance", "team"}, {"it"}) == "Team, Fin deciding"


def test_the_advisor_speaks_to_the_seat_that_owns_the_decision():
    owners = {"training.pricing": "it", "forecast_usd": "finance"}
    concepts = {"training.pricing": "pricing-models", "forecast_usd": "forecast-variance"}
    tip = "Spot would have cost less."
    assert seat_tip_text(tip, "pricing-models", "it", owners, concepts) == tip
    assert seat_tip_text(tip, "pricing-models", "finance", owners, concepts).startswith("For IT:")
    assert seat_tip_text(tip, "pricing-models", None, owners, concepts) == tip
    assert seat_tip_text(tip, "waste", "finance", owners, concepts) == tip
    # A tip that names the decision it recommends: that decision's owner is meant.
    named = seat_tip_text(tip, "waste", "finance", owners, concepts, key="training.pricing")
    assert named == f"For IT: {tip}"
    assert seat_tip_text(tip, "waste", "it", owners, concepts, key="training.pricing") == tip


# --- the seats folder


@pytest.fixture()
def class_dir(tmp_path) -> ClassDir:
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=5))
    return class_dir


def test_one_member_per_seat_and_one_writer(class_dir):
    seats = TeamSeats(class_dir, "blue", "tutorial")
    first = seats.lock_slot("finance")
    assert first is not None
    assert seats.lock_slot("finance") is None  # a second member in the seat: not seated
    writer = seats.lock_writer()
    assert writer is not None and seats.lock_writer() is None
    release(first)
    again = seats.lock_slot("finance")  # a member who goes frees the seat at once
    assert again is not None
    release(again)
    release(writer)


def test_no_seat_file_outside_the_team_folder(class_dir):
    with pytest.raises(ContentError):
        TeamSeats(class_dir, "../red", "tutorial")
    with pytest.raises(ContentError):
        TeamSeats(class_dir, "blue", "tutorial").slot_path("../../x")


def test_a_damaged_or_foreign_seat_file_is_skipped(class_dir):
    seats = TeamSeats(class_dir, "blue", "tutorial")
    seats.write_slot(SlotFile(slot="it", turn=1, alive=time.time()))
    seats.slot_path("finance").write_text("{not json", encoding="utf-8")
    seats.slot_path("data-science").write_text(
        SlotFile(slot="it", turn=1).model_dump_json(), encoding="utf-8"
    )  # says it is another seat's
    assert list(seats.slots()) == ["it"]


def authority(class_dir: ClassDir) -> TeamAuthority:
    scenario = load_scenario("tutorial")
    return TeamAuthority(class_dir, "blue", scenario, 5, SaveStore(class_dir.team_dir("blue")))


def test_the_writer_resolves_when_every_member_present_signed(class_dir):
    class_dir.write_control(Control(phase="playing", open_turn=1))
    seats = TeamSeats(class_dir, "blue", "tutorial")
    now = time.time()
    it = SlotFile(
        slot="it", turn=1, alive=now, changes={"training.gpus": SeatChange(value=4, at=now)}
    )
    seats.write_slot(it)
    seats.write_slot(SlotFile(slot="finance", turn=1, alive=now, signed=True))
    writer, other = authority(class_dir), authority(class_dir)
    writer.tick(now)
    other.tick(now)
    assert writer.is_writer and not other.is_writer  # exactly one writer of the save
    assert writer.session.turn == 1  # IT has not signed off
    seats.write_slot(it.model_copy(update={"signed": True}))
    writer.tick(now)
    assert writer.session.turn == 2
    credit = seats.log().turns[0]
    assert credit.signed == ["finance", "it"] and credit.changed_by == {"training.gpus": "it"}
    assert credit.decisions["training"]["gpus"] == 4
    saves = list(class_dir.team_dir("blue").glob("*.toml"))
    assert len(saves) == 1  # the team's one save
    assert "finance+it" in seat_credits(class_dir, "blue", "tutorial")["seats_signed"]
    writer.stop()
    other.tick(now)
    assert other.is_writer and other.session.turn == 2  # it takes over where it was


def test_a_member_gone_silent_does_not_hold_the_turn(class_dir):
    class_dir.write_control(Control(phase="playing", open_turn=1))
    seats = TeamSeats(class_dir, "blue", "tutorial")
    now = time.time()
    seats.write_slot(SlotFile(slot="it", turn=1, alive=now - 60))  # killed a minute ago
    seats.write_slot(SlotFile(slot="finance", turn=1, alive=now, signed=True))
    writer = authority(class_dir)
    writer.tick(now)
    assert writer.session.turn == 2
    writer.stop()


def test_the_facilitator_closes_a_turn_nobody_signed(class_dir):
    class_dir.write_control(Control(phase="playing", open_turn=1, closed_turn=1))
    seats = TeamSeats(class_dir, "blue", "tutorial")
    now = time.time()
    seats.write_slot(
        SlotFile(
            slot="it", turn=1, alive=now, changes={"training.gpus": SeatChange(value=4, at=now)}
        )
    )
    writer = authority(class_dir)
    writer.tick(now)
    credit = seats.log().turns[0]
    assert credit.closed_by == "facilitator" and credit.signed == []
    assert credit.decisions["training"]["gpus"] == 4  # the team's draft, not last turn's
    writer.stop()


def write_level_with_seats(tmp_path, seats: str):
    from pathlib import Path

    import finops_tui

    source = Path(finops_tui.__file__).parent.parent / "levels" / "tutorial.toml"
    path = tmp_path / "tutorial.toml"
    path.write_text(source.read_text(encoding="utf-8") + f"\n[seats]\n{seats}\n", encoding="utf-8")
    return path


def test_a_level_says_who_owns_what_in_its_file(tmp_path):
    from finops_tui.content.levels import load_scenario as load

    scenario = load(str(write_level_with_seats(tmp_path, 'it = ["practices.tagging"]')))
    keys = [f.key for f in decision_fields(scenario)]
    assert seat_owners(keys, scenario.level.seats)["practices.tagging"] == "it"
    # Who sits where is not a rule of the game: a save of the level still loads.
    from finops_tui.content.saves.format import level_hash

    assert level_hash(scenario.level) == level_hash(load_scenario("tutorial").level)


@pytest.mark.parametrize(
    ("seats", "named"),
    [
        ('it = ["nosuch.key"]', "nosuch.key"),
        ('ops = ["forecast_usd"]', "ops"),
        ('it = ["forecast_usd"]\nfinance = ["forecast_usd"]', "already given"),
    ],
)
def test_validate_names_a_bad_seats_table(tmp_path, capsys, seats, named):
    from finops_tui.__main__ import main

    path = write_level_with_seats(tmp_path, seats)
    assert main(["validate", str(path)]) != 0
    out = capsys.readouterr()
    said = out.out + out.err
    assert "seats" in said and named in said and "Traceback" not in said


@pytest.mark.parametrize("seat", ["nosuch", "../x", "[b]it[/b]", "f" * 1000])
def test_play_names_a_seat_that_is_not_one(class_dir, capsys, seat):
    from finops_tui.__main__ import main

    argv = ["play", "tutorial", "--class-dir", str(class_dir.root), "--player", "blue"]
    assert main([*argv, "--seat", seat]) != 0
    out = capsys.readouterr()
    said = out.out + out.err
    assert "is not a seat" in said and "Traceback" not in said
    assert len(said) < 300
