"""`verify` and `leaderboard`: tampered replays are refused, honest ones ranked fairly."""

from __future__ import annotations

import csv
import json
import os
import tomllib
from pathlib import Path

import pytest
import tomli_w

from finops_tui.cli.main import run
from finops_tui.cli.replays import TIE_BREAK, Row, rank
from finops_tui.content.levels import LEVELS_ENV, levels_dir, load_scenario
from finops_tui.content.saves import SaveStore, save_from_state, write_save
from finops_tui.engine import plan_decisions, play


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = run([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def simulate(capsys, path: Path, plan: str = "par", seed: int = 0, level: str = "tutorial"):
    code, _, err = cli(
        capsys, "simulate", level, "--plan", plan, "--seed", str(seed), "--replay-out", str(path)
    )
    assert code == 0, err
    return path


def replay_as(path: Path, player: str, plan: str = "par", seed: int = 0) -> Path:
    scenario = load_scenario("tutorial")
    state = play(scenario, seed, plan_decisions(scenario, scenario.level.plans[plan]))
    write_save(path, save_from_state(scenario, state, player=player))
    return path


def edit(path: Path, change) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")


@pytest.fixture
def honest(tmp_path, capsys) -> Path:
    return simulate(capsys, tmp_path / "honest.toml")


# --- verify -------------------------------------------------------------------------------


def test_an_honest_replay_verifies(capsys, honest):
    code, out, err = cli(capsys, "verify", honest)
    assert code == 0, err
    assert out == f"{honest}: ok: par, level tutorial, seed 0, score 100.0, 3 stars\n"


def test_an_edited_score_is_refused(capsys, honest):
    edit(honest, lambda d: d["claimed"].update(score=88.4))
    code, out, _ = cli(capsys, "verify", honest)
    assert code == 1
    assert out == f"{honest}: claimed.score: claimed 88.4, the engine computes 100.0\n"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["claimed"].update(stars=2), "claimed.stars: claimed 2, the engine computes 3"),
        (lambda d: d["claimed"].update(spend_usd=1.0), "claimed.spend_usd: claimed 1.0"),
        (lambda d: d["claimed"]["kpis"].update(roi=9.5), "claimed.kpis.roi: claimed 9.5"),
        (lambda d: d["claimed"]["kpis"].pop("waste_share"), "claimed.kpis.waste_share: missing"),
        (lambda d: d["claimed"]["kpis"].update(luck=1.0), "claimed.kpis.luck: the engine computes"),
        (lambda d: d.update(player="Someone Else"), "integrity.checksum: the file was changed"),
        (lambda d: d.update(seed=3), "integrity.checksum: the file was changed"),
        (lambda d: d["turns"].pop(), "claimed.score: claimed 100.0"),
        (lambda d: d.update(level="spot-or-reserved"), "level_hash: made against another version"),
        (lambda d: d.update(level="atlantis"), "level: unknown level 'atlantis'"),
        (lambda d: d.update(format=1), "format: this save is format 1"),
        (lambda d: d.pop("integrity"), "integrity: missing: the file is cut short"),
    ],
)
def test_any_edited_claim_or_field_is_refused(capsys, honest, change, expected):
    edit(honest, change)
    code, out, _ = cli(capsys, "verify", honest)
    assert code == 1
    assert out.startswith(f"{honest}: {expected}"), out
    assert out.count("\n") == 1


def test_an_unfinished_game_is_no_replay(capsys, tmp_path):
    scenario = load_scenario("tutorial")
    state = play(scenario, 0, plan_decisions(scenario, scenario.level.plans["par"])[:2])
    path = tmp_path / "halfway.toml"
    write_save(path, save_from_state(scenario, state, player="Team Red"))
    code, out, _ = cli(capsys, "verify", path)
    assert code == 1
    assert out == (
        f"{path}: turns: the game is not finished (2 of 3 turns played); "
        "only a finished game is a replay\n"
    )


def test_an_edited_decision_is_refused(capsys, honest):
    # On-demand instead of spot in month 2: a real change of play, with a stale claim.
    edit(honest, lambda d: d["turns"][1]["training"].update(pricing="on-demand"))
    code, out, _ = cli(capsys, "verify", honest)
    assert code == 1
    assert out.startswith(f"{honest}: claimed.score: claimed 100.0, the engine computes ")


def test_a_decision_the_level_forbids_is_refused(capsys, honest):
    edit(honest, lambda d: d["turns"][0]["training"].update(gpu="h100"))
    code, out, _ = cli(capsys, "verify", honest)
    assert code == 1
    assert out.startswith(f"{honest}: turns[0].training.gpu: h100 is not offered here")


def edited_level(tmp_path: Path) -> Path:
    folder = tmp_path / "edited-levels"
    folder.mkdir()
    text = (levels_dir() / "tutorial.toml").read_text(encoding="utf-8")
    easier = text.replace("per_period_usd = 4000", "per_period_usd = 9000")
    assert easier != text
    path = folder / "tutorial.toml"
    path.write_text(easier, encoding="utf-8")
    return path


def test_a_replay_played_on_an_edited_level_is_refused(capsys, tmp_path):
    level = edited_level(tmp_path)
    cheat = simulate(capsys, tmp_path / "cheat.toml", plan="naive", level=str(level))
    assert tomllib.loads(cheat.read_text(encoding="utf-8"))["level"] == "tutorial"
    code, out, _ = cli(capsys, "verify", cheat)
    assert code == 1
    assert out.startswith(f"{cheat}: level_hash: made against another version of level 'tutorial'")


def test_an_honest_replay_is_refused_against_an_edited_level(capsys, tmp_path, honest, monkeypatch):
    monkeypatch.setenv(LEVELS_ENV, str(edited_level(tmp_path).parent))
    code, out, _ = cli(capsys, "verify", honest)
    assert code == 1
    assert out.startswith(f"{honest}: level_hash: made against another version")


def test_verify_reports_every_file_once_and_never_a_traceback(capsys, tmp_path, honest):
    garbage = tmp_path / "garbage.toml"
    garbage.write_bytes(b"\x00\xff" * 50)
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    missing = tmp_path / "missing.toml"
    plan = tmp_path / "plan.toml"
    plan.write_text("[[turn]]\npractices = { tagging = 1.0 }\n", encoding="utf-8")
    names = [honest, garbage, folder, missing, plan, honest]
    code, out, err = cli(capsys, "verify", *names)
    assert code == 1 and "Traceback" not in out + err
    lines = out.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [str(n) for n in names]
    assert lines[0].endswith("3 stars") and lines[-1] == lines[0]
    assert "encoding: not UTF-8" in lines[1]
    assert "is a folder" in lines[2]
    assert "file not found" in lines[3]
    assert "format: required key is missing" in lines[4]


def test_verify_needs_a_replay(capsys):
    code, _, err = cli(capsys, "verify")
    assert code == 2 and "verify" in err


# --- leaderboard --------------------------------------------------------------------------


@pytest.fixture
def field(tmp_path, capsys) -> dict[str, Path]:
    """Four teams on tutorial seed 0: two play par (a tie), one naive, one cheats."""
    paths = {
        "red": replay_as(tmp_path / "red.toml", "Team Red"),
        "blue": replay_as(tmp_path / "blue.toml", "team blue"),
        "green": replay_as(tmp_path / "green.toml", "Team Green", plan="naive"),
        "cheat": replay_as(tmp_path / "cheat.toml", "Team Cheat", plan="naive"),
    }
    edit(paths["cheat"], lambda d: d["claimed"].update(score=100.0, stars=3))
    return paths


def test_leaderboard_ranks_what_the_engine_computes(capsys, field):
    names = [field["green"], field["red"], field["blue"]]
    code, out, err = cli(capsys, "leaderboard", *names)
    assert code == 0, err
    table = [line.split() for line in out.splitlines()[4:7]]
    # Equal score, spend and turns over budget: a shared rank, listed by name.
    assert [row[:3] for row in table] == [
        ["1=", "team", "blue"],
        ["1=", "Team", "Red"],
        ["3", "Team", "Green"],
    ]
    assert out.splitlines()[0] == "Leaderboard: tutorial, seed 0 (3 replays verified)"
    assert f"Ties: {TIE_BREAK}." in out
    assert out.splitlines()[-1] == (
        f"Identical play (the same decisions every turn): {field['red']}, {field['blue']}"
    )


def test_leaderboard_json_and_csv(capsys, tmp_path, field):
    out_csv = tmp_path / "board" / "board.csv"
    code, out, _ = cli(
        capsys,
        "leaderboard",
        field["red"],
        field["green"],
        field["blue"],
        "--json",
        "--csv",
        out_csv,
    )
    assert code == 0
    board = json.loads(out)
    assert board["tie_break"] == TIE_BREAK and board["mixed"] is False
    assert board["rejected"] == []
    # Red and blue both played par: shown for a facilitator to look at, not refused.
    assert board["identical_play"] == [[str(field["red"]), str(field["blue"])]]
    rows = board["rows"]
    assert [(r["rank"], r["player"]) for r in rows] == [
        (1, "team blue"),
        (1, "Team Red"),
        (3, "Team Green"),
    ]
    assert set(rows[0]) >= {"rank", "player", "level", "seed", "score", "stars", "file"}
    assert rows[0]["score"] == 100.0 and rows[0]["stars"] == 3
    assert rows[0]["file"] == str(field["blue"]) and rows[0]["level"] == "tutorial"
    assert rows[2]["spend_usd"] > rows[0]["spend_usd"]
    with out_csv.open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [(r["rank"], r["player"], r["score"]) for r in table] == [
        ("1", "team blue", "100.0"),
        ("1", "Team Red", "100.0"),
        ("3", "Team Green", "46.6"),  # naive, after the tutorial's rebalance
    ]


def test_a_tampered_replay_is_left_off_the_board(capsys, field):
    code, out, err = cli(capsys, "leaderboard", *field.values(), "--json")
    assert code == 1
    board = json.loads(out)
    assert [r["player"] for r in board["rows"]] == ["team blue", "Team Red", "Team Green"]
    (rejected,) = board["rejected"]
    assert rejected["file"] == str(field["cheat"])
    assert rejected["problem"].startswith(f"{field['cheat']}: claimed.score: claimed 100.0")
    assert err.startswith(f"{field['cheat']}: claimed.score")


def test_mixed_seeds_are_refused_unless_asked(capsys, tmp_path, field):
    other = replay_as(tmp_path / "seed7.toml", "Team Seven", seed=7)
    code, out, err = cli(capsys, "leaderboard", field["red"], other)
    assert code == 2 and out == ""
    assert "different levels or seeds" in err and "--allow-mixed" in err
    assert f"tutorial seed 7: {other}" in err
    code, out, _ = cli(capsys, "leaderboard", field["red"], other, "--allow-mixed", "--json")
    assert code == 0
    board = json.loads(out)
    assert board["mixed"] is True
    assert {(r["player"], r["seed"]) for r in board["rows"]} == {("Team Red", 0), ("Team Seven", 7)}


def test_mixed_levels_are_refused_unless_asked(capsys, tmp_path, field):
    other = simulate(capsys, tmp_path / "sor.toml", level="spot-or-reserved")
    code, _, err = cli(capsys, "leaderboard", field["red"], other)
    assert code == 2 and "spot-or-reserved seed 0" in err
    code, out, _ = cli(capsys, "leaderboard", field["red"], other, "--allow-mixed")
    assert code == 0 and "mixed levels and seeds" in out


def test_the_same_file_twice_counts_once(capsys, field):
    code, out, _ = cli(capsys, "leaderboard", field["red"], field["red"], "--json")
    assert code == 0 and len(json.loads(out)["rows"]) == 1


def test_the_csv_never_overwrites_a_replay(capsys, field):
    before = field["red"].read_bytes()
    code, _, err = cli(capsys, "leaderboard", field["red"], "--csv", field["red"])
    assert code == 2 and "is one of the replays" in err
    assert field["red"].read_bytes() == before


def test_a_team_name_is_never_a_spreadsheet_formula(capsys, tmp_path):
    replay = replay_as(tmp_path / "f.toml", '=HYPERLINK("http://x","y")')
    out_csv = tmp_path / "board.csv"
    assert cli(capsys, "leaderboard", replay, "--csv", out_csv)[0] == 0
    with out_csv.open(newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["player"] == "'" + '=HYPERLINK("http://x","y")'


def test_nothing_verified_means_nothing_ranked(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("nonsense", encoding="utf-8")
    code, out, err = cli(capsys, "leaderboard", bad)
    assert code == 1 and out == ""
    assert err.splitlines()[0].startswith(f"{bad}: toml: ")


def row(player: str, score: float, spend: float, over: int) -> Row:
    return Row(f"{player}.toml", player, "tutorial", "standard", 0, score, 3, spend, over, 3)


def test_the_tie_break_rule():
    ranked = rank(
        [
            row("d", 90.0, 100.0, 0),
            row("c", 90.0, 100.004, 0),  # the same spend to the cent as d: still a tie
            row("b", 90.0, 100.0, 1),  # more turns over budget
            row("a", 90.0, 120.0, 0),  # more spend
            row("e", 95.0, 500.0, 3),  # the score comes first
        ]
    )
    assert [(place, r.player) for place, r in ranked] == [
        (1, "e"),
        (2, "c"),
        (2, "d"),
        (4, "b"),
        (5, "a"),
    ]


def test_an_advanced_replay_verifies_and_is_not_ranked_with_standard_ones(capsys, tmp_path):
    standard = simulate(capsys, tmp_path / "standard.toml")
    code, _, err = cli(
        capsys,
        "simulate",
        "tutorial",
        "--plan",
        "par",
        "--advanced",
        "--replay-out",
        tmp_path / "advanced.toml",
    )
    assert code == 0, err
    advanced = tmp_path / "advanced.toml"
    code, out, _ = cli(capsys, "verify", advanced)
    assert code == 0 and out.startswith(f"{advanced}: ok: par, level tutorial (advanced), seed 0")
    code, _, err = cli(capsys, "leaderboard", standard, advanced)
    assert code == 2 and "tutorial (advanced) seed 0" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_refused_not_read_forever(capsys, tmp_path):
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)
    code, out, _ = cli(capsys, "verify", pipe)
    assert code == 1 and out == f"{pipe}: not a regular file, expected a save\n"
    assert SaveStore(tmp_path).list() == []


# --- verifying many at once: the batch engine, the same verdicts ---------------------------


def replay_of(path: Path, level: str, plan: str, seed: int, player: str, setting="standard"):
    scenario = load_scenario(level, setting=setting)
    state = play(scenario, seed, plan_decisions(scenario, scenario.level.plans[plan]))
    write_save(path, save_from_state(scenario, state, player=player))
    return path


def over_the_hard_cap(data: dict) -> None:
    """Turn 3 of foundation-budget trains 64 H100 on demand: far over its hard cap."""
    data["turns"][2]["training"].update(gpus=64, tokens=1e13, pricing="on-demand")


@pytest.fixture
def a_class(tmp_path) -> list[Path]:
    """Honest and tampered replays mixed, failing in different ways, several per group."""
    f = tmp_path
    files = [replay_of(f / f"team{i}.toml", "tutorial", "par", 0, f"Team {i}") for i in range(4)]
    files += [
        replay_of(f / "naive.toml", "tutorial", "naive", 0, "Naive"),
        replay_of(f / "seed3.toml", "tutorial", "par", 3, "Other seed"),
        replay_of(f / "adv.toml", "tutorial", "par", 0, "Advanced", setting="advanced"),
        replay_of(f / "cap-ok.toml", "foundation-budget", "par", 0, "Capped"),
        replay_of(f / "cap-over.toml", "foundation-budget", "par", 0, "Over"),
        replay_of(f / "score.toml", "tutorial", "par", 0, "Score"),
        replay_of(f / "hash.toml", "tutorial", "par", 0, "Hash"),
        replay_of(f / "forbidden.toml", "tutorial", "par", 0, "Forbidden"),
        replay_of(f / "replayed.toml", "tutorial", "par", 0, "Replayed"),
        replay_of(f / "player.toml", "tutorial", "par", 0, "Player"),
        replay_of(f / "stars.toml", "tutorial", "naive", 0, "Stars"),
        replay_of(f / "atlantis1.toml", "tutorial", "par", 0, "Lost 1"),
        replay_of(f / "atlantis2.toml", "tutorial", "par", 0, "Lost 2"),
    ]
    edit(f / "cap-over.toml", over_the_hard_cap)
    edit(f / "score.toml", lambda d: d["claimed"].update(score=88.4))
    edit(f / "hash.toml", lambda d: d.update(level_hash="sha256:" + "0" * 64))
    edit(f / "forbidden.toml", lambda d: d["turns"][0]["training"].update(gpu="h100"))
    edit(f / "replayed.toml", lambda d: d["turns"][1]["training"].update(pricing="on-demand"))
    edit(f / "player.toml", lambda d: d.update(player="Someone Else"))
    edit(f / "stars.toml", lambda d: d["claimed"].update(stars=3))
    for name in ("atlantis1.toml", "atlantis2.toml"):
        edit(f / name, lambda d: d.update(level="atlantis"))
    unfinished = f / "halfway.toml"
    scenario = load_scenario("tutorial")
    state = play(scenario, 0, plan_decisions(scenario, scenario.level.plans["par"])[:2])
    write_save(unfinished, save_from_state(scenario, state, player="Halfway"))
    (f / "not-toml.toml").write_text("this is [not toml\n", encoding="utf-8")
    (f / "cut.toml").write_text(files[0].read_text(encoding="utf-8")[:300], encoding="utf-8")
    (f / "folder.toml").mkdir()
    files += [unfinished, f / "not-toml.toml", f / "cut.toml", f / "folder.toml", f / "gone.toml"]
    files.append(files[0])  # the same file twice
    return files


def one_by_one(paths: list[Path]) -> list[tuple]:
    from finops_tui.content.errors import ContentError
    from finops_tui.content.saves import verify_replay

    out = []
    for path in paths:
        try:
            _, state, save = verify_replay(path)
        except ContentError as exc:
            out.append(("refused", exc.problems))
            continue
        over = sum(r.spend_usd > r.budget_usd for r in state.history)
        out.append(("ok", save.player, state.score, state.stars, state.spend_usd, over))
    return out


def in_batches(paths: list[Path], processes: int) -> list[tuple]:
    from finops_tui.content.errors import ContentError
    from finops_tui.content.verify import verify_replays

    out = []
    for v in verify_replays(paths, processes=processes):
        if isinstance(v, ContentError):
            out.append(("refused", v.problems))
        else:
            out.append(("ok", v.player, v.score, v.stars, v.spend_usd, v.turns_over_budget))
    return out


@pytest.mark.parametrize("processes", [1, 2])
def test_batches_give_the_verdicts_of_one_by_one(a_class, processes):
    expected = one_by_one(a_class)
    assert in_batches(a_class, processes) == expected
    verdicts = {p.name: v for p, v in zip(a_class, expected, strict=True)}
    # The mix is what it claims to be: each tampered file fails in its own way.
    assert [verdicts[f"team{i}.toml"][0] for i in range(4)] == ["ok"] * 4
    assert verdicts["cap-ok.toml"][0] == "ok" and verdicts["adv.toml"][0] == "ok"
    assert verdicts["cap-over.toml"][1][0].split(": ")[1] == "turns[2].budget"
    assert verdicts["score.toml"][1][0].split(": ")[1] == "claimed.score"
    assert verdicts["stars.toml"][1][0].split(": ")[1] == "claimed.stars"
    assert verdicts["hash.toml"][1][0].split(": ")[1] == "level_hash"
    assert verdicts["forbidden.toml"][1][0].split(": ")[1] == "turns[0].training.gpu"
    assert verdicts["player.toml"][1][0].split(": ")[1] == "integrity.checksum"
    assert verdicts["halfway.toml"][1][0].split(": ")[1] == "turns"
    assert verdicts["atlantis2.toml"][1][0].startswith(f"{a_class[0].parent}/atlantis2.toml: ")
    assert verdicts["not-toml.toml"][1][0].split(": ")[1] == "toml"
    assert verdicts["gone.toml"][1] == [f"{a_class[0].parent}/gone.toml: file not found"]


@pytest.mark.parametrize(
    "text",
    [
        "\ufeff{save}",  # a byte-order mark: tomllib refuses it
        '{save}\nextra = "\\e"\n',  # TOML 1.1 escapes: tomllib refuses them
        "{save}\nextra = {{a = 1,}}\n",  # a trailing comma in an inline table
    ],
)
def test_what_tomllib_refuses_is_refused_in_batches_too(tmp_path, text):
    path = replay_of(tmp_path / "r.toml", "tutorial", "par", 0, "Team")
    path.write_text(text.format(save=path.read_text(encoding="utf-8")), encoding="utf-8")
    expected = one_by_one([path])
    assert expected[0][0] == "refused"
    assert in_batches([path], 1) == expected


def test_a_turns_decisions_become_the_arrays_one_by_one_would(sandbox):
    from dataclasses import fields

    import numpy as np

    from finops_tui.content.verify import _choices, _turn_arrays
    from finops_tui.engine.kernel import DecisionArrays

    par = plan_decisions(sandbox, sandbox.level.plans["par"])
    naive = plan_decisions(sandbox, sandbox.level.plans["naive"])
    mixed = [par[0], naive[0], par[0].model_copy(update={"forecast_usd": 123.0}), naive[1]]
    arrays, refused = _turn_arrays(sandbox, mixed, {_choices(d): False for d in mixed})
    expected = DecisionArrays.from_decisions(sandbox, mixed)
    for f in fields(expected):
        assert np.array_equal(getattr(arrays, f.name), getattr(expected, f.name)), f.name
    assert not refused.any()


def test_verify_and_leaderboard_use_the_batches(capsys, a_class):
    code, out, _ = cli(capsys, "verify", *a_class)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == len(a_class)
    assert lines[0].startswith(f"{a_class[0]}: ok: Team 0, level tutorial, seed 0")
    assert [line.split(": ")[1] for line in lines] == [
        "ok" if v[0] == "ok" else v[1][0].split(": ")[1] for v in one_by_one(a_class)
    ]


def test_honest_replays_are_played_in_one_batch_not_one_by_one(a_class, monkeypatch):
    import finops_tui.content.verify as verify

    alone: list[Path] = []
    single = verify.verify_replay

    def counted(path, scenario=None):
        alone.append(Path(path).name)
        return single(path, scenario)

    monkeypatch.setattr(verify, "verify_replay", counted)
    verdicts = in_batches(a_class, 1)
    honest = {p.name for p, v in zip(a_class, verdicts, strict=True) if v[0] == "ok"}
    assert len(honest) >= 8
    assert not honest & set(alone)
    assert "cap-over.toml" in alone  # refused by the batch's hard-cap check, told alone
