"""The game's bill as FOCUS 1.2 rows (CSV), one billing period per turn.

Column rules cite the FOCUS 1.2 specification, section 2 (Columns) and 3 (Attributes:
UnitFormat, KeyValueFormat). The engine's ledger stays as it is; this module only says
it in FOCUS's words, so the totals are the engine's to the cent.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from finops_tui.content.csv_safety import safe_dict
from finops_tui.content.files import atomic_write_text
from finops_tui.engine.level import Level
from finops_tui.engine.state import GameState, LedgerLine

FOCUS_VERSION = "1.2"
# Every FOCUS 1.2 mandatory column, then the conditional ones the game's bill needs.
MANDATORY_COLUMNS = (
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
)
CONDITIONAL_COLUMNS = (
    "ChargeFrequency",
    "PricingCategory",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedUnitPrice",
    "InvoiceId",
    "ListUnitPrice",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
)
COLUMNS = MANDATORY_COLUMNS + CONDITIONAL_COLUMNS
PROVIDER = "finops-tui simulated cloud"
REGION_ID, REGION_NAME = "game-region-1", "Game Region 1"
# The features this export uses, in focus-validator's words (its --applicability-criteria).
DECLARED_FEATURES = (
    "ACCOUNT_NAMING_SUPPORTED",
    "BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED",
    "COMMITMENT_DISCOUNT_SUPPORTED",
    "MULTIPLE_PRICING_CATEGORIES_SUPPORTED",
    "PUBLIC_PRICE_LIST_SUPPORTED",
    "REGION_SUPPORTED",
    "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED",
    "SUB_ACCOUNT_SUPPORTED",
    "TAGGING_SUPPORTED",
    "UNIT_PRICING_SUPPORTED",
    "USAGE_MEASUREMENT_SUPPORTED",
)
# ServiceName -> (ServiceCategory, ServiceSubcategory, SkuMeter): one category per service
# (FOCUS 1.2 ServiceName, ServiceSubcategory "one and only one parent ServiceCategory").
# GPU instances are virtual machines, whatever work runs on them; tags say which work.
SERVICES = {
    "GPU Compute": ("Compute", "Virtual Machines", "GPU Hours"),
    "Object Storage": ("Storage", "Object Storage", "Storage"),
    "In-memory cache": ("Databases", "Caching", "Cache Node Months"),
    "FinOps practice": ("Management and Governance", "Cost Management", "Practice Months"),
    "Incident response": ("Other", "Other (Other)", "Incidents"),
}
LLM_API = ("AI and Machine Learning", "Generative AI")
# The engine's units, in FOCUS 1.2 UnitFormat (section 3, "Unit Format").
UNITS = {
    "GPU-hour": "Hours",
    "GB-month": "GB-Months",
    "1M tokens": "1000000 Tokens",
    "Month": "Months",
    "Incident": "Incidents",
}
# The game's calendar: turn 1 starts here (a fixed date keeps exports reproducible).
GAME_START = datetime(2026, 1, 1, tzinfo=UTC)
_QUANTITY = Decimal("0.000001")
_PRICE = Decimal("0.0000000001")


def period_bounds(level: Level, turn: int) -> tuple[datetime, datetime]:
    """Start and end of a turn's billing period: calendar months for monthly levels."""
    if abs(level.period_hours - 730) < 1e-9:
        start = _add_months(GAME_START, turn - 1)
        return start, _add_months(GAME_START, turn)
    start = GAME_START + timedelta(hours=level.period_hours * (turn - 1))
    return start, start + timedelta(hours=level.period_hours)


def _add_months(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 + months, 12)
    return moment.replace(year=moment.year + year, month=month + 1)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def focus_unit(engine_unit: str) -> str:
    """The engine's unit in FOCUS UnitFormat; an unknown unit passes through unchanged."""
    return UNITS.get(engine_unit, engine_unit)


def service_of(service_name: str) -> tuple[str, str, str]:
    """(ServiceCategory, ServiceSubcategory, SkuMeter) of a service the game bills."""
    if service_name.startswith("LLM API"):
        return (*LLM_API, "Tokens")
    return SERVICES.get(service_name, ("Other", "Other (Other)", service_name))


def focus_rows(level: Level, state: GameState, player: str = "") -> list[dict[str, str]]:
    """One FOCUS row per ledger line of every turn played."""
    account = player or "solo"
    rows = []
    for record in state.history:
        start, end = period_bounds(level, record.turn)
        for line in record.lines:
            rows.append(_row(level, line, account, start, end))
    return rows


def _row(level: Level, line: LedgerLine, account: str, start: datetime, end: datetime) -> dict:
    quantity = Decimal(line.pricing_quantity).quantize(_QUANTITY, ROUND_HALF_EVEN)
    unit = focus_unit(line.pricing_unit)
    price = _unit_price(line, quantity)
    category, subcategory, meter = service_of(line.service_name)
    return {
        "BilledCost": _money(line.billed_cost_cents),
        "BillingAccountId": f"{level.id}/{account}",
        "BillingAccountName": f"{level.title} ({account})",
        "BillingCurrency": "USD",
        "BillingPeriodEnd": _stamp(end),
        "BillingPeriodStart": _stamp(start),
        "ChargeCategory": line.charge_category,
        "ChargeClass": "",
        "ChargeDescription": line.charge_description,
        "ChargePeriodEnd": _stamp(end),
        "ChargePeriodStart": _stamp(start),
        # No negotiated discounts in the game: contracted prices are list prices.
        "ContractedCost": _money(line.list_cost_cents),
        "EffectiveCost": _money(line.effective_cost_cents),
        "InvoiceIssuerName": PROVIDER,
        "ListCost": _money(line.list_cost_cents),
        "PricingQuantity": str(quantity),
        "PricingUnit": unit,
        "ProviderName": PROVIDER,
        "PublisherName": PROVIDER,
        "ServiceCategory": category,
        "ServiceName": line.service_name,
        "ChargeFrequency": line.charge_frequency,
        "PricingCategory": _pricing_category(line),
        **_commitment_columns(line, quantity, unit),
        **_consumed_columns(line, quantity, unit),
        "ContractedUnitPrice": price,
        "InvoiceId": f"{level.id}/{account}/{start:%Y-%m-%d}",
        "ListUnitPrice": price,
        "PricingCurrency": "USD",
        "PricingCurrencyContractedUnitPrice": price,
        "PricingCurrencyEffectiveCost": _money(line.effective_cost_cents),
        "PricingCurrencyListUnitPrice": price,
        "RegionId": REGION_ID,
        "RegionName": REGION_NAME,
        "ResourceId": line.resource_id,
        "ResourceName": line.resource_id.split("/", 1)[-1],
        "ResourceType": line.resource_type,
        "ServiceSubcategory": subcategory,
        **_sku_columns(line, meter),
        "SubAccountId": level.id,
        "SubAccountName": level.title,
        "Tags": json.dumps(line.tags, sort_keys=True) if line.tags else "{}",
    }


def _unit_price(line: LedgerLine, quantity: Decimal) -> str:
    """ListUnitPrice x PricingQuantity = ListCost (FOCUS 1.2 ListUnitPrice, PricingQuantity).

    The engine prices a few lines as a flat fee (practices, cache) with a list unit price
    of 0; the unit price is then the fee per unit, so no row has a cost at a 0 price.
    """
    cost = Decimal(line.list_cost_cents) / 100
    listed = Decimal(str(line.list_unit_price))
    if quantity and abs(listed * quantity - cost) >= Decimal("0.01"):
        listed = cost / quantity
    if not quantity:
        listed = Decimal(0) if not cost else listed
    return _decimal_text(listed.quantize(_PRICE, ROUND_HALF_EVEN))


def _decimal_text(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pricing_category(line: LedgerLine) -> str:
    # A commitment's purchase is bought at its agreed rate: "Committed" is for the charges
    # the commitment covers, not its purchase (FOCUS 1.2 PricingCategory).
    if line.charge_category == "Purchase":
        return "Standard"
    return line.pricing_category


def _commitment_columns(line: LedgerLine, quantity: Decimal, unit: str) -> dict[str, str]:
    """FOCUS 1.2 CommitmentDiscount*: the quantity bought, used or left unused, in hours."""
    if line.commitment_discount_id is None:
        return dict.fromkeys(
            (
                "CommitmentDiscountCategory",
                "CommitmentDiscountId",
                "CommitmentDiscountName",
                "CommitmentDiscountQuantity",
                "CommitmentDiscountStatus",
                "CommitmentDiscountType",
                "CommitmentDiscountUnit",
            ),
            "",
        )
    return {
        "CommitmentDiscountCategory": "Usage",
        "CommitmentDiscountId": line.commitment_discount_id,
        "CommitmentDiscountName": line.commitment_discount_id,
        "CommitmentDiscountQuantity": str(quantity),
        "CommitmentDiscountStatus": line.commitment_discount_status or "",
        "CommitmentDiscountType": line.commitment_discount_type or "",
        "CommitmentDiscountUnit": unit,
    }


def _consumed_columns(line: LedgerLine, quantity: Decimal, unit: str) -> dict[str, str]:
    # Null unless Usage, and null for the unused part of a commitment (FOCUS 1.2
    # ConsumedQuantity): nothing was consumed there.
    consumed = line.charge_category == "Usage" and line.commitment_discount_status != "Unused"
    return {
        "ConsumedQuantity": str(quantity) if consumed else "",
        "ConsumedUnit": unit if consumed else "",
    }


def _sku_columns(line: LedgerLine, meter: str) -> dict[str, str]:
    """SkuId stays the same across pricing categories; SkuPriceId names the price (FOCUS 1.2)."""
    sku, details = line.sku_id, {}
    if line.service_name == "GPU Compute":
        gpu, option = _gpu_and_option(line)
        sku = f"reserved-gpu-{gpu}" if line.charge_category == "Purchase" else f"gpu-{gpu}"
        details = {"GpuCount": 1, "x_GpuType": gpu, "x_PurchaseOption": option}
    elif line.service_name == "Object Storage":
        details = {"StorageClass": "Standard"}
    elif line.service_name.startswith("LLM API"):
        details = {"x_TokenDirection": line.sku_id.rsplit("-", 1)[-1]}
    return {
        "SkuId": sku,
        "SkuMeter": meter,
        "SkuPriceDetails": json.dumps(details, sort_keys=True) if details else "",
        "SkuPriceId": f"{sku}/{line.sku_id}",
    }


def _gpu_and_option(line: LedgerLine) -> tuple[str, str]:
    """`gpu-a100-80gb-commit-1y` -> (`a100-80gb`, `commit-1y`)."""
    name = line.sku_id.removeprefix("gpu-")
    for option in ("on-demand", "spot", "commit-1y", "commit-3y"):
        if name.endswith(f"-{option}"):
            return name.removesuffix(f"-{option}"), option
    return name, ""


def focus_csv(level: Level, state: GameState, player: str = "") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(safe_dict(row) for row in focus_rows(level, state, player))
    return buffer.getvalue()


def write_focus(path: Path, level: Level, state: GameState, player: str = "") -> None:
    atomic_write_text(path, focus_csv(level, state, player))
