"""`analyze` reads a bill like a practitioner: two cost bases, commitments, owners, units."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from finops_tui.cli.main import run
from finops_tui.content.analyze import analyze_focus
from finops_tui.content.errors import ContentError
from finops_tui.content.findings import bill_findings, findings_text

from .sample_bill import write_sample_bill


@pytest.fixture()
def sample(tmp_path):
    return write_sample_bill(tmp_path / "sample.csv")


def test_rankings_use_effective_cost_with_billed_beside(sample):
    """FOCUS 1.2 BilledCost vs EffectiveCost: an up-front purchase is billed, not effective."""
    s = analyze_focus(sample)
    assert s.billed == Decimal("8021.28") and s.effective == Decimal("4097.91")
    ranked = dict(s.ranked_services("effective"))
    assert ranked["AmazonEC2"].billed - ranked["AmazonEC2"].effective == Decimal("3923.37")
    text = findings_text("bill", s)
    assert "Billed" in text and "Effective" in text and "ranked on effective cost" in text
    assert "ranked on billed cost" in findings_text("bill", s, "billed")


def test_commitments_purchases_used_unused_and_coverage(sample):
    """FOCUS 1.2 CommitmentDiscountId/Status: purchase billed, use amortised into Used rows."""
    s = analyze_focus(sample)
    ri = next(iter(s.commitments.values()))
    assert ri.purchased == Decimal("3926.00")
    assert ri.used == Decimal("2.63") and ri.unused == 0
    assert ri.used_quantity == Decimal("1.75")
    assert s.commitment_utilization == 1.0
    assert 0 < s.commitment_coverage < 0.01
    # Committed usage is not "$0.00": its effective cost is on the Committed line.
    assert s.pricing_categories["Committed"].effective == Decimal("2.63")


def test_allocation_against_required_tag_keys(sample):
    """FOCUS 1.2 Tags: a JSON object; an owner is every required key, not any tag."""
    anything = analyze_focus(sample)
    strict = analyze_focus(sample, ("user:Owner", "user:CostCenter"))
    assert strict.allocated < anything.allocated
    assert strict.allocated + strict.unallocated == strict.effective
    top = [r for r, _ in strict.top_untagged()]
    assert top[:2] == ["i-nameonly", "i-untagged"]


def test_unit_economics_and_movers(sample):
    """GPU-hours from SkuPriceDetails' InstanceType (p5.48xlarge: 8 GPUs) and tokens from
    the FOCUS 1.2 UnitFormat `1000000 Tokens`; movers between the last two periods."""
    s = analyze_focus(sample)
    assert s.gpu_hours.quantity == Decimal(8) * Decimal("43.25")
    assert s.tokens.quantity == 5_000_000 and s.tokens.per(1_000_000) == 3.0
    before, after, movers = s.movers()
    assert (before, after) == ("2026-01-01", "2026-02-01")
    assert movers[0][0] == "AmazonEC2"


def test_the_game_bill_reads_back(sandbox, tmp_path):
    from finops_tui.content.focus import focus_csv
    from finops_tui.engine import plan_decisions, play

    state = play(sandbox, 3, plan_decisions(sandbox, sandbox.level.plans["par"]))
    path = tmp_path / "bill.csv"
    path.write_text(focus_csv(sandbox.level, state), encoding="utf-8")
    s = analyze_focus(path)
    assert s.version == "1.2" and s.gpu_hours.quantity > 0
    assert s.tokens.quantity >= 0
    assert len(bill_findings(s)) == 7


def test_json_for_scripts(sample, capsys):
    assert run(["analyze", str(sample), "--json", "--require-tag", "user:Owner"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ranked_on"] == "effective"
    assert out["allocation"]["required_tags"] == ["user:Owner"]
    assert out["commitments"]["by_commitment"]
    assert out["unit_economics"]["effective_per_million_tokens"] == 3.0
    assert list(out["by_service"]) == ["AmazonEC2", "Amazon Bedrock"]


def test_an_older_focus_version_is_read_and_named(tmp_path, capsys):
    """FOCUS 0.5 named ChargeCategory ChargeType and EffectiveCost AmortizedCost."""
    old = tmp_path / "old.csv"
    old.write_text(
        "BilledCost,AmortizedCost,ChargeType,ServiceName\n10,8,Usage,VM\n", encoding="utf-8"
    )
    s = analyze_focus(old)
    assert s.version == "0.5" and s.effective == 8 and "AmortizedCost" in s.version_note
    v10 = tmp_path / "v10.csv"
    v10.write_text(
        "BilledCost,EffectiveCost,ChargeCategory,ServiceName,ListCost\n1,1,Usage,VM,1\n",
        encoding="utf-8",
    )
    assert analyze_focus(v10).version == "1.0"
    assert run(["analyze", str(old)]) == 0
    assert "read as FOCUS 0.5" in capsys.readouterr().out


HEADER = "BilledCost,EffectiveCost,ChargeCategory,ServiceName\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty file"),
        (HEADER, "no rows"),
        (HEADER + 'oops,1,Usage,"VM\n', "line 2"),
        (HEADER + "1,x1,Usage,VM\n", "line 2: EffectiveCost: expected a number"),
        (HEADER + '1,1,Usage,"' + "x" * (2 << 20) + '"\n', "line 2: malformed CSV"),
        ("ServiceName,Cost\nVM,1\n", "missing column(s) BilledCost, EffectiveCost"),
    ],
)
def test_bad_input_is_one_line_naming_line_and_column(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        analyze_focus(path)
    assert expected in caught.value.problems[0]
    assert run(["analyze", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1


def test_names_from_the_bill_are_shown_as_plain_text(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(HEADER + "1,1,Usage,[bold red]boom[/]\x1b[2J\n", encoding="utf-8")
    text = findings_text("b", analyze_focus(path))
    assert "[bold red]boom[/]" in text and "\x1b" not in text


def test_a_flood_of_distinct_names_stays_bounded(tmp_path, monkeypatch):
    import finops_tui.content.analyze as analyze

    monkeypatch.setattr(analyze, "MAX_NAMES", 50)
    path = tmp_path / "flood.csv"
    lines = [f"1,1,Usage,service-{i},ri-{i},Used,2026-{i % 12 + 1:02d}-01" for i in range(500)]
    path.write_text(
        "BilledCost,EffectiveCost,ChargeCategory,ServiceName,CommitmentDiscountId,"
        "CommitmentDiscountStatus,BillingPeriodStart\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    s = analyze_focus(path)
    assert len(s.services) == 51 and len(s.commitments) == 51
    assert s.services["(other services)"].effective == 450
    assert s.effective == 500


def test_utilisation_and_coverage_on_the_game_bill_with_unused_hours(sandbox, tmp_path):
    """FOCUS 1.2 CommitmentDiscountStatus: Unused rows are paid, not used, and not usage
    a commitment could cover."""
    from finops_tui.content.focus import focus_csv
    from finops_tui.engine import plan_decisions, play

    decisions = plan_decisions(sandbox, sandbox.level.plans["par"])
    first = decisions[0].model_copy(
        update={"training": decisions[0].training.model_copy(update={"pricing": "commit-1y"})}
    )
    state = play(sandbox, 3, [first, *decisions[1:]])
    path = tmp_path / "bill.csv"
    path.write_text(focus_csv(sandbox.level, state), encoding="utf-8")
    s = analyze_focus(path)
    lines = [line for r in state.history for line in r.lines]
    used = sum(x.effective_cost_cents for x in lines if x.commitment_discount_status == "Used")
    unused = sum(x.effective_cost_cents for x in lines if x.commitment_discount_status == "Unused")
    assert s.commitment_utilization == pytest.approx(used / (used + unused))
    ran = sum(
        x.effective_cost_cents
        for x in lines
        if x.service_name == "GPU Compute"
        and x.charge_category == "Usage"
        and x.commitment_discount_status != "Unused"
    )
    assert s.commitment_coverage == pytest.approx(used / ran)
    bought = sum(x.billed_cost_cents for x in lines if x.charge_category == "Purchase")
    assert s.commitment_purchased == Decimal(bought) / 100
