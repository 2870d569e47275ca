"""The game's bill as FOCUS 1.2 rows (CSV), one billing period per turn."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from finops_tui.content.csv_safety import safe_dict
from finops_tui.engine.level import Level
from finops_tui.engine.state import GameState, LedgerLine

# Every FOCUS 1.2 mandatory column, then the conditional ones the game fills in.
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
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountCategory",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedUnitPrice",
    "ListUnitPrice",
    "RegionId",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "SkuId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
)
COLUMNS = MANDATORY_COLUMNS + CONDITIONAL_COLUMNS
PROVIDER = "finops-tui simulated cloud"
# The game's calendar: turn 1 starts here (a fixed date keeps exports reproducible).
GAME_START = datetime(2026, 1, 1, tzinfo=UTC)


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
    usage = line.charge_category == "Usage"
    committed = line.commitment_discount_id is not None
    quantity = f"{line.pricing_quantity:.6f}"
    unit_price = f"{line.list_unit_price:.6f}"
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
        "PricingQuantity": quantity,
        "PricingUnit": line.pricing_unit,
        "ProviderName": PROVIDER,
        "PublisherName": PROVIDER,
        "ServiceCategory": line.service_category,
        "ServiceName": line.service_name,
        "ChargeFrequency": line.charge_frequency,
        "PricingCategory": line.pricing_category,
        "CommitmentDiscountId": line.commitment_discount_id or "",
        "CommitmentDiscountName": line.commitment_discount_id or "",
        "CommitmentDiscountCategory": "Usage" if committed else "",
        "CommitmentDiscountStatus": line.commitment_discount_status or "",
        "CommitmentDiscountType": line.commitment_discount_type or "",
        "ConsumedQuantity": quantity if usage else "",
        "ConsumedUnit": line.pricing_unit if usage else "",
        "ContractedUnitPrice": unit_price,
        "ListUnitPrice": unit_price,
        "RegionId": "game-region-1",
        "ResourceId": line.resource_id,
        "ResourceName": line.resource_id.split("/", 1)[-1],
        "ResourceType": line.resource_type,
        "SkuId": line.sku_id,
        "SubAccountId": level.id,
        "SubAccountName": level.title,
        "Tags": json.dumps(line.tags, sort_keys=True) if line.tags else "{}",
    }


def focus_csv(level: Level, state: GameState, player: str = "") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(safe_dict(row) for row in focus_rows(level, state, player))
    return buffer.getvalue()


def write_focus(path: Path, level: Level, state: GameState, player: str = "") -> None:
    from finops_tui.content.saves import atomic_write_text

    atomic_write_text(path, focus_csv(level, state, player))
