"""Saves: round trips, the store the game uses, bad saves and unsafe names."""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from finops_tui.content import files as content_files
from finops_tui.content import saves
from finops_tui.content.errors import ContentError
from finops_tui.content.levels import LEVELS_ENV, level_paths, levels_dir, load_scenario
from finops_tui.content.saves import (
    SAVE_FORMAT,
    SAVES_ENV,
    SaveStore,
    level_hash,
    load_save,
    read_save,
    safe_save_name,
    save_from_state,
    saves_dir,
    write_save,
)
from finops_tui.content.saves import format as save_format
from finops_tui.engine import new_game, plan_decisions, play, resolve_turn

SHIPPED = [p.stem for p in level_paths()]


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial")


def game(scenario, turns: int, plan: str = "par", seed: int = 0):
    decisions = plan_decisions(scenario, scenario.level.plans[plan])[:turns]
    return play(scenario, seed, decisions)


def edit(path: Path, change) -> None:
    """Hand-edit a save the way a person would: parse, change, write back."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_save(path)
    return info.value.problems


# --- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_save_and_load_round_trip(tmp_path, tutorial, turns):
    state = game(tutorial, turns)
    path = tmp_path / "game.toml"
    write_save(path, save_from_state(tutorial, state, player="Team Red"))
    scenario, loaded, save = load_save(path)
    assert scenario.level.id == "tutorial"
    assert save.player == "Team Red" and save.seed == 0 and save.format == SAVE_FORMAT
    assert loaded.decisions == state.decisions
    assert loaded.turn == turns and loaded.finished == (turns == 3)
    assert loaded.score == state.score and loaded.stars == state.stars
    assert loaded.game_kpis == state.game_kpis
    assert [r.lines for r in loaded.history] == [r.lines for r in state.history]


@pytest.mark.parametrize("level", SHIPPED)
@pytest.mark.parametrize("plan", ["par", "naive"])
def test_claims_survive_toml_to_the_bit(tmp_path, level, plan):
    scenario = load_scenario(level)
    state = play(scenario, 7, plan_decisions(scenario, scenario.level.plans[plan]))
    path = tmp_path / "replay.toml"
    write_save(path, save_from_state(scenario, state, player=plan))
    claimed = read_save(path).claimed
    # Exact, not approximate: the tolerance in verify is for other CPUs, not for TOML.
    assert claimed.score == state.score and claimed.spend_usd == state.spend_usd
    assert claimed.kpis == state.game_kpis
    assert load_save(path)[1].game_kpis == state.game_kpis


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_round_trip_toml_exactly(value):
    back = tomllib.loads(tomli_w.dumps({"x": value}))["x"]
    assert (math.isnan(value) and math.isnan(back)) or (
        back == value and math.copysign(1, back) == math.copysign(1, value)
    )


def test_a_resumed_game_plays_on_like_one_never_saved(tmp_path, tutorial):
    decisions = plan_decisions(tutorial, tutorial.level.plans["naive"])
    store = SaveStore(tmp_path)
    state = new_game(tutorial, 11)
    for d in decisions[:2]:
        state = resolve_turn(tutorial, state, d).state
        path = store.autosave(tutorial, state, "solo")
    scenario, resumed, _ = store.load(path)
    resumed = resolve_turn(scenario, resumed, decisions[2]).state
    straight = play(tutorial, 11, decisions)
    assert resumed.score == straight.score and resumed.game_kpis == straight.game_kpis


# --- the store ------------------------------------------------------------------------


def test_autosave_is_one_file_per_level_and_player(tmp_path, tutorial):
    store = SaveStore(tmp_path)
    paths = {store.autosave(tutorial, game(tutorial, t), "Team A") for t in (1, 2)}
    assert len(paths) == 1
    (path,) = paths
    assert read_save(path).turn == 2
    other = store.autosave(tutorial, game(tutorial, 1), "team-a")
    solo = store.autosave(tutorial, game(tutorial, 1))
    # Names that look alike still get their own file: one team never overwrites another.
    assert len({path, other, solo}) == 3
    assert all(p.parent == tmp_path for p in (path, other, solo))
    assert sorted(e.player for e in store.list()) == ["", "Team A", "team-a"]
    assert all(e.autosave and e.name == "autosave" for e in store.list())


def test_unfinished_offers_only_good_unfinished_games(tmp_path, tutorial):
    store = SaveStore(tmp_path)
    store.autosave(tutorial, game(tutorial, 1), "a")
    store.autosave(tutorial, game(tutorial, 3), "b")
    store.save_named("halfway", tutorial, game(tutorial, 2), "c")
    (tmp_path / "broken.toml").write_text("format = 2\nlevel = ", encoding="utf-8")
    entries = {e.player or e.name: e for e in store.list()}
    assert entries["a"].finished is False and entries["a"].turn == 1
    assert entries["b"].finished is True and entries["b"].turn == 3
    assert entries["c"].name == "halfway" and entries["c"].seed == 0
    assert entries["broken"].problem
    assert sorted(e.player for e in store.unfinished()) == ["a", "c"]


def test_named_saves_and_their_path(tmp_path, tutorial):
    store = SaveStore(tmp_path)
    path = store.save_named("  Équipe 3 – final ".replace("–", "-"), tutorial, game(tutorial, 1))
    assert path == tmp_path / "Équipe 3 - final.toml"
    assert store.path_for("Équipe 3 - final.toml") == path
    assert store.load(path)[1].turn == 1


def test_listing_a_missing_folder_is_empty(tmp_path):
    assert SaveStore(tmp_path / "nowhere").list() == []


def test_delete_stays_in_its_folder(tmp_path, tutorial):
    store = SaveStore(tmp_path / "saves")
    path = store.save_named("x", tutorial, game(tutorial, 1))
    outside = tmp_path / "keep.toml"
    outside.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ContentError):
        store.delete(outside)
    with pytest.raises(ContentError):
        store.delete(tmp_path / "saves" / ".." / "keep.toml")
    assert outside.exists()
    store.delete(path)
    assert store.list() == []


def test_saves_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(SAVES_ENV, raising=False)
    assert saves_dir() == tmp_path / "saves"
    monkeypatch.setenv(SAVES_ENV, str(tmp_path / "env"))
    assert saves_dir() == tmp_path / "env"
    assert saves_dir(tmp_path / "flag") == tmp_path / "flag"
    assert saves_dir("") == tmp_path / "env"
    monkeypatch.setenv(SAVES_ENV, "")
    assert saves_dir() == tmp_path / "saves"


# --- writing ------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_save_and_no_temp(tmp_path, tutorial, monkeypatch):
    path = tmp_path / "game.toml"
    write_save(path, save_from_state(tutorial, game(tutorial, 1)))
    before = path.read_bytes()

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(content_files.os, "replace", full_disk)
    with pytest.raises(ContentError) as info:
        write_save(path, save_from_state(tutorial, game(tutorial, 2)))
    assert info.value.problems == [f"{path}: cannot save: No space left on device"]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game.toml"]


def test_a_folder_that_is_a_file_is_a_clear_error(tmp_path, tutorial):
    (tmp_path / "saves").write_text("", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        SaveStore(tmp_path / "saves").autosave(tutorial, game(tutorial, 1))
    assert "cannot save" in info.value.problems[0]


# --- bad saves ----------------------------------------------------------------------------


@pytest.fixture
def good(tmp_path, tutorial) -> Path:
    path = tmp_path / "saves" / "good.toml"
    write_save(path, save_from_state(tutorial, game(tutorial, 2), player="Team Red"))
    return path


def test_wrong_format_version_says_so(good):
    edit(good, lambda d: d.update(format=1))
    (problem,) = problems_of(good)
    assert problem.startswith(f"{good}: format: this save is format 1")
    assert "older finops-tui" in problem and f"reads format {SAVE_FORMAT}" in problem
    edit(good, lambda d: d.update(format=SAVE_FORMAT + 1))
    assert "newer finops-tui" in problems_of(good)[0]
    edit(good, lambda d: d.pop("format"))
    assert problems_of(good) == [
        f"{good}: format: required key is missing (is this a finops-tui save?)"
    ]


def test_unknown_level_names_the_save_and_the_level(good):
    edit(good, lambda d: d.update(level="no-such-level"))
    (problem,) = problems_of(good)
    assert problem.startswith(f"{good}: level: unknown level 'no-such-level'")
    assert "tutorial" in problem


def test_a_level_id_is_never_a_path(good):
    edit(good, lambda d: d.update(level="../../etc/passwd"))
    (problem,) = problems_of(good)
    assert problem.startswith(f"{good}: level: ")


def test_a_save_of_an_older_level_version_says_so(good, tmp_path, monkeypatch):
    levels = tmp_path / "levels"
    levels.mkdir()
    text = (levels_dir() / "tutorial.toml").read_text(encoding="utf-8")
    changed = text.replace("per_period_usd = 4000", "per_period_usd = 4500")
    assert changed != text
    (levels / "tutorial.toml").write_text(changed, encoding="utf-8")
    monkeypatch.setenv(LEVELS_ENV, str(levels))
    (problem,) = problems_of(good)
    assert problem.startswith(f"{good}: level_hash: made against another version of level")


def test_a_save_made_before_practices_cost_team_time_is_refused(good, tmp_path, monkeypatch):
    levels = tmp_path / "levels"
    levels.mkdir()
    text = (levels_dir() / "tutorial.toml").read_text(encoding="utf-8")
    changed = text.replace("team = 3\n", "team = 9\n", 1)
    assert changed != text
    (levels / "tutorial.toml").write_text(changed, encoding="utf-8")
    monkeypatch.setenv(LEVELS_ENV, str(levels))
    (problem,) = problems_of(good)
    assert problem.startswith(f"{good}: level_hash: made against another version of level")


def test_prose_edits_of_a_level_keep_its_saves(good, tmp_path, monkeypatch):
    levels = tmp_path / "levels"
    levels.mkdir()
    text = (levels_dir() / "tutorial.toml").read_text(encoding="utf-8")
    changed = text.replace("Northwind Retail", "Northwind Retail Ltd")
    assert changed != text
    (levels / "tutorial.toml").write_text(changed, encoding="utf-8")
    monkeypatch.setenv(LEVELS_ENV, str(levels))
    assert load_save(good)[1].turn == 2


def test_hand_edited_claims_are_refused(good):
    edit(good, lambda d: d["claimed"].update(score=99.9))
    (problem,) = problems_of(good)
    assert problem.startswith(f"{good}: claimed.score: claimed 99.9, the engine computes ")


def test_hand_edited_decision_is_refused(good):
    edit(good, lambda d: d["turns"][0]["training"].update(gpus=999))
    assert problems_of(good)[0].startswith(f"{good}: turns[0].training.gpus: at most 32 GPUs")


def test_hand_edits_that_change_no_number_are_still_caught(good):
    edit(good, lambda d: d.update(player="Team Blue"))
    (problem,) = problems_of(good)
    assert problem.startswith(
        f"{good}: integrity.checksum: the file was changed after finops-tui wrote it"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "format: required key is missing"),
        (b"\xff\xfe garbage", "encoding: not UTF-8"),
        (b"format = 2\nlevel = ", "toml: "),
        (b"a = " + b"[" * 100_000, "toml: nested too deeply"),
        (b"x = 1\n" * 200_000, "too large to be a save"),
        (b"format = 'two'\n", "format: expected a whole number"),
    ],
)
def test_corrupt_saves_name_the_file_and_the_problem(tmp_path, content, expected):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    (problem, *_) = problems_of(path)
    assert problem.startswith(f"{path}: ") and expected in problem
    assert path.read_bytes() == content


def test_every_truncation_of_a_save_is_refused(good):
    data = good.read_bytes()
    cuts = sorted({i for i, b in enumerate(data) if b == ord("\n")} | set(range(0, len(data), 97)))
    for cut in cuts:
        if not data[cut:].strip():
            continue  # only whitespace was lost: the save is whole
        good.write_bytes(data[:cut])
        with pytest.raises(ContentError) as info:
            load_save(good)
        assert info.value.problems[0].startswith(f"{good}: "), cut


def test_one_bad_save_never_stops_the_others(good, tutorial):
    folder = good.parent
    store = SaveStore(folder)
    store.save_named("second", tutorial, game(tutorial, 1), "Team Green")
    bad = {
        "truncated.toml": good.read_bytes()[:300],
        "garbage.toml": b"\x00\x01\x02",
        "old-format.toml": good.read_bytes().replace(b"format = 2", b"format = 1"),
        "unknown-level.toml": good.read_bytes().replace(
            b'level = "tutorial"', b'level = "atlantis"'
        ),
        "edited.toml": good.read_bytes().replace(b"score = ", b"score = 1"),
    }
    for name, content in bad.items():
        (folder / name).write_bytes(content)
    (folder / "a-folder.toml").mkdir()
    (folder / ".good.toml.abc123.tmp").write_bytes(good.read_bytes()[:100])
    entries = {e.path.name: e for e in store.list()}
    assert set(entries) == {"good.toml", "second.toml", *bad}
    assert entries["good.toml"].problem is None and entries["second.toml"].problem is None
    for name, content in bad.items():
        problem = entries[name].problem
        assert problem and problem.startswith(f"{folder / name}: "), name
        assert (folder / name).read_bytes() == content  # never touched
    assert "format 1" in entries["old-format.toml"].problem
    assert "unknown level 'atlantis'" in entries["unknown-level.toml"].problem
    assert entries["unknown-level.toml"].level == "atlantis"
    assert "claimed.score" in entries["edited.toml"].problem
    assert {e.name for e in store.unfinished()} == {"good", "second"}


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "..",
        ".",
        "/etc/passwd",
        "a/b",
        "a\\b",
        "C:\\Windows\\x",
        "C:x",
        "~/x",
        "",
        "   ",
        "a\x00b",
        "\x00",
        "line\nbreak",
        "tab\there",
        "x" * 65,
        "x" * 10_000,
        ".hidden",
        "trailing.",
        "con",
        "NUL.txt",
        "autosave-tutorial",
        "a*b",
        "a?b",
        "a|b",
        "a:b",
        "a$b",
        "a\u202eb",  # right-to-left override: shows a different name than it is
        "a\u200bb",  # zero-width space
    ],
)
def test_unsafe_save_names_are_refused(tmp_path, tutorial, name):
    with pytest.raises(ContentError) as info:
        safe_save_name(name)
    (problem,) = info.value.problems
    assert problem.startswith("save name ")
    folder = tmp_path / "saves"
    with pytest.raises(ContentError):
        SaveStore(folder).save_named(name, tutorial, game(tutorial, 1))
    assert list(tmp_path.rglob("*")) == []  # nothing written anywhere


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("my save", "my save"),
        ("  padded  ", "padded"),
        ("run_2.final", "run_2.final"),
        ("week-3.toml", "week-3"),
        ("Équipe 3", "Équipe 3"),
        ("チーム", "チーム"),
        ("x" * 64, "x" * 64),
    ],
)
def test_safe_save_names_are_kept(name, stem):
    assert safe_save_name(name) == stem


@given(st.text(max_size=80))
def test_any_accepted_name_stays_in_the_folder(name):
    try:
        stem = safe_save_name(name)
    except ContentError:
        return
    folder = Path("/srv/saves")
    path = folder / f"{stem}.toml"
    assert path.parent == folder and os.path.normpath(path) == str(path)
    assert "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert not stem.startswith(".") and 0 < len(stem) <= 64


def test_player_names_with_control_characters_are_refused(tutorial):
    with pytest.raises(ContentError) as info:
        save_from_state(tutorial, game(tutorial, 1), player="Team\x1b[31mRed")
    assert info.value.problems[0].startswith("player name ")


def test_level_hash_ignores_prose_but_not_numbers(tutorial):
    level = tutorial.level
    assert level_hash(level.model_copy(update={"briefing": "other"})) == level_hash(level)
    assert level_hash(level.model_copy(update={"turns": 4})) != level_hash(level)


def test_the_advanced_setting_is_saved_and_kept_apart(tmp_path):
    advanced = load_scenario("tutorial", setting="advanced")
    standard = load_scenario("tutorial")
    store = SaveStore(tmp_path)
    state = game(advanced, 2)
    path = store.autosave(advanced, state, "Team Red")
    other = store.autosave(standard, game(standard, 1), "Team Red")
    # Starting the advanced game never overwrites the unfinished standard one.
    assert path != other
    scenario, loaded, save = store.load(path)
    assert save.setting == "advanced" and scenario.level.setting == "advanced"
    assert loaded.game_kpis == state.game_kpis and loaded.score == state.score
    entries = {e.path: e for e in store.list()}
    assert entries[path].setting == "advanced" and entries[other].setting == "standard"
    assert entries[path].score == state.score and entries[path].problem is None


def test_a_save_edited_between_two_listings_is_caught(tmp_path, tutorial):
    store = SaveStore(tmp_path)
    path = store.save_named("x", tutorial, game(tutorial, 2))
    assert store.list()[0].problem is None
    edit(path, lambda d: d["claimed"].update(score=99.0))
    assert "claimed.score" in store.list()[0].problem

    # Even with its checksum made to match, changed play is replayed, not remembered.
    def cheat(d):
        d["turns"][1]["training"]["pricing"] = "on-demand"
        d["claimed"]["score"] = saves.read_save(path).claimed.score
        d["integrity"]["checksum"] = save_format._digest(
            {k: v for k, v in d.items() if k != "integrity"}
        )

    edit(path, cheat)
    assert "claimed.score" in store.list()[0].problem


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_saves_get_the_usual_file_mode_not_mkstemps(tmp_path, tutorial):
    path = tmp_path / "game.toml"
    write_save(path, save_from_state(tutorial, game(tutorial, 1)))
    umask = os.umask(0o022)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    path.chmod(0o640)
    write_save(path, save_from_state(tutorial, game(tutorial, 2)))
    assert path.stat().st_mode & 0o777 == 0o640  # an existing save keeps its mode


def test_a_save_keeps_the_events_a_facilitator_injected(tmp_path, scenarios):
    from finops_tui.content.saves import SaveStore
    from finops_tui.engine import Scenario, new_game, resolve_turn, start_decisions
    from finops_tui.engine.level import Event

    base = scenarios["tutorial"]
    event = Event(kind="price_change", title="Prices double", turn=2, magnitude=2.0)
    scenario = Scenario.build(base.level.with_injected([event]), base.catalog)
    state = new_game(scenario, 4)
    for _ in range(2):
        state = resolve_turn(scenario, state, start_decisions(scenario)).state
    store = SaveStore(tmp_path)
    path = store.autosave(scenario, state, "blue")
    loaded_scenario, loaded, save = store.load(path)
    assert save.injected == [event]
    assert loaded.history == state.history
    assert loaded_scenario.level.injected == [event]


@pytest.mark.parametrize("name", ["public-sector", "sandbox"])
def test_a_save_made_before_the_schedule_could_stop_serving_is_refused(name, tmp_path, monkeypatch):
    # These levels' numbers did not change, but their games did: a schedule may now stop
    # the self-hosted fleet. A save hashed the old way must be refused, never misread.
    scenario = load_scenario(name)
    level = scenario.level

    def old_hash(level):
        return save_format._digest(
            level.model_dump(mode="json", exclude=set(save_format.LEVEL_PROSE))
        )

    assert old_hash(level) != level_hash(level)
    path = tmp_path / "old.toml"
    state = play(scenario, 2, plan_decisions(scenario, level.plans["par"])[:2])
    with monkeypatch.context() as m:  # written as before: old hash, a valid checksum
        m.setattr(save_format, "level_hash", old_hash)
        write_save(path, save_from_state(scenario, state))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: level_hash: made against another version of level")


def test_levels_without_a_fleet_keep_their_hash_by_the_old_rule():
    # No self-hosting, no new rule: their saves stay valid.
    scenario = load_scenario("spot-or-reserved")
    level = scenario.level
    old = save_format._digest(level.model_dump(mode="json", exclude=set(save_format.LEVEL_PROSE)))
    assert old == level_hash(level)


def test_a_default_schedule_scope_is_not_written_so_older_saves_keep_their_checksum():
    from finops_tui.engine.decisions import Decisions

    plain = Decisions().model_dump(mode="python")
    assert "schedule_scope" not in plain["practices"]
    scoped = Decisions.model_validate(
        {"practices": {"shutdown_schedule": True, "schedule_scope": "account"}}
    )
    assert scoped.model_dump(mode="json")["practices"]["schedule_scope"] == "account"
    assert Decisions.model_validate(scoped.model_dump()) == scoped


def test_a_spot_or_reserved_save_from_before_the_schedule_scope_is_refused(tmp_path, monkeypatch):
    # The level now offers the scope (a rule that changes its all_on games): a save made
    # against the level without it must be refused by its hash, never replayed.
    scenario = load_scenario("spot-or-reserved")
    level = scenario.level
    enabled = [n for n in level.practices.enabled if n != "schedule_scope"]
    before = level.model_copy(
        update={"practices": level.practices.model_copy(update={"enabled": enabled})}
    )
    assert level_hash(before) != level_hash(level)
    path = tmp_path / "old.toml"
    state = play(scenario, 2, plan_decisions(scenario, level.plans["par"])[:2])
    with monkeypatch.context() as m:
        m.setattr(save_format, "level_hash", lambda _level: level_hash(before))
        write_save(path, save_from_state(scenario, state))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: level_hash: made against another version of level")
