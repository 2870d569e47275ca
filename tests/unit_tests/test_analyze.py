"""`analyze` reads a bill like a practitioner: two cost bases, commitments, owners, units."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from finops_tui.cli.main import run
from finops_tui.content.analyze import analyze_focus
from finops_tui.content.errors import ContentError
from finops_tui.content.findings import bill_findings, findings_text

from .sample_bill import SP_A, SP_B, write_real_shape_bill, write_sample_bill


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


# A bill in the shape of the FinOps Foundation's FOCUS-Sample-Data (FOCUS 1.0): `NULL`
# text for nulls, `2024-09-01 00:00:00` dates, savings plan Used rows, a credit, a tag key
# with a leading space, and one stray row billed in the next month. Our values, not theirs.


@pytest.fixture()
def real_shape(tmp_path):
    return write_real_shape_bill(tmp_path / "real.csv")


def test_null_text_is_null_no_commitment_named_null(real_shape):
    """FOCUS 1.2 section 3.3 (nulls); the sample writes nulls as the text `NULL`: no
    commitment named NULL, and a `NULL` Tags cell is no owner."""
    s = analyze_focus(real_shape)
    assert set(s.commitments) == {SP_A, SP_B}
    assert s.null_text["CommitmentDiscountId"] == 12 and s.null_text["Tags"] == 2
    assert s.allocation_coverage < 1.0
    assert "i-t3large-5" in dict(s.top_untagged())
    text = findings_text("real", s)
    assert "  NULL " not in text and "cells read as null from the text NULL" in text


def test_space_separated_dates_parse_and_a_partial_period_is_not_compared(real_shape):
    """FOCUS 1.2 date-time format; the sample writes `2024-09-01 00:00:00` and has one row
    billed in October: October is partial, so nothing is compared with September."""
    s = analyze_focus(real_shape)
    assert not s.bad_dates
    assert s.period_info["2024-09-01"].coverage > 0.9
    assert s.period_info["2024-10-01"].rows == 1 and s.partial("2024-10-01")
    assert s.full_periods() == ["2024-09-01"] and s.movers() == ("", "", [])
    text = findings_text("real", s)
    assert "2024-10-01: 1 row, charges span 0% of it (partial: not compared)" in text


def test_a_date_that_is_not_one_is_counted_with_its_line(tmp_path):
    """FOCUS 1.2 BillingPeriodStart is a date-time: a cell that is not one is reported."""
    path = tmp_path / "d.csv"
    path.write_text(HEADER.strip() + ",BillingPeriodStart\n1,1,Usage,VM,Sept 2024\n")
    s = analyze_focus(path)
    assert s.bad_dates == {"BillingPeriodStart": [1, 2]}
    assert "BillingPeriodStart: 1 rows not a date-time (first on line 2)" in findings_text("d", s)


def test_savings_plans_found_with_used_hours_list_value_and_coverage(real_shape):
    """FOCUS 1.2 CommitmentDiscountStatus Used, PricingCategory Committed; the sample's
    savings plan rows carry 0 billed and 0 effective cost: read their hours and list cost."""
    s = analyze_focus(real_shape)
    a, b = s.commitments[SP_A], s.commitments[SP_B]
    assert a.kind == b.kind == "Savings Plan"
    assert b.used_quantity == 2 and b.unit == "Hours"
    assert b.used_list == Decimal("0.0962") and a.used_list == Decimal("0.0464")
    assert a.utilisation == b.utilisation == 1.0 and s.commitment_purchased == 0
    assert s.commitment_coverage is None  # nothing to read on effective cost
    assert s.commitment_coverage_list == pytest.approx(
        0.1426 / (0.1426 + 8.0 + 0.0336 + 0.0832 + 0.096 + 0.24)
    )
    assert s.usage_pricing_list["Committed"] == Decimal("0.1426")
    text = findings_text("real", s)
    assert "No purchase in this bill" in text and "Savings Plan: 2.00 Hours used" in text


def test_credits_and_adjustments_have_their_own_lines_and_shares_stay_within_100(real_shape):
    """FOCUS 1.2 ChargeCategory Credit and Adjustment are not usage: pricing shares are of
    usage and purchases, credits apart (the sample's credit is PricingCategory Other)."""
    s = analyze_focus(real_shape)
    assert "Other" not in s.usage_pricing
    assert s.charge_categories["Credit"].effective == Decimal("-2.00000000000")
    assert s.allocated + s.unallocated == s.effective + 2  # allocation over usage only
    finding = next(f for f in bill_findings(s) if f.title == "Spend by pricing category")
    shares = [float(line.split()[-2].rstrip("%")) for line in finding.lines if "%" in line]
    assert shares and all(0 <= x <= 100 for x in shares)
    assert any("Credits and adjustments" in line for line in finding.lines)
    assert finding.lines[0].startswith("Usage and purchases, share of their effective cost")


def test_a_tag_key_with_a_space_is_reported_not_trusted(real_shape):
    """FOCUS 1.2 Tags keys are exact; the sample has both `org` and ` org`: ` org` counts
    for no --require-tag org, and is reported as a data-quality finding."""
    s = analyze_focus(real_shape, ("org",))
    assert s.tag_key_rows[" org"] == 5 and s.tag_key_rows["org"] == 4
    # The m5 row carries only " org": unallocated under --require-tag org.
    assert "i-m5large-6" in dict(s.top_untagged())
    problems = s.tag_key_problems()
    assert any("' org' has a space around it on 5 rows" in p for p in problems)
    assert "Data quality: tag key ' org'" in findings_text("real", s)
    missing = analyze_focus(real_shape, ("Owner",)).tag_key_problems()
    assert "required tag key 'Owner' is on no row of this bill" in missing


def test_gpu_hours_only_on_gpu_instances(real_shape, tmp_path):
    """The sample's g5.4xlarge has one A10G; t4g.micro is a Graviton instance, no T4."""
    s = analyze_focus(real_shape)
    assert s.gpu_hours.quantity == 4 and s.gpu_hours.per() == 2.0
    assert set(s.gpu_fleet) == {("a10g", "Standard")}
    path = tmp_path / "cpu.csv"
    path.write_text(
        "BilledCost,EffectiveCost,ChargeCategory,ServiceName,PricingUnit,ChargeDescription\n"
        "1,1,Usage,EC2,Hours,t4g.micro Instance Hour\n"
    )
    none = analyze_focus(path)
    assert none.gpu_hours.quantity == 0
    assert "No GPUs in this bill" in findings_text("cpu", none)


def test_json_carries_the_same_readings(real_shape, capsys):
    """`--json` says what the text says: partial periods, credits, tag-key problems, NULLs."""
    assert run(["analyze", str(real_shape), "--json", "--require-tag", "org"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "Other" not in out["by_pricing_category"]
    assert out["pricing_share_of"].startswith("usage and purchases")
    assert out["credits_and_adjustments"]["Credit"]["effective"] == -2.0
    assert set(out["commitments"]["by_commitment"]) == {SP_A, SP_B}
    assert out["commitments"]["by_commitment"][SP_B]["type"] == "Savings Plan"
    assert out["commitments"]["coverage_list"] > 0
    assert [p["partial"] for p in out["periods"]] == [False, True]
    assert out["movers"]["services"] == []
    assert out["data_quality"]["null_text_cells"]["Tags"] == 2
    assert any("' org'" in p for p in out["data_quality"]["tag_keys"])
    assert out["unit_economics"]["has_gpus"] is True


def test_level_from_the_real_shape_budgets_on_full_periods(real_shape):
    """A level's budget is the spend per full billing period: one stray row billed in
    October does not halve it; savings plans read as used."""
    from finops_tui.content.bill_level import bill_level

    s = analyze_focus(real_shape)
    level = bill_level(s, "org")
    assert "over 1 billing period(s)" in level["briefing"]
    assert "Commitments: 2, used at **100%**" in level["briefing"]


def test_every_finding_line_fits_the_analysis_screen(real_shape, sample):
    """The analysis screen is 76 columns wide in an 80-column terminal: table rows fit."""
    for path in (real_shape, sample):
        for finding in bill_findings(analyze_focus(path)):
            tables = [line for line in finding.lines if line.startswith("  ")]
            assert all(len(line) <= 76 for line in tables), finding.title
