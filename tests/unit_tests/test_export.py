"""The bill out as FOCUS, a report for leadership, and any FOCUS bill back in."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from finops_tui.cli.main import run
from finops_tui.content.analyze import analyze_focus
from finops_tui.content.errors import ContentError
from finops_tui.content.focus import MANDATORY_COLUMNS, focus_csv
from finops_tui.engine import plan_decisions, play


@pytest.fixture()
def replay(tmp_path, capsys):
    path = tmp_path / "run.toml"
    assert (
        run(["simulate", "sandbox", "--plan", "par", "--seed", "3", "--replay-out", str(path)]) == 0
    )
    capsys.readouterr()
    return path


def _committed_game(sandbox):
    """Par with a 1-year commitment for training in turn 1, then spot: unused hours."""
    decisions = plan_decisions(sandbox, sandbox.level.plans["par"])
    first = decisions[0].model_copy(
        update={"training": decisions[0].training.model_copy(update={"pricing": "commit-1y"})}
    )
    return play(sandbox, 3, [first, *decisions[1:]])


def test_focus_rows_hold_the_invariants(sandbox):
    state = _committed_game(sandbox)
    rows = list(csv.DictReader(focus_csv(sandbox.level, state).splitlines()))
    assert set(MANDATORY_COLUMNS) <= set(rows[0])
    total = sum(Decimal(r["BilledCost"]) for r in rows)
    assert total == Decimal(round(state.spend_usd * 100)) / 100
    purchased: dict = defaultdict(Decimal)
    consumed: dict = defaultdict(Decimal)
    for r in rows:
        for column in ("BilledCost", "BillingCurrency", "ChargeCategory", "ServiceName"):
            assert r[column] != ""
        assert r["BillingPeriodStart"] < r["BillingPeriodEnd"]
        assert r["ChargeCategory"] in {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}
        assert r["PricingCategory"] in {"Standard", "Dynamic", "Committed", "Other"}
        key = (r["BillingPeriodStart"], r["CommitmentDiscountId"])
        if r["ChargeCategory"] == "Purchase":
            assert Decimal(r["EffectiveCost"]) == 0
            purchased[key] += Decimal(r["BilledCost"])
        elif r["CommitmentDiscountId"]:
            assert r["CommitmentDiscountStatus"] in {"Used", "Unused"}
            consumed[key] += Decimal(r["EffectiveCost"])
    assert purchased and purchased == consumed
    assert any(r["CommitmentDiscountStatus"] == "Unused" for r in rows)
    assert len({r["BillingPeriodStart"] for r in rows}) == sandbox.level.turns


def test_analyze_reads_back_what_the_game_billed(sandbox, tmp_path):
    state = _committed_game(sandbox)
    path = tmp_path / "bill.csv"
    path.write_text(focus_csv(sandbox.level, state), encoding="utf-8")
    summary = analyze_focus(path)
    assert summary.billed == Decimal(round(state.spend_usd * 100)) / 100
    assert summary.allocation_coverage == pytest.approx(
        state.game_kpis["allocation_coverage"], abs=1e-6
    )
    used = sum(
        (
            line.effective_cost_cents
            for r in state.history
            for line in r.lines
            if line.commitment_discount_status == "Used"
        ),
        0,
    )
    assert summary.commitment_used == Decimal(used) / 100
    assert 0 < summary.commitment_utilization < 1
    assert sum(summary.by_service.values()) == summary.billed


def test_export_command_writes_focus_and_reports(replay, tmp_path, capsys):
    focus, md, page = tmp_path / "bill.csv", tmp_path / "report.md", tmp_path / "report.html"
    assert run(["export", str(replay), "--focus", str(focus), "--report", str(md)]) == 0
    assert run(["export", str(replay), "--report", str(page)]) == 0
    text = md.read_text(encoding="utf-8")
    for heading in (
        "## Goals against outcome",
        "## Spend against budget",
        "## Decisions that mattered",
        "## Compared with the team without FinOps",
        "## Unit economics",
        "## The team's justification",
    ):
        assert heading in text
    chart = tmp_path / "report-spend.svg"
    assert f"]({chart.name})" in text
    svg = ET.parse(chart).getroot()
    assert svg.tag.endswith("svg") and len(svg.findall("{http://www.w3.org/2000/svg}rect")) == 12
    html = page.read_text(encoding="utf-8")
    parser = HTMLParser()
    parser.feed(html)
    assert "<svg" in html and "<table>" in html and "naive" in html
    assert list(csv.DictReader(focus.open(encoding="utf-8")))


def test_export_needs_something_to_write(replay, capsys):
    assert run(["export", str(replay)]) == 2
    assert run(["export", str(replay), "--report", "x.pdf"]) == 2


def test_analyze_command_json(replay, tmp_path, capsys):
    focus = tmp_path / "bill.csv"
    assert run(["export", str(replay), "--focus", str(focus)]) == 0
    capsys.readouterr()
    assert run(["analyze", str(focus), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {
        "by_service",
        "by_pricing_category",
        "allocation_coverage",
        "commitment_utilization",
    } <= set(result)
    assert run(["analyze", str(focus)]) == 0
    assert "Spend by service" in capsys.readouterr().out


HEADER = "BilledCost,EffectiveCost,ChargeCategory,ServiceName,PricingCategory,Tags\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("a,b\n1,2\n", "missing column(s) BilledCost"),
        (HEADER, "no rows"),
        (HEADER + "12.5,abc,Usage,GPU,Standard,{}\n", "line 2: EffectiveCost: expected a number"),
        (HEADER + "nan,1,Usage,GPU,Standard,{}\n", "line 2: BilledCost: expected a finite number"),
        (HEADER + "1,1,Usage,GPU,Standard,{},extra\n", "more cells than the header"),
        ("", "missing column(s)"),
    ],
)
def test_analyze_explains_a_malformed_file(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        analyze_focus(path)
    assert caught.value.problems[0].startswith(f"{path}: ")
    assert expected in caught.value.problems[0]


def test_analyze_refuses_binary_and_missing_files(tmp_path, capsys):
    binary = tmp_path / "bill.csv"
    binary.write_bytes(b"BilledCost,EffectiveCost,ChargeCategory,ServiceName\n\xff\xfe,1,2,3\n")
    assert run(["analyze", str(binary)]) == 1
    assert "not UTF-8" in capsys.readouterr().err
    assert run(["analyze", str(tmp_path / "nope.csv")]) == 1
    assert "file not found" in capsys.readouterr().err


def test_analyze_streams_a_large_file(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        row = '1.25,1.25,Usage,GPU Compute,Standard,"{""team"": ""a""}"\n'
        untagged = "0.75,0.75,Usage,Storage,Dynamic,\n"
        for i in range(100_000):
            handle.write(row if i % 4 else untagged)
    summary = analyze_focus(path)
    assert summary.rows == 100_000
    assert summary.billed == Decimal("1.25") * 75_000 + Decimal("0.75") * 25_000
    assert summary.allocation_coverage == pytest.approx(93750 / (93750 + 18750))
