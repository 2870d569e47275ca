"""A finished game is a record: a new game never overwrites it (issue 12, item 1)."""

from __future__ import annotations

import pytest

from finops_tui.content.levels import load_scenario
from finops_tui.content.saves import SaveStore, read_save
from finops_tui.engine import (
    Scenario,
    new_game,
    plan_decisions,
    play,
    resolve_turn,
    start_decisions,
)
from finops_tui.engine.level import Event

PLAYER = "Team Red"
EXTRAS = {
    "quiz": [{"question": 0, "choice": 1, "correct": True}],
    "justification": "Spot, checkpointed.",
    "reflections": {"What surprised you?": "Idle GPUs"},
}


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial")


def game(scenario, turns: int, plan: str = "par", seed: int = 0):
    return play(scenario, seed, plan_decisions(scenario, scenario.level.plans[plan])[:turns])


def record(store, tutorial):
    """A finished game with a quiz answer, a justification and a reflection."""
    path = store.autosave(tutorial, game(tutorial, 3), PLAYER)
    assert store.autosave(tutorial, game(tutorial, 3), PLAYER, EXTRAS, path=path) == path
    return path


def assert_intact(path, tutorial) -> None:
    save = read_save(path)
    assert save.turn == tutorial.level.turns
    assert save.justification == EXTRAS["justification"]
    assert save.reflections == EXTRAS["reflections"] and len(save.quiz) == 1


@pytest.mark.parametrize("plan", ["par", "naive"])
def test_a_new_game_of_the_same_level_never_overwrites_a_finished_one(tmp_path, tutorial, plan):
    store = SaveStore(tmp_path)
    kept = record(store, tutorial)
    # Same level, player and seed; par starts as the record did, naive does not.
    new = store.autosave(tutorial, game(tutorial, 1, plan), PLAYER)
    assert new != kept and new.parent == tmp_path
    assert_intact(kept, tutorial)
    # Played on, the new game keeps to its own file.
    assert store.autosave(tutorial, game(tutorial, 2, plan), PLAYER) == new
    assert read_save(new).turn == 2
    assert_intact(kept, tutorial)
    [finished] = [e for e in store.list() if e.finished]
    assert finished.path == kept and finished.score == game(tutorial, 3).score


def test_a_game_told_to_write_over_another_games_record_gets_a_file_of_its_own(tmp_path, tutorial):
    store = SaveStore(tmp_path)
    kept = record(store, tutorial)
    other = store.autosave(tutorial, game(tutorial, 1, "naive"), PLAYER, path=kept)
    assert other != kept
    assert_intact(kept, tutorial)
    # Another finished game with other decisions, pointed at the record: the same.
    done = store.autosave(tutorial, game(tutorial, 3, "naive"), PLAYER, EXTRAS, path=kept)
    assert done not in (kept, other)
    assert_intact(kept, tutorial)


def test_new_autosave_paths_are_free_and_keep_the_first_games_name(tmp_path, tutorial):
    store = SaveStore(tmp_path)
    first = store.new_autosave_path("tutorial", PLAYER)
    assert not first.exists() and first.name.startswith("autosave-tutorial-team-red-")
    assert store.autosave(tutorial, game(tutorial, 1), PLAYER, path=first) == first
    second = store.new_autosave_path("tutorial", PLAYER)
    assert second != first and not second.exists()
    assert second.stem == first.stem + "-2"
    store.autosave(tutorial, game(tutorial, 1), PLAYER, path=second)
    assert store.new_autosave_path("tutorial", PLAYER).stem == first.stem + "-3"
    # Another player, another setting: names of their own.
    assert store.new_autosave_path("tutorial").name == "autosave-tutorial.toml"
    assert store.new_autosave_path("tutorial", setting="advanced").name == (
        "autosave-tutorial-advanced.toml"
    )


def test_a_damaged_save_is_left_for_its_owner_to_see(tmp_path, tutorial):
    store = SaveStore(tmp_path)
    path = store.autosave(tutorial, game(tutorial, 1), PLAYER)
    text = path.read_text(encoding="utf-8").replace("score = ", "score = 1")
    path.write_text(text, encoding="utf-8")
    written = store.autosave(tutorial, game(tutorial, 2), PLAYER, path=path)
    assert written != path and path.read_text(encoding="utf-8") == text
    assert read_save(written).turn == 2


def test_the_same_finished_game_rewrites_its_own_record(tmp_path, tutorial):
    """The quiz, the justification and the reflections land in the game's own file."""
    store = SaveStore(tmp_path)
    path = store.autosave(tutorial, game(tutorial, 3), PLAYER)
    assert store.autosave(tutorial, game(tutorial, 3), PLAYER, EXTRAS) == path
    assert_intact(path, tutorial)
    assert len(store.list()) == 1


def test_a_resumed_game_without_its_path_plays_on_in_its_own_autosave(tmp_path, tutorial):
    """As a hosted team does after a reconnect: its game is found by what it holds."""
    store = SaveStore(tmp_path)
    kept = record(store, tutorial)
    mine = store.autosave(tutorial, game(tutorial, 1, "naive"), PLAYER)
    # A game of another seed and another player are other games.
    theirs = store.autosave(tutorial, game(tutorial, 1, "naive"), "Team Blue")
    reseeded = store.autosave(tutorial, game(tutorial, 1, "naive", seed=9), PLAYER)
    assert len({kept, mine, theirs, reseeded}) == 4
    assert store.autosave(tutorial, game(tutorial, 2, "naive"), PLAYER) == mine
    assert_intact(kept, tutorial)


def test_events_injected_while_away_stay_in_the_teams_game(tmp_path, tutorial):
    store = SaveStore(tmp_path)
    state = new_game(tutorial, 4)
    state = resolve_turn(tutorial, state, start_decisions(tutorial)).state
    path = store.autosave(tutorial, state, "blue")
    surge = Event(kind="price_change", title="Prices double", turn=3, magnitude=2.0)
    injected = Scenario.build(tutorial.level.with_injected([surge]), tutorial.catalog)
    state = resolve_turn(injected, state, start_decisions(injected)).state
    assert store.autosave(injected, state, "blue") == path
    assert read_save(path).injected == [surge] and read_save(path).turn == 2


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "con", "tab\there", "x" * 65, "é?"])
def test_play_refuses_a_player_name_a_save_name_could_not_be(capsys, name):
    from finops_tui.cli.main import EXIT_USAGE, run

    assert run(["play", "--player", name]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "argument --player: player name" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", ["Team Red", "équipe-3", "blue_2.0", "", "  padded  "])
def test_player_names_that_saves_allow_are_kept(name):
    from finops_tui.cli.main import build_parser

    args = build_parser().parse_args(["play", "--player", name])
    assert args.player == name.strip()
