"""A small bill in the shape of the FinOps Foundation's FOCUS sample data, written by us.

The Foundation's sample files are not on this machine, so this bill is OURS: column
names and values follow the FOCUS 1.2 specification (section 2, Columns), with the
traits the issue found in the sample data: integer-looking account ids, an up-front
commitment purchase (BilledCost, no EffectiveCost) then Used rows (no BilledCost, their
EffectiveCost), tags that exist without an owner, and AWS-style service names.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

COLUMNS = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
]
RI = "arn:aws:ec2:us-east-1:123456789012:reserved-instances/ri-0001"


def _row(period: str, **cells) -> dict:
    year, month = period.split("-")
    end = f"{year}-{int(month) + 1:02d}-01T00:00:00Z"
    base = dict.fromkeys(COLUMNS, "")
    base.update(
        BillingAccountId="123456789012",
        BillingAccountName="Example Org",
        BillingCurrency="USD",
        BillingPeriodStart=f"{period}-01T00:00:00Z",
        BillingPeriodEnd=end,
        ChargePeriodStart=f"{period}-01T00:00:00Z",
        ChargePeriodEnd=end,
        ChargeFrequency="Usage-Based",
        ChargeCategory="Usage",
        InvoiceIssuerName="AWS",
        ProviderName="AWS",
        PublisherName="AWS",
        PricingCurrency="USD",
        RegionId="us-east-1",
        RegionName="US East (N. Virginia)",
        SubAccountId="210987654321",
        SubAccountName="ml-prod",
        InvoiceId=f"INV-{period}",
    )
    base.update({k: str(v) for k, v in cells.items()})
    # Billed in the currency it is priced in: the PricingCurrency* columns repeat them.
    base["PricingCurrencyListUnitPrice"] = base["ListUnitPrice"]
    base["PricingCurrencyContractedUnitPrice"] = base["ContractedUnitPrice"]
    base["PricingCurrencyEffectiveCost"] = base["EffectiveCost"]
    return base


def _gpu_usage(period: str, hours: float, cost: str, tags: dict, resource: str, **more) -> dict:
    return _row(
        period,
        ServiceName="AmazonEC2",
        ServiceCategory="Compute",
        ServiceSubcategory="Virtual Machines",
        ResourceId=resource,
        ResourceType="Instance",
        ChargeDescription="USD per On Demand Linux p5.48xlarge Instance Hour",
        PricingQuantity=hours,
        PricingUnit="Hours",
        ConsumedQuantity=hours,
        ConsumedUnit="Hours",
        SkuId="P5-48XL",
        SkuPriceId="P5-48XL-OD",
        SkuMeter="Compute Usage",
        SkuPriceDetails=json.dumps({"InstanceType": "p5.48xlarge"}),
        ListUnitPrice="98.32",
        ContractedUnitPrice="98.32",
        ListCost=cost,
        ContractedCost=cost,
        BilledCost=cost,
        EffectiveCost=cost,
        PricingCategory="Standard",
        Tags=json.dumps(tags),
        **more,
    )


def sample_rows() -> list[dict]:
    rows = []
    # An up-front 1-year reservation bought in January: billed $3,926.00, effective $0.
    rows.append(
        _row(
            "2026-01",
            ServiceName="AmazonEC2",
            ServiceCategory="Compute",
            ServiceSubcategory="Virtual Machines",
            ChargeCategory="Purchase",
            ChargeFrequency="One-Time",
            ChargeDescription="Reserved instance purchase, all upfront",
            ResourceId=RI,
            ResourceType="Reserved Instance",
            PricingQuantity=1,
            PricingUnit="Instances",
            SkuId="RI-P5",
            SkuPriceId="RI-P5-1Y",
            SkuMeter="Reservation",
            ListUnitPrice="3926.00",
            ContractedUnitPrice="3926.00",
            ListCost="3926.00",
            ContractedCost="3926.00",
            BilledCost="3926.00",
            EffectiveCost="0",
            PricingCategory="Standard",
            CommitmentDiscountId=RI,
            CommitmentDiscountName="ri-0001",
            CommitmentDiscountCategory="Usage",
            CommitmentDiscountType="Reserved Instance",
            CommitmentDiscountQuantity=40,
            CommitmentDiscountUnit="Hours",
            Tags="{}",
        )
    )
    for period, scale in (("2026-01", 1.0), ("2026-02", 1.5)):
        owner = {"user:Owner": "ml-team", "user:CostCenter": "cc-42"}
        rows.append(
            _gpu_usage(
                period,
                10 * scale,
                f"{983.2 * scale:.2f}",
                owner,
                "i-owned",
            )
        )
        rows.append(
            _gpu_usage(period, 5 * scale, f"{491.6 * scale:.2f}", {"Name": "scratch"}, "i-nameonly")
        )
        rows.append(_gpu_usage(period, 2, "196.64", {}, "i-untagged"))
        # Usage covered by the reservation: billed 0, its share of the purchase effective.
        rows.append(
            _row(
                period,
                ServiceName="AmazonEC2",
                ServiceCategory="Compute",
                ServiceSubcategory="Virtual Machines",
                ResourceId="i-reserved",
                ResourceType="Instance",
                ChargeDescription="p5.48xlarge reserved instance applied",
                PricingQuantity=1 if period == "2026-01" else 0.75,
                PricingUnit="Hours",
                ConsumedQuantity=1 if period == "2026-01" else 0.75,
                ConsumedUnit="Hours",
                SkuId="P5-48XL",
                SkuPriceId="P5-48XL-RI",
                SkuMeter="Compute Usage",
                SkuPriceDetails=json.dumps({"InstanceType": "p5.48xlarge"}),
                ListUnitPrice="98.32",
                ContractedUnitPrice="98.32",
                ListCost="98.32" if period == "2026-01" else "73.74",
                ContractedCost="98.32" if period == "2026-01" else "73.74",
                BilledCost="0",
                EffectiveCost="1.50" if period == "2026-01" else "1.13",
                PricingCategory="Committed",
                CommitmentDiscountId=RI,
                CommitmentDiscountName="ri-0001",
                CommitmentDiscountCategory="Usage",
                CommitmentDiscountType="Reserved Instance",
                CommitmentDiscountStatus="Used",
                CommitmentDiscountQuantity=1 if period == "2026-01" else 0.75,
                CommitmentDiscountUnit="Hours",
                Tags=json.dumps({"user:Owner": "ml-team"}),
            )
        )
        rows.append(
            _row(
                period,
                ServiceName="Amazon Bedrock",
                ServiceCategory="AI and Machine Learning",
                ServiceSubcategory="Generative AI",
                ResourceId="bedrock-app",
                ResourceType="Model",
                ChargeDescription="Input tokens",
                PricingQuantity=2 * scale,
                PricingUnit="1000000 Tokens",
                ConsumedQuantity=2_000_000 * scale,
                ConsumedUnit="Tokens",
                SkuId="BEDROCK-IN",
                SkuPriceId="BEDROCK-IN-STD",
                SkuMeter="Input Tokens",
                ListUnitPrice="3.00",
                ContractedUnitPrice="3.00",
                ListCost=f"{6 * scale:.2f}",
                ContractedCost=f"{6 * scale:.2f}",
                BilledCost=f"{6 * scale:.2f}",
                EffectiveCost=f"{6 * scale:.2f}",
                PricingCategory="Standard",
                Tags=json.dumps({"user:Owner": "app-team", "user:CostCenter": "cc-7"}),
            )
        )
    return rows


def write_sample_bill(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(sample_rows())
    return path


# The shape of the FinOps Foundation's FOCUS-Sample-Data (FOCUS 1.0, AWS/Microsoft/Oracle),
# with values of our own (ids, names, amounts): nothing of the sample is copied here.
REAL_COLUMNS = [
    c
    for c in COLUMNS
    if c
    not in {
        "CommitmentDiscountQuantity",
        "CommitmentDiscountUnit",
        "InvoiceId",
        "PricingCurrency",
        "PricingCurrencyContractedUnitPrice",
        "PricingCurrencyEffectiveCost",
        "PricingCurrencyListUnitPrice",
        "ServiceSubcategory",
        "SkuMeter",
        "SkuPriceDetails",
    }
]
SP_A = "arn:aws:savingsplans::111111111111:savingsplan/aaaa-0001"
SP_B = "arn:aws:savingsplans::222222222222:savingsplan/bbbb-0002"
NULL_COMMITMENT = {
    "CommitmentDiscountCategory": "NULL",
    "CommitmentDiscountId": "NULL",
    "CommitmentDiscountName": "NULL",
    "CommitmentDiscountStatus": "NULL",
    "CommitmentDiscountType": "NULL",
}


def _real(period: str, day: int, hour: int, **cells) -> dict:
    """One row as the sample writes it: `NULL` text for nulls, `YYYY-MM-DD hh:mm:ss` dates."""
    year, month = (int(x) for x in period.split("-"))
    nxt = f"{year + month // 12}-{month % 12 + 1:02d}-01 00:00:00"
    row = dict.fromkeys(REAL_COLUMNS, "NULL")
    row.update(NULL_COMMITMENT)
    row.update(
        BillingAccountId="9876543210987",
        BillingAccountName="Example Org",
        BillingCurrency="USD",
        BillingPeriodStart=f"{period}-01 00:00:00",
        BillingPeriodEnd=nxt,
        ChargePeriodStart=f"{period}-{day:02d} {hour:02d}:00:00",
        ChargePeriodEnd=f"{period}-{day:02d} {hour:02d}:59:59",
        ChargeCategory="Usage",
        ChargeFrequency="Usage-Based",
        InvoiceIssuerName="Amazon Web Services, Inc.",
        ProviderName="AWS",
        PublisherName="Amazon Web Services, Inc.",
        PricingCategory="Standard",
        RegionId="us-west-2",
        RegionName="US West (Oregon)",
        ServiceCategory="Compute",
        ServiceName="Amazon Elastic Compute Cloud",
        SubAccountId="40404040404",
        SubAccountName="ml-prod",
        SkuId="SKU1",
        SkuPriceId="SKU1.PRICE",
        PricingUnit="Hours",
        ConsumedUnit="Hours",
    )
    row.update({k: str(v) for k, v in cells.items()})
    return row


def _instance(
    period: str, day: int, instance: str, price: str, cost: str, tags: str, **more
) -> dict:
    cells = dict(
        ChargeDescription=f"${price} per On Demand Linux {instance} Instance Hour",
        ResourceId=f"i-{instance.replace('.', '')}-{day}",
        PricingQuantity="1.00000000000",
        ConsumedQuantity="1.00000000000",
        ListUnitPrice=price,
        ContractedUnitPrice=price,
        ListCost=cost,
        ContractedCost=cost,
        BilledCost=cost,
        EffectiveCost=cost,
        Tags=tags,
    )
    cells.update(more)
    return _real(period, day, 10, **cells)


TEAM = '{"application": "Kestrel", "environment": "prod", "CostCenter": "1234"}'
SPACED = '{"env": "prod", "org": "blue", " org": "blue", "CostCenter": "1234"}'
SPACED_ONLY = '{" org": "blue", "application": "Beacon"}'


def real_shape_rows() -> list[dict]:
    rows = []
    # September, spread over the month: GPU (g5, one A10G each), Graviton t4g (no GPU).
    for day in (1, 10, 20, 30):
        rows.append(_instance("2024-09", day, "g5.4xlarge", "1.624", "2.00000000000", TEAM))
        rows.append(_instance("2024-09", day, "t4g.micro", "0.0084", "0.00840000000", SPACED))
    rows.append(_instance("2024-09", 5, "t3.large", "0.0832", "0.08320000000", "NULL"))
    rows.append(_instance("2024-09", 6, "m5.large", "0.096", "0.09600000000", SPACED_ONLY))
    # Savings plan Used rows: committed usage at 0 billed and (as in the sample) 0 effective.
    for day, sp, price in ((4, SP_A, "0.0464"), (20, SP_B, "0.0112"), (26, SP_B, "0.085")):
        rows.append(
            _instance(
                "2024-09",
                day,
                "t2.medium",
                price,
                "0.00000000000",
                TEAM,
                ListCost=price,
                PricingCategory="Committed",
                CommitmentDiscountId=sp,
                CommitmentDiscountCategory="Spend",
                CommitmentDiscountStatus="Used",
                CommitmentDiscountType="Savings Plan",
            )
        )
    # A promotional credit (PricingCategory Other) and an adjustment with empty nulls.
    rows.append(
        _real(
            "2024-09",
            24,
            3,
            ChargeCategory="Credit",
            ChargeFrequency="One-Time",
            ChargeDescription="Launch credit",
            PricingCategory="Other",
            PricingQuantity="0",
            BilledCost="-1.80000000000",
            EffectiveCost="-2.00000000000",
            ListCost="-1.80000000000",
        )
    )
    rows.append(
        _real(
            "2024-09",
            12,
            9,
            ChargeCategory="Adjustment",
            ProviderName="Oracle",
            ServiceName="COMPUTE",
            PricingCategory="",
            CommitmentDiscountId="",
            BilledCost="0.05000000000",
            EffectiveCost="0.00000000000",
            ListCost="0.00000000000",
            PricingQuantity="16",
            Tags=TEAM,
        )
    )
    # One stray row billed in October, charged on the last hour of September.
    stray = _instance("2024-10", 1, "c5.large", "0.085", "0.24000000000", TEAM)
    stray.update(ChargePeriodStart="2024-09-30 22:00:00", ChargePeriodEnd="2024-09-30 23:00:00")
    rows.append(stray)
    return rows


def write_real_shape_bill(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=REAL_COLUMNS, lineterminator="\n", quoting=csv.QUOTE_MINIMAL
        )
        writer.writeheader()
        writer.writerows(real_shape_rows())
    return path
