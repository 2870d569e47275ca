"""Turn the kernel's line arrays into a readable, FOCUS-shaped bill for one game."""

from __future__ import annotations

from finops_tui.engine.catalog import GPU_NAMES
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.kernel import Line, TurnOutput
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.stages.side_work import event_gpu, event_of
from finops_tui.engine.state import LedgerLine

AI_SERVICE = "AI and Machine Learning"
PRICING_CATEGORY = {
    "on-demand": "Standard",
    "spot": "Dynamic",
    "commit-1y": "Committed",
    "commit-3y": "Committed",
}
WORKLOAD_INFO = {
    # workload: (resource id, service category, team)
    "training": ("training-cluster", AI_SERVICE, "research"),
    "inference": ("inference-fleet", AI_SERVICE, "product"),
    "dev": ("dev-notebooks", "Compute", "data-science"),
    "idle": ("forgotten-cluster", "Compute", "data-science"),
    "runaway": ("runaway-job", "Compute", "research"),
}
PRACTICE_LABELS = {
    "tagging": "Tagging and cost allocation",
    "budget_alerts": "Budgets and alerts",
    "anomaly_detection": "Anomaly detection",
    "shutdown_schedule": "Scheduled shutdown of idle environments",
    "rightsizing": "Rightsizing review",
    "allocation": "Showback / chargeback reports",
    "safety_evaluation": "Evaluation and red-teaming",
}
COMMITMENT_TYPE = "Reserved GPU capacity"


def workload_gpu(scenario: Scenario, decisions: Decisions, workload: str) -> str:
    """The GPU a workload's lines are on: the kernel's own answer (one function, so
    the bill's description and what the kernel billed can never disagree)."""
    if workload == "training":
        return decisions.training.gpu
    if workload == "inference":
        return decisions.inference.gpu
    if workload == "dev":
        level = scenario.level
        return level.dev.gpu if level.dev else GPU_NAMES[event_gpu(level, None)]
    kind = {"idle": "idle_cluster", "runaway": "runaway_job"}[workload]
    return GPU_NAMES[event_gpu(scenario.level, event_of(scenario.level, kind))]


def build_ledger(
    scenario: Scenario, turn: int, decisions: Decisions, out: TurnOutput, price_mult
) -> tuple[LedgerLine, ...]:
    """The bill of game 0 of a kernel output, with tagged and untagged parts split."""
    lines: list[LedgerLine] = []
    for key, line in out.lines.items():
        if int(line.billed[0]) == 0 and int(line.effective[0]) == 0:
            continue
        lines.extend(_split(_describe(scenario, turn, decisions, key, price_mult), line))
    return tuple(lines)


def _describe(scenario: Scenario, turn: int, decisions: Decisions, key: str, price_mult) -> dict:
    level = scenario.level
    base = {"turn": turn, "charge_category": "Usage", "charge_frequency": "Usage-Based"}
    parts = key.split(".")
    if parts[0] in WORKLOAD_INFO:
        workload, option = parts
        if option in PRICING_CATEGORY:
            gpu = workload_gpu(scenario, decisions, workload)
            g = GPU_NAMES.index(gpu)
            resource, service, team = WORKLOAD_INFO[workload]
            rate = float(scenario.rates[0][g] * price_mult[g])
            committed = option.startswith("commit")
            return {
                **base,
                "charge_description": f"{_workload_label(workload)}: {gpu} GPU-hours, {option}",
                "pricing_category": PRICING_CATEGORY[option],
                "service_category": service,
                "service_name": "GPU Compute",
                "resource_id": f"{level.id}/{resource}",
                "resource_type": "GPU instance",
                "sku_id": f"gpu-{gpu}-{option}",
                "pricing_unit": "GPU-hour",
                "list_unit_price": round(rate, 6),
                "commitment_discount_id": f"{option}-{gpu}" if committed else None,
                "commitment_discount_status": "Used" if committed else None,
                "commitment_discount_type": COMMITMENT_TYPE if committed else None,
                "team": team,
                "cause": _cause(decisions, workload, option, gpu),
            }
    if parts[0] == "commitment":
        term, gpu = parts[1], parts[2]
        unused = len(parts) == 4
        g = GPU_NAMES.index(gpu)
        rate = float(scenario.rates[2 if term == "commit-1y" else 3][g])
        return {
            **base,
            "charge_category": "Usage" if unused else "Purchase",
            "charge_frequency": "Usage-Based" if unused else "Recurring",
            "charge_description": (
                f"Unused {term} commitment on {gpu}: paid for, not used"
                if unused
                else f"{term} commitment on {gpu}: billed every period, used or not"
            ),
            "pricing_category": "Committed",
            "service_category": AI_SERVICE,
            "service_name": "GPU Compute",
            "resource_id": f"{level.id}/{term}-{gpu}",
            "resource_type": "Commitment",
            "sku_id": f"gpu-{gpu}-{term}",
            "pricing_unit": "GPU-hour",
            "list_unit_price": round(rate, 6),
            "commitment_discount_id": f"{term}-{gpu}",
            "commitment_discount_status": "Unused" if unused else None,
            "commitment_discount_type": COMMITMENT_TYPE,
            "team": "finops" if not unused else "shared",
            "cause": f"Commitment bought for {gpu} ({term})",
        }
    if key == "training.storage":
        return {
            **base,
            "charge_description": "Training checkpoints (weights and optimizer state)",
            "pricing_category": "Standard",
            "service_category": "Storage",
            "service_name": "Object Storage",
            "resource_id": f"{level.id}/checkpoints",
            "resource_type": "Bucket",
            "sku_id": "object-storage-standard",
            "pricing_unit": "GB-month",
            "list_unit_price": scenario.catalog.training.storage_usd_per_gb_month,
            "team": "research",
            "cause": f"Checkpoints every {decisions.training.checkpoint_hours:g} h",
        }
    if key.startswith("inference.api"):
        api = decisions.inference.api_model
        direction = "input" if key.endswith("input") else "output"
        price = scenario.catalog.apis[api]
        unit = price.input_per_million if direction == "input" else price.output_per_million
        return {
            **base,
            "charge_description": f"{price.label}: {direction} tokens",
            "pricing_category": "Standard",
            "service_category": AI_SERVICE,
            "service_name": f"LLM API ({price.label})",
            "resource_id": f"{level.id}/api-{api}",
            "resource_type": "API",
            "sku_id": f"api-{api}-{direction}",
            "pricing_unit": "1M tokens",
            "list_unit_price": unit,
            "team": "product",
            "cause": f"Serving through the {price.label} API",
        }
    if key == "inference.cache":
        return {
            **base,
            "charge_description": "Response cache",
            "pricing_category": "Standard",
            "service_category": "Databases",
            "service_name": "In-memory cache",
            "resource_id": f"{level.id}/response-cache",
            "resource_type": "Cache cluster",
            "sku_id": "cache-standard",
            "pricing_unit": "Month",
            "list_unit_price": 0.0,
            "team": "product",
            "cause": "Caching turned on",
        }
    if parts[0] == "practice":
        label = PRACTICE_LABELS[parts[1]]
        return {
            **base,
            "charge_description": f"FinOps practice: {label} (tools and team time)",
            "pricing_category": "Other",
            "service_category": "Management and Governance",
            "service_name": "FinOps practice",
            "resource_id": f"{level.id}/practice-{parts[1]}",
            "resource_type": "Practice",
            "sku_id": f"practice-{parts[1]}",
            "pricing_unit": "Month",
            "list_unit_price": 0.0,
            "team": "finops",
            "cause": f"{label} in place",
        }
    if key == "incident.safety":
        return {
            **base,
            "charge_description": "Harmful-output incident: response, remediation, fines",
            "pricing_category": "Other",
            "service_category": "Other",
            "service_name": "Incident response",
            "resource_id": f"{level.id}/incident",
            "resource_type": "Incident",
            "sku_id": "incident",
            "pricing_unit": "Incident",
            "list_unit_price": 0.0,
            "team": "product",
            "cause": "A model release without enough evaluation",
        }
    raise KeyError(f"no description for ledger line {key!r}")


def _workload_label(workload: str) -> str:
    return {
        "training": "Training",
        "inference": "Inference",
        "dev": "Dev notebooks",
        "idle": "Forgotten cluster",
        "runaway": "Runaway job",
    }[workload]


def _cause(decisions: Decisions, workload: str, option: str, gpu: str) -> str:
    if workload == "training":
        t = decisions.training
        return f"Training {t.params / 1e9:g}B params on {t.gpus} x {gpu} ({t.pricing})"
    if workload == "inference":
        i = decisions.inference
        return f"Self-hosting on {i.gpus} x {gpu} ({i.pricing}, {i.quant})"
    if workload == "dev":
        return "Dev notebooks running" + (
            " on a shutdown schedule"
            if decisions.practices.shutdown_schedule
            else " around the clock"
        )
    if workload == "idle":
        return "A cluster nobody remembered to turn off"
    return "A job stuck in a loop"


def _split(meta: dict, line: Line) -> list[LedgerLine]:
    """One line with tags for the allocated part, one without for the rest."""
    team = meta.pop("team")
    effective = int(line.effective[0])
    allocated = int(line.allocated[0])
    tags = {"project": meta["resource_id"].split("/")[0], "team": team}
    if effective == 0 or allocated in (0, effective):
        owned = effective > 0 and allocated == effective
        return [_make(meta, line, 1.0, tags if owned else {})]
    share = allocated / effective
    first = _make(meta, line, share, tags)
    rest = first.model_copy(
        update={
            "pricing_quantity": float(line.quantity[0]) - first.pricing_quantity,
            "list_cost_cents": int(line.list_cost[0]) - first.list_cost_cents,
            "billed_cost_cents": int(line.billed[0]) - first.billed_cost_cents,
            "effective_cost_cents": effective - first.effective_cost_cents,
            "wasted_cents": int(line.waste[0]) - first.wasted_cents,
            "tags": {},
        }
    )
    return [first, rest]


def _make(meta: dict, line: Line, share: float, tags: dict[str, str]) -> LedgerLine:
    if share == 1.0:
        part = {
            "pricing_quantity": float(line.quantity[0]),
            "list_cost_cents": int(line.list_cost[0]),
            "billed_cost_cents": int(line.billed[0]),
            "effective_cost_cents": int(line.effective[0]),
            "wasted_cents": int(line.waste[0]),
        }
    else:
        part = {
            "pricing_quantity": float(line.quantity[0]) * share,
            "list_cost_cents": round(int(line.list_cost[0]) * share),
            "billed_cost_cents": round(int(line.billed[0]) * share),
            "effective_cost_cents": int(line.allocated[0]),
            "wasted_cents": round(int(line.waste[0]) * share),
        }
    # Built from the engine's own typed values: no need to validate them again.
    return LedgerLine.model_construct(**meta, **part, tags=tags)
