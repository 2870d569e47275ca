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
