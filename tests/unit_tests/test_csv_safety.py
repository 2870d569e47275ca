"""CSV cells no spreadsheet runs as a formula, in every CSV the project writes."""

from __future__ import annotations

import csv
import io

import pytest

from finops_tui.content.csv_safety import safe_cell, safe_dict, safe_row


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
        "-",
        "+",
        "=",
    ],
)
def test_a_formula_is_written_as_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-12.5", "+3", "-1e-05", "12", "-.5", "0.25", "1E+21"])
def test_a_number_written_as_text_stays_a_number(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", [-12.5, -3, 0, 1.5e-9, True, None])
def test_numbers_and_empties_pass_unchanged(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", ["plain words", "", "a=b", "team-blue", "{}", "'quoted"])
def test_ordinary_text_is_unchanged(text):
    assert safe_cell(text) == text


def test_rows_and_dicts_are_made_safe_cell_by_cell():
    assert safe_row(["=x", -1.0, "ok"]) == ["'=x", -1.0, "ok"]
    assert safe_dict({"a": "@x", "b": "-4"}) == {"a": "'@x", "b": "-4"}


def test_a_negative_cost_reads_back_as_a_number():
    buffer = io.StringIO()
    csv.writer(buffer).writerow(safe_row([-12.5, "-12.5", "=1"]))
    (row,) = csv.reader(io.StringIO(buffer.getvalue()))
    assert float(row[0]) == float(row[1]) == -12.5
    assert row[2] == "'=1"


def test_every_csv_writer_uses_the_shared_helper():
    """A new csv writer that forgets the helper is caught here."""
    from pathlib import Path

    import finops_tui

    root = Path(finops_tui.__file__).parent
    writers = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "csv.writer(" in text or "csv.DictWriter(" in text:
            writers.append(path.name)
            assert "csv_safety" in text, f"{path} writes CSV without finops_tui.content.csv_safety"
    assert len(writers) >= 4


def test_the_focus_bill_neutralises_names_and_still_adds_up(tmp_path, sandbox):
    from decimal import Decimal

    from finops_tui.content.analyze import analyze_focus
    from finops_tui.content.focus import focus_csv
    from finops_tui.engine import plan_decisions, play

    state = play(sandbox, 3, plan_decisions(sandbox, sandbox.level.plans["naive"]))
    level = sandbox.level.model_copy(update={"title": "=cmd|' /C calc'!A0"})
    text = focus_csv(level, state, player="@evil")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["SubAccountName"] for r in rows} == {"'=cmd|' /C calc'!A0"}
    assert {r["BillingAccountName"] for r in rows} == {"'=cmd|' /C calc'!A0 (@evil)"}
    assert sum(Decimal(r["BilledCost"]) for r in rows) == pytest.approx(
        Decimal(str(round(state.spend_usd, 6))), abs=Decimal("0.01")
    )
    path = tmp_path / "bill.csv"
    path.write_text(text, encoding="utf-8")
    assert analyze_focus(path).rows == len(rows)  # still a FOCUS file any tool reads
