"""The game's FOCUS export against the FOCUS 1.2 MUST rules a test can check by itself.

Each test names the FOCUS 1.2 specification section it checks. The Foundation's own
validator (focus-validator 2.2, its own Python 3.12 virtualenv) is run by hand; see the
README, "The bill out, a real bill in".
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from decimal import Decimal

import pytest

from finops_tui.content.focus import COLUMNS, focus_csv
from finops_tui.engine import plan_decisions, play

CENT = Decimal("0.01")
# FOCUS 1.2 section 3 "Unit Format": the shapes a unit may take.
TIME = "Years|Months|Days|Hours|Minutes|Seconds|Year|Month|Day|Hour|Minute|Second"
COUNT = r"[A-Za-z][A-Za-z0-9]*(?: [A-Za-z][A-Za-z0-9]*)*"
UNIT = re.compile(
    rf"^(?:{COUNT}|{COUNT}-(?:{TIME})|{COUNT}/(?:{TIME})|[0-9]+ {COUNT}|{COUNT}/[0-9]+ (?:{TIME}))$"
)
SUBCATEGORY_PARENT = {
    "Virtual Machines": "Compute",
    "Object Storage": "Storage",
    "Caching": "Databases",
    "Cost Management": "Management and Governance",
    "Generative AI": "AI and Machine Learning",
    "Other (Other)": "Other",
}


def _committed_game(sandbox):
    decisions = plan_decisions(sandbox, sandbox.level.plans["par"])
    first = decisions[0].model_copy(
        update={"training": decisions[0].training.model_copy(update={"pricing": "commit-1y"})}
    )
    return play(sandbox, 3, [first, *decisions[1:]])


@pytest.fixture(scope="module")
def bills(scenarios):
    """Every shipped level's par and naive bills, and one with unused commitments."""
    out = {}
    for name, scenario in scenarios.items():
        for plan in ("par", "naive"):
            state = play(scenario, 3, plan_decisions(scenario, scenario.level.plans[plan]))
            out[f"{name}/{plan}"] = _rows(scenario, state)
    out["sandbox/committed"] = _rows(scenarios["sandbox"], _committed_game(scenarios["sandbox"]))
    return out


def _rows(scenario, state):
    return list(csv.DictReader(focus_csv(scenario.level, state).splitlines()))


def _all(bills):
    return [(name, row) for name, rows in bills.items() for row in rows]


def test_every_column_the_export_needs_is_there(bills):
    """FOCUS 1.2 section 2: the mandatory columns, and the conditional ones for what the bill
    holds (CommitmentDiscountQuantity/Unit, SkuId, SkuPriceId, SkuMeter, SkuPriceDetails,
    RegionName with RegionId, InvoiceId, ServiceSubcategory, PricingCurrency*)."""
    for rows in bills.values():
        assert list(rows[0]) == list(COLUMNS)
    for needed in (
        "CommitmentDiscountQuantity",
        "CommitmentDiscountUnit",
        "SkuId",
        "SkuPriceId",
        "SkuMeter",
        "SkuPriceDetails",
        "RegionName",
        "InvoiceId",
        "ServiceSubcategory",
        "PricingCurrency",
        "PricingCurrencyListUnitPrice",
        "PricingCurrencyContractedUnitPrice",
        "PricingCurrencyEffectiveCost",
    ):
        assert needed in COLUMNS
    for name, row in _all(bills):
        assert row["RegionName"] and row["RegionId"], name
        assert row["InvoiceId"] and row["PricingCurrency"] == "USD", name
        assert row["SkuId"] and row["SkuPriceId"] and row["SkuMeter"], name
        assert row["PricingCurrencyEffectiveCost"] == row["EffectiveCost"], name


def test_units_follow_the_unit_format(bills):
    """FOCUS 1.2 section 3.x "Unit Format" for PricingUnit, ConsumedUnit and
    CommitmentDiscountUnit: `Hours`, `GB-Months`, `1000000 Tokens`."""
    seen = set()
    for name, row in _all(bills):
        for column in ("PricingUnit", "ConsumedUnit", "CommitmentDiscountUnit"):
            if row[column]:
                assert UNIT.match(row[column]), (name, column, row[column])
                seen.add(row[column])
    assert {"Hours", "GB-Months", "1000000 Tokens", "Months"} <= seen


def test_unit_prices_times_quantity_are_the_costs(bills):
    """FOCUS 1.2 ListUnitPrice and ContractedUnitPrice: not null for Usage and Purchase,
    non-negative, and unit price x PricingQuantity = ListCost / ContractedCost."""
    for name, row in _all(bills):
        quantity = Decimal(row["PricingQuantity"])
        for price, cost in (
            ("ListUnitPrice", "ListCost"),
            ("ContractedUnitPrice", "ContractedCost"),
            ("PricingCurrencyListUnitPrice", "ListCost"),
            ("PricingCurrencyContractedUnitPrice", "ContractedCost"),
        ):
            assert row[price] != "", (name, price)
            unit, total = Decimal(row[price]), Decimal(row[cost])
            assert unit >= 0, (name, price)
            assert abs(unit * quantity - total) <= CENT, (name, row["ChargeDescription"], price)
            assert not (unit == 0 and total > 0), (name, row["ChargeDescription"])


def test_one_category_per_service(bills):
    """FOCUS 1.2 ServiceName: one ServiceCategory per ServiceName; ServiceSubcategory: one
    and only one parent ServiceCategory, from the allowed values."""
    categories = defaultdict(set)
    for _, row in _all(bills):
        categories[row["ServiceName"]].add(row["ServiceCategory"])
        assert SUBCATEGORY_PARENT[row["ServiceSubcategory"]] == row["ServiceCategory"]
    assert all(len(c) == 1 for c in categories.values()), categories


def test_sku_ids_hold_across_pricing_categories(bills):
    """FOCUS 1.2 SkuId (consistent across PricingCategory values) and SkuPriceId (one and
    only one parent SkuId); SkuPriceDetails null when SkuPriceId is null."""
    parents = defaultdict(set)
    for _, row in _all(bills):
        parents[row["SkuPriceId"]].add(row["SkuId"])
        if row["ServiceName"] == "GPU Compute" and row["ChargeCategory"] == "Usage":
            assert not row["SkuId"].endswith(("spot", "on-demand", "commit-1y", "commit-3y"))
    assert all(len(p) == 1 for p in parents.values())


def test_commitment_invariants(bills):
    """FOCUS 1.2 CommitmentDiscountQuantity/Unit, CommitmentDiscountStatus, ConsumedQuantity
    and PricingCategory: quantity and unit exactly on commitment Usage and Purchase rows;
    status on every commitment Usage row; nothing consumed on Unused rows; a purchase is not
    "Committed"; and what was bought each period is what was used plus left unused."""
    bought, drawn = defaultdict(Decimal), defaultdict(Decimal)
    for name, row in _all(bills):
        committed = bool(row["CommitmentDiscountId"])
        assert bool(row["CommitmentDiscountQuantity"]) == committed, name
        assert bool(row["CommitmentDiscountUnit"]) == committed, name
        assert bool(row["CommitmentDiscountCategory"]) == committed, name
        if not committed:
            assert row["CommitmentDiscountStatus"] == "", name
            continue
        key = (name, row["BillingPeriodStart"], row["CommitmentDiscountId"])
        if row["ChargeCategory"] == "Purchase":
            assert row["PricingCategory"] != "Committed"
            assert row["ChargeFrequency"] != "Usage-Based"
            assert Decimal(row["EffectiveCost"]) == 0
            bought[key] += Decimal(row["CommitmentDiscountQuantity"])
        else:
            assert row["CommitmentDiscountStatus"] in ("Used", "Unused")
            assert row["PricingCategory"] == "Committed"
            drawn[key] += Decimal(row["CommitmentDiscountQuantity"])
            if row["CommitmentDiscountStatus"] == "Unused":
                assert row["ConsumedQuantity"] == "" and row["ConsumedUnit"] == ""
    assert bought and set(bought) == set(drawn)
    for key, quantity in bought.items():
        assert abs(quantity - drawn[key]) <= Decimal("0.00001"), key


def test_totals_still_match_the_ledger_to_the_cent(scenarios):
    """FOCUS 1.2 BilledCost: the invoice total; the export adds up to the engine's spend."""
    scenario = scenarios["sandbox"]
    state = _committed_game(scenario)
    rows = _rows(scenario, state)
    billed = Decimal(round(state.spend_usd * 100)) / 100
    assert sum(Decimal(r["BilledCost"]) for r in rows) == billed
    effective = sum(line.effective_cost_cents for r in state.history for line in r.lines)
    assert sum(Decimal(r["EffectiveCost"]) for r in rows) == Decimal(effective) / 100


# FOCUS 1.2 SkuPriceDetails, "FOCUS-Defined Properties".
FOCUS_SKU_PROPERTIES = {
    "CoreCount",
    "DiskIops",
    "DiskSpace",
    "DiskType",
    "GpuCount",
    "InstanceType",
    "InstanceSeries",
    "MemorySize",
    "NetworkBandwidth",
    "NetworkIops",
    "OperatingSystem",
    "Redundancy",
    "StorageClass",
}


def test_sku_price_details_use_focus_keys_or_x_prefixed_ones(bills):
    """FOCUS 1.2 SkuPriceDetails: KeyValueFormat (a JSON object); a key not defined by FOCUS
    begins with "x_"; a numeric value is per PricingUnit (one GPU for one hour)."""
    import json

    for name, row in _all(bills):
        if not row["SkuPriceDetails"]:
            continue
        details = json.loads(row["SkuPriceDetails"])
        assert isinstance(details, dict) and row["SkuPriceId"], name
        for key in details:
            assert key in FOCUS_SKU_PROPERTIES or key.startswith("x_"), (name, key)
        if "GpuCount" in details:
            assert details["GpuCount"] == 1 and row["PricingUnit"] == "Hours"
