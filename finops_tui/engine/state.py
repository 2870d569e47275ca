"""The immutable results the engine hands out: ledger lines, events, turns, games."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from finops_tui.engine.decisions import Decisions
from finops_tui.engine.kernel import BatchState

ChargeCategory = Literal["Usage", "Purchase", "Tax", "Credit", "Adjustment"]
PricingCategory = Literal["Standard", "Dynamic", "Committed", "Other"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LedgerLine(Frozen):
    """One line of a period's bill, shaped after FOCUS 1.2. Money in integer cents."""

    turn: int
    charge_category: ChargeCategory
    charge_frequency: Literal["One-Time", "Recurring", "Usage-Based"]
    charge_description: str
    pricing_category: PricingCategory
    service_category: str
    service_name: str
    resource_id: str
    resource_type: str
    sku_id: str
    pricing_quantity: float
    pricing_unit: str
    list_unit_price: float
    list_cost_cents: int
    billed_cost_cents: int
    effective_cost_cents: int
    commitment_discount_id: str | None = None
    commitment_discount_status: Literal["Used", "Unused"] | None = None
    commitment_discount_type: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    wasted_cents: int = 0
    cause: str = Field("", description="The decision or event that put this line on the bill.")

    @property
    def billed_usd(self) -> float:
        return self.billed_cost_cents / 100.0

    @property
    def effective_usd(self) -> float:
        return self.effective_cost_cents / 100.0

    @property
    def allocated(self) -> bool:
        return bool(self.tags)


class EventRecord(Frozen):
    turn: int
    kind: str
    source: str = Field("", description="Where the level defines it: scheduled[i] or random[i].")
    title: str
    text: str
    effect: str = Field("", description="What it did this period, in numbers.")
    magnitude: float = Field(0.0, description="The event's size, as its kind defines it.")
    cost_usd: float = 0.0


class TurnRecord(Frozen):
    """Everything that happened in one period."""

    turn: int
    decisions: Decisions
    spend_usd: float
    budget_usd: float
    value_usd: float
    lines: tuple[LedgerLine, ...]
    events: tuple[EventRecord, ...]
    kpis: dict[str, float | None]
    score: float
    stars: int


class GameState(Frozen):
    """A game between turns. Rebuilt from (level, seed, decisions) at any time."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    level_id: str
    seed: int
    turns: int
    history: tuple[TurnRecord, ...] = ()
    game_kpis: dict[str, float] = Field(default_factory=dict)
    score: float = 0.0
    stars: int = 0
    batch: BatchState = Field(exclude=True, repr=False)

    @property
    def turn(self) -> int:
        """Turns resolved so far."""
        return len(self.history)

    @property
    def finished(self) -> bool:
        return self.turn >= self.turns

    @property
    def decisions(self) -> tuple[Decisions, ...]:
        return tuple(record.decisions for record in self.history)

    @property
    def spend_usd(self) -> float:
        return sum(record.spend_usd for record in self.history)


class TurnResult(Frozen):
    state: GameState
    record: TurnRecord


class Problem(Frozen):
    """Why a decision cannot be played: the key of the decision and a reason."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"
