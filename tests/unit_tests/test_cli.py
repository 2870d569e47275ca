"""The headless CLI: its contract (names, JSON keys, exit codes) and its errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from finops_tui.cli.main import run
from finops_tui.content.levels import levels_dir

TUTORIAL = (levels_dir() / "tutorial.toml").read_text(encoding="utf-8")


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_levels_json(capsys):
    code, out, _ = cli(capsys, "levels", "--json")
    rows = json.loads(out)
    assert code == 0
    assert {row["id"] for row in rows} >= {"tutorial", "spot-or-reserved", "sandbox"}
    for row in rows:
        assert set(row) == {"id", "title", "difficulty", "turns", "quiz"}
        assert set(row["quiz"]) == {"basic", "intermediate", "advanced"}
    counts = {row["id"]: row["quiz"] for row in rows}
    assert counts["sandbox"] == {"basic": 0, "intermediate": 0, "advanced": 0}
    assert all(min(n.values()) >= 3 for level, n in counts.items() if level != "sandbox")
    assert rows[0]["id"] == "tutorial"  # easiest first


def test_validate_accepts_the_shipped_levels(capsys):
    paths = sorted(str(p) for p in levels_dir().glob("*.toml"))
    code, out, _ = cli(capsys, "validate", *paths)
    assert code == 0, out


def _without_naive_plan(text: str) -> str:
    return text[: text.index("[plans.naive]")]


BAD_LEVELS = {
    "toml-syntax": (lambda t: t.replace("turns = 3", "turns = = 3"), "toml: "),
    "wrong-type": (lambda t: t.replace("turns = 3", 'turns = "three"'), "turns: "),
    "unknown-key": (lambda t: 'colour = "red"\n' + t, "colour: unknown key"),
    "negative-price": (
        lambda t: t + "\n[prices.gpus.h100.price]\non_demand = -1.0\n",
        "prices.gpus.h100.price.on_demand: ",
    ),
    "probability": (
        lambda t: (
            t + '\n[[events.random]]\nkind = "runaway_job"\nprobability = 1.5\nmagnitude = 4\n'
            'title = "x"\n'
        ),
        "events.random[0].probability: ",
    ),
    "nan": (lambda t: t.replace("value_usd = 60000", "value_usd = nan"), "training.value_usd: "),
    "inf": (
        lambda t: t.replace("per_period_usd = 4000", "per_period_usd = inf"),
        "budget.per_period_usd: ",
    ),
    "unknown-gpu": (
        lambda t: t.replace('gpus = ["a100-80gb", "a100-40gb"]', 'gpus = ["a100-80gb", "h900"]'),
        "training.gpus[1]: ",
    ),
    "missing-plan": (_without_naive_plan, "plans.naive is missing"),
    "unplayable-plan": (
        lambda t: t.replace(
            'pricing = "spot", tokens = 20.5e9', 'pricing = "commit-3y", tokens = 20.5e9'
        ),
        "plans.par.turn[0].training.pricing: ",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_LEVELS))
def test_validate_names_the_file_and_the_key(capsys, tmp_path, case):
    mutate, expected = BAD_LEVELS[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(mutate(TUTORIAL), encoding="utf-8")
    code, out, err = cli(capsys, "validate", str(path))
    assert code == 1
    lines = out.strip().splitlines()
    assert lines, err
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    assert any(expected in line for line in lines), lines
    assert "Traceback" not in out + err


def test_validate_rejects_a_file_that_is_not_utf8(capsys, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(TUTORIAL.encode("utf-8").replace(b"Northwind", b"Nor\xffthwind"))
    code, out, _ = cli(capsys, "validate", str(path))
    assert code == 1
    assert out.startswith(f"{path}: encoding: not UTF-8")


def test_validate_reports_every_file(capsys, tmp_path):
    good = levels_dir() / "tutorial.toml"
    missing = tmp_path / "nope.toml"
    code, out, _ = cli(capsys, "validate", str(good), str(missing))
    assert code == 1
    assert f"{good}: ok" in out and f"{missing}: file not found" in out


def test_schema_is_json_schema(capsys):
    code, out, _ = cli(capsys, "schema")
    schema = json.loads(out)
    assert code == 0
    assert schema["type"] == "object"
    assert {"id", "turns", "budget", "scoring", "plans"} <= set(schema["properties"])
    assert "briefing" in schema["required"]


def test_simulate_json_contract(capsys):
    code, out, _ = cli(
        capsys, "simulate", "spot-or-reserved", "--plan", "par", "--seed", "4", "--json"
    )
    result = json.loads(out)
    assert code == 0
    assert {"level", "seed", "score", "stars", "turns"} <= set(result)
    assert result["level"] == "spot-or-reserved" and result["seed"] == 4
    assert len(result["turns"]) == 12
    for i, turn in enumerate(result["turns"], start=1):
        assert turn["turn"] == i
        assert {"spend_usd", "budget_usd", "kpis"} <= set(turn)


def test_simulate_table(capsys):
    code, out, _ = cli(capsys, "simulate", "tutorial", "--plan", "naive")
    assert code == 0
    assert "Turn" in out and "Score" in out
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 3


def test_simulate_a_plan_file(capsys, tmp_path):
    plan = tmp_path / "mine.toml"
    plan.write_text(
        'level = "tutorial"\n[[turn]]\n'
        'training = { gpus = 16, pricing = "spot", tokens = 20.5e9, checkpoint_hours = 2 }\n',
        encoding="utf-8",
    )
    code, out, _ = cli(capsys, "simulate", "tutorial", "--plan", str(plan), "--json")
    assert code == 0
    assert json.loads(out)["turns"][0]["spend_usd"] > 0


def test_simulate_a_plan_with_a_bad_decision(capsys, tmp_path):
    plan = tmp_path / "bad.toml"
    plan.write_text("[[turn]]\ntraining = { gpus = -3 }\n", encoding="utf-8")
    code, _, err = cli(capsys, "simulate", "tutorial", "--plan", str(plan))
    assert code == 1
    assert err.startswith(f"{plan}: turn[0].training.gpus: ")


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "no-such-level", "--plan", "par"],
        ["simulate", "tutorial", "--plan", "no-such-plan"],
    ],
)
def test_unknown_names_are_one_clear_line(capsys, argv):
    code, _, err = cli(capsys, *argv)
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "no such" in err


def test_calc_train_json(capsys):
    code, out, _ = cli(
        capsys,
        "calc",
        "train",
        "--params",
        "7e9",
        "--tokens",
        "1.4e11",
        "--gpu",
        "h100",
        "--gpus",
        "64",
        "--json",
    )
    result = json.loads(out)
    assert code == 0
    assert {"flops", "gpu_hours", "wall_clock_hours", "cost_usd", "energy_kwh", "co2e_kg"} <= set(
        result
    )
    assert result["flops"] == pytest.approx(5.88e21)
    assert result["cost_usd"] == pytest.approx(4128.75 * 6.88, abs=0.01)


def test_calc_accepts_plain_and_scientific_notation(capsys):
    _, sci, _ = cli(
        capsys, "calc", "train", "--params", "7e9", "--tokens", "1e11", "--gpu", "l4", "--json"
    )
    _, plain, _ = cli(
        capsys,
        "calc",
        "train",
        "--params",
        "7000000000",
        "--tokens",
        "100000000000",
        "--gpu",
        "l4",
        "--json",
    )
    assert json.loads(sci) == json.loads(plain)


def test_calc_serve_json_and_reason(capsys):
    code, out, _ = cli(
        capsys, "calc", "serve", "--params", "70e9", "--gpu", "l4", "--gpus", "2", "--json"
    )
    result = json.loads(out)
    assert code == 0
    assert {
        "fits",
        "memory_gb",
        "tokens_per_second",
        "cost_per_million_tokens_usd",
        "gpus_needed",
    } <= set(result)
    assert result["fits"] is False
    code, out, _ = cli(capsys, "calc", "serve", "--params", "70e9", "--gpu", "l4", "--gpus", "2")
    assert "Does not fit" in out and "GB" in out


def test_calc_optimal_json(capsys):
    code, out, _ = cli(capsys, "calc", "optimal", "--flops", "1e21", "--json")
    result = json.loads(out)
    assert code == 0
    assert 15 <= result["tokens"] / result["params"] <= 25
    assert result["loss"] == pytest.approx(2.305, abs=0.01)


@pytest.mark.parametrize(
    "argv",
    [
        ["calc", "train", "--params", "abc", "--tokens", "1e9", "--gpu", "h100"],
        ["calc", "train", "--params", "7e9", "--tokens", "1e9", "--gpu", "h900"],
        ["calc", "serve", "--params", "-5", "--gpu", "h100"],
        ["calc", "optimal"],
        ["simulate", "tutorial"],
        ["simulate", "tutorial", "--plan", "par", "--seed", "-1"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(capsys, argv):
    code, out, err = cli(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and out == ""


def test_same_inputs_give_byte_identical_json_in_two_processes(tmp_path):
    argv = [
        sys.executable,
        "-m",
        "finops_tui",
        "simulate",
        "sandbox",
        "--plan",
        "par",
        "--seed",
        "7",
        "--json",
    ]
    outputs = []
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(argv, capture_output=True, check=True, env=env, cwd=tmp_path)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["turns"]


def test_a_bad_file_never_prints_a_traceback(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("id = [", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "finops_tui", "simulate", str(path), "--plan", "par"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"{path}: toml: ")
    assert "Traceback" not in done.stderr


def test_levels_are_found_from_an_installed_wheel(tmp_path):
    """Build the wheel, install it alone into a folder, run it from elsewhere."""
    root = Path(__file__).resolve().parents[2]
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(root)],
        check=True,
        capture_output=True,
    )
    target = tmp_path / "site"
    wheel = next(wheels.glob("finops_tui-*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("FINOPS_TUI_LEVELS", None)
    code = "import finops_tui, sys; print(finops_tui.__file__)"
    where = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=elsewhere,
        check=True,
    )
    assert where.stdout.startswith(str(target))
    done = subprocess.run(
        [sys.executable, "-m", "finops_tui", "levels", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=elsewhere,
        check=True,
    )
    ids = {row["id"] for row in json.loads(done.stdout)}
    assert {"tutorial", "spot-or-reserved"} <= ids


def test_a_deeply_nested_file_is_refused_without_a_traceback(capsys, tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    code, out, _ = cli(capsys, "validate", str(path))
    assert code == 1 and out.startswith(f"{path}: toml: ")


def test_a_level_id_is_never_mistaken_for_a_local_file(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tutorial").write_text("not a level", encoding="utf-8")
    code, out, _ = cli(capsys, "simulate", "tutorial", "--plan", "par", "--json")
    assert code == 0 and json.loads(out)["level"] == "tutorial"


def test_the_bench_table_judges_the_fan_bar_and_shows_the_typed_on_figure() -> None:
    from finops_tui.cli.bench import table

    machine = {"cores": 2, "cpu": "x86_64", "python": "3.11"}
    fast = table({"machine": machine, "fan_redraw_ms": 80.0, "fan_redraw_typed_on_ms": 140.0})
    row = next(line for line in fast.splitlines() if line.startswith("fan_redraw_ms"))
    assert row.split()[1:] == ["80", "<", "100", "ok"]
    assert any(line.split() == ["fan_redraw_typed_on_ms", "140"] for line in fast.splitlines())
    slow = table({"machine": machine, "fan_redraw_ms": 150.0})
    assert "MISSED" in next(line for line in slow.splitlines() if "fan_redraw_ms" in line)
    unmeasured = table({"machine": machine})
    assert "not measured" in next(
        line for line in unmeasured.splitlines() if line.startswith("fan_redraw_ms")
    )


def test_simulate_imports_no_ui_no_ssh_and_no_other_command():
    """The headless start: `finops-tui simulate` loads only what simulate uses."""
    code = (
        "import sys, io, contextlib\n"
        "from finops_tui.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    status = main(['simulate', 'tutorial', '--plan', 'par'])\n"
        "unused = ('textual', 'rich', 'asyncssh', 'textual_serve', 'finops_tui.ui',\n"
        "          'finops_tui.serve', 'finops_tui.cli.host', 'finops_tui.cli.bench',\n"
        "          'finops_tui.cli.export', 'finops_tui.cli.replays', 'finops_tui.content.saves')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(unused))\n"
        "print(status, ' '.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0", done.stdout


def test_bench_exits_1_naming_the_seed_where_the_batch_differs(monkeypatch, capsys):
    from finops_tui.cli import bench

    monkeypatch.setattr(bench, "resolve_turn_ms", lambda quick: 1.0)
    monkeypatch.setattr(bench, "process_start_figures", lambda quick: {})
    monkeypatch.setattr(bench, "verify_figures", lambda quick: {})
    monkeypatch.setattr(bench, "ui_figures", lambda quick: {})
    differs = {"batch_identical": False, "batch_difference": "seed 7: turn 3: spend 1.0, ..."}
    monkeypatch.setattr(bench, "batch_figures", lambda seeds, quick: differs)
    assert run(["bench", "--json"]) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["batch_identical"] is False
    assert out.err.splitlines() == [
        "finops-tui bench: batch_identical: false: seed 7: turn 3: spend 1.0, ..."
    ]
    monkeypatch.setattr(bench, "batch_figures", lambda seeds, quick: {"batch_identical": True})
    assert run(["bench", "--json"]) == 0


def test_the_bench_names_the_first_difference_of_a_game(sandbox):
    import numpy as np

    from finops_tui.cli.bench import game_difference
    from finops_tui.engine import plan_decisions, play
    from finops_tui.engine.batch import play_batch

    decisions = plan_decisions(sandbox, sandbox.level.plans["naive"])
    result = play_batch(sandbox, np.array([4, 5]), decisions)
    assert game_difference(sandbox, play(sandbox, 4, decisions), result, 0) is None
    assert game_difference(sandbox, play(sandbox, 4, decisions), result, 1) is not None


def test_the_bench_loops_a_stated_sample_spread_over_the_batch():
    from finops_tui.cli.bench import LOOP_SEEDS, loop_sample

    sample = loop_sample(10_000)
    assert sample.size == LOOP_SEEDS == 300
    assert sample[0] == 0 and sample[-1] == 9_999 and (sample[1:] > sample[:-1]).all()
    assert loop_sample(50).tolist() == list(range(50))


def test_the_bench_table_judges_the_new_bars():
    from finops_tui.cli.bench import table

    machine = {"cores": 2, "cpu": "x86_64", "python": "3.11"}
    text = table(
        {"machine": machine, "simulate_import_ratio": 2.0, "verify_s": 12.5, "bench_s": 61.0}
    )
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    assert rows["simulate_import_ratio"][1:] == ["2", "<=", "2", "ok"]
    assert rows["verify_s"][-1] == "MISSED" and rows["bench_s"][-1] == "ok"


def test_every_command_of_the_parser_has_a_function():
    """A command the parser accepts but no table runs would fail only when a user types it."""
    import argparse

    from finops_tui.cli.main import COMMANDS, build_parser, command_function

    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    apps = {"play", "facilitate", "scoreboard"}  # Textual programs, started by run() itself
    assert set(commands.choices) - apps == set(COMMANDS)
    for name in COMMANDS:
        assert callable(command_function(name)), name


def test_calc_train_json_says_whether_the_run_fits(capsys):
    """ZeRO (Rajbhandari et al. 2020): 70B x 16 bytes = 1,120 GB of training state; 8 x T4
    hold 128 GB (NVIDIA data sheet). The report still prints, with the reason."""
    code, out, _ = cli(
        capsys, "calc", "train", "--params", "70e9", "--tokens", "1e12", "--gpu", "t4", "--json"
    )
    result = json.loads(out)
    assert code == 0
    assert result["fits"] is False and result["reason"]
    assert result["memory_per_gpu_gb"] == pytest.approx(1120 / 8)
    code, out, _ = cli(
        capsys, "calc", "train", "--params", "7e9", "--tokens", "1e11", "--gpu", "h100", "--json"
    )
    result = json.loads(out)
    assert result["fits"] is True and result["reason"] == ""
    assert result["memory_per_gpu_gb"] == pytest.approx(112 / 8)
    assert 2 <= result["min_gpus"] <= 8  # 112 GB over 80 GB GPUs, less activations


def test_calc_train_text_refuses_a_run_that_does_not_fit(capsys):
    code, out, _ = cli(
        capsys, "calc", "train", "--params", "70e9", "--tokens", "1e12", "--gpu", "h100"
    )
    assert code == 0
    assert "Does not fit: 70B needs about 1,120 GB of training state" in out
    assert "8 x h100 hold 640 GB" in out and "take at least" in out


def test_the_calculator_never_calls_a_run_that_does_not_fit_cheapest():
    """The issue's case: 7B on 8 GPUs. 8 x T4 spot was ranked cheapest, but a T4 has no
    bf16 and 8 of them hold 128 GB for 112 GB of state plus activations."""
    from finops_tui.content.catalog import shipped_catalog
    from finops_tui.gameplay.cost_calculator import (
        TrainInputs,
        compare_training,
        train_cost_cell,
        training_csv,
        training_summary,
    )

    c = compare_training(shipped_catalog(), TrainInputs(7e9, 1.4e11, gpus=8))
    assert c.cheapest is not None and c.cheapest[0] != "t4"
    t4 = next(r for r in c.rows if r.gpu == "t4")
    assert not t4.fits and train_cost_cell(t4, "spot") == "no fit"
    assert next(r for r in c.rows if r.gpu == c.cheapest[0]).fits
    rows = list(csv.DictReader(io.StringIO(training_csv(c))))
    assert {r["fits"] for r in rows if r["gpu"] == "t4"} == {"no"}
    assert all(r["reason"] for r in rows if r["gpu"] == "t4")
    none = compare_training(shipped_catalog(), TrainInputs(70e9, 1.4e12, gpus=4))
    assert none.cheapest is None
    assert "fits on none with 4 GPUs" in "\n".join(training_summary(none))


def test_calc_train_spot_counts_instances_not_gpus(capsys):
    """AWS p5.48xlarge holds 8 H100s; AWS's interruption frequency is per instance a
    month (the >20% bucket, 25% in the catalog). 64 H100s are 8 instances; 4128.75
    GPU-hours over 64 GPUs is 64.5 h: 8 x 0.25 / 730 x 64.5 = 0.18 preemptions."""
    code, out, _ = cli(
        capsys,
        *("calc", "train", "--params", "7e9", "--tokens", "1.4e11", "--gpu", "h100"),
        *("--gpus", "64", "--pricing", "spot", "--json"),
    )
    result = json.loads(out)
    assert code == 0 and result["instances"] == 8
    assert result["expected_preemptions"] == pytest.approx(8 * 0.25 / 730 * 4128.75 / 64, abs=1e-3)
    _, out, _ = cli(
        capsys, "calc", "train", "--params", "7e9", "--tokens", "1.4e11", "--gpu", "h100", "--json"
    )
    assert "instances" not in json.loads(out)  # on-demand: nothing to preempt


def test_calc_serve_latency_option_and_prices_apart(capsys):
    """NVIDIA TensorRT-LLM perf-overview: Llama 3.1 8B FP8 on one H100, 15,220 output
    tokens/s offline at 1000/1000. `max_tokens_per_second` is comparable to it (within the
    fit's 8%); `tokens_per_second` is at the chosen latency target."""
    base = ("calc", "serve", "--params", "8e9", "--gpu", "h100", "--quant", "int8", "--json")
    _, out, _ = cli(capsys, *base)
    chat = json.loads(out)
    _, out, _ = cli(capsys, *base, "--latency", "batch")
    batch = json.loads(out)
    assert chat["latency_target"] == "interactive" and batch["latency_target"] == "batch"
    assert batch["max_tokens_per_second"] == pytest.approx(15220, rel=0.08)
    assert batch["tokens_per_second"] == batch["max_tokens_per_second"]
    assert chat["tokens_per_second"] < chat["max_tokens_per_second"]
    for result in (chat, batch):
        assert (
            result["input_cost_per_million_tokens_usd"]
            < result["cost_per_million_tokens_usd"]
            < result["output_cost_per_million_tokens_usd"]
        )
    code, text, _ = cli(capsys, *base[:-1], "--input-tokens", "1200", "--output-tokens", "300")
    assert code == 0 and "per 1M input" in text and "interactive latency target" in text


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--quiz-seconds", "0"], "expected seconds above 0 and at most 3600, got '0'"),
        (["--quiz-seconds", "nan"], "expected seconds above 0 and at most 3600"),
        (["--quiz-seconds", "4000"], "at most 3600"),
        (["--quiz-seconds", "1e"], "expected a number of seconds, got '1e'"),
        (["--quiz-seconds", "30", "--quiz-extra-seconds", "-5"], "0 or more"),
        (["--quiz-extra-seconds", "30"], "extra time needs a time per question"),
    ],
)
def test_bad_quiz_times_are_refused_before_the_game_starts(capsys, tmp_path, argv, message):
    code, out, err = cli(capsys, "play", "tutorial", "--saves-dir", str(tmp_path), *argv)
    assert code != 0 and message in out + err
    assert "Traceback" not in out + err
