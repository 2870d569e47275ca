"""The cost engine: pure, deterministic, no I/O and no Textual.

`new_game(scenario, seed)` starts a game; `resolve_turn(scenario, state, decisions)`
plays one budget period. The same (level, seed, decisions) always give the same bill.
"""

from finops_tui.engine.catalog import GPU_NAMES, PRICING_OPTIONS, Catalog
from finops_tui.engine.decisions import (
    Decisions,
    InferenceDecision,
    PracticesDecision,
    TrainingDecision,
)
from finops_tui.engine.game import (
    InvalidDecisions,
    apply_changes,
    check_decisions,
    counterfactual,
    new_game,
    plan_decisions,
    play,
    preview_turn,
    resolve_turn,
    serving_fit,
    start_decisions,
)
from finops_tui.engine.level import Level, Plan, PlanStep, PlanTurn
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import (
    EventRecord,
    GameState,
    LedgerLine,
    Problem,
    TurnRecord,
    TurnResult,
)

__all__ = [
    "GPU_NAMES",
    "PRICING_OPTIONS",
    "Catalog",
    "Decisions",
    "EventRecord",
    "GameState",
    "InferenceDecision",
    "InvalidDecisions",
    "LedgerLine",
    "Level",
    "Plan",
    "PlanStep",
    "PlanTurn",
    "PracticesDecision",
    "Problem",
    "Scenario",
    "TrainingDecision",
    "TurnRecord",
    "TurnResult",
    "apply_changes",
    "check_decisions",
    "counterfactual",
    "new_game",
    "plan_decisions",
    "play",
    "preview_turn",
    "resolve_turn",
    "serving_fit",
    "start_decisions",
]
