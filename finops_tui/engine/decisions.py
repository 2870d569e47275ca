"""What a player decides each turn (a budget period)."""

from typing import Annotated, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from finops_tui.engine.catalog import Fraction, GpuName, NonNegative, Pricing, Strict

Quantization = Literal["fp16", "int8", "int4"]
AllocationModel = Literal["none", "showback", "chargeback"]
# What the shutdown schedule covers: the dev notebooks (exempting everything else), or
# the whole account (everything stopped overnight unless a tag opts it out).
ScheduleScope = Literal["notebooks", "account"]
Count = Annotated[int, Field(ge=0, le=100_000)]


class TrainingDecision(Strict):
    """One training run: what it trains on, how it buys compute, how far it goes."""

    gpu: GpuName = "a100-80gb"
    gpus: Count = Field(0, description="GPUs in the training cluster; 0 pauses training.")
    pricing: Pricing = "on-demand"
    params: Annotated[float, Field(ge=1e6, le=1e13, allow_inf_nan=False)] = 7e9
    tokens: Annotated[float, Field(ge=0, le=1e14, allow_inf_nan=False)] = Field(
        0.0, description="Tokens to train on this period."
    )
    checkpoint_hours: Annotated[float, Field(ge=0.05, le=720, allow_inf_nan=False)] = 4.0


class InferenceDecision(Strict):
    """How the product's traffic is served: on our own GPUs or through an API."""

    mode: Literal["self-host", "api"] = "api"
    api_model: str = ""
    model: str = Field("", description="Self-hosted model id, from the level's model list.")
    gpu: GpuName = "l4"
    gpus: Count = 1
    pricing: Pricing = "on-demand"
    quant: Quantization = "fp16"
    caching: bool = False
    batching: bool = True


class PracticesDecision(Strict):
    """The FinOps practices in force this period."""

    tagging: Fraction = Field(0.0, description="Share of resources tagged with an owner.")
    budget_alerts: bool = False
    anomaly_detection: bool = False
    shutdown_schedule: bool = False
    schedule_scope: ScheduleScope = Field(
        "notebooks",
        description="What the shutdown schedule stops at night: the dev notebooks only, or "
        "the whole account (forgotten clusters, runaway jobs, the training run and serving).",
    )
    rightsizing: bool = False
    allocation: AllocationModel = "none"
    safety_evaluation: bool = Field(
        True, description="Keep the evaluation and red-teaming budget for model releases."
    )

    @model_serializer(mode="wrap")
    def _default_scope_left_out(self, handler: SerializerFunctionWrapHandler) -> dict:
        # Saves, replays and checksums written before the scope existed must read back
        # byte for byte: the default scope is not written.
        data = handler(self)
        if data.get("schedule_scope") == "notebooks":
            del data["schedule_scope"]
        return data


class Decisions(Strict):
    training: TrainingDecision = TrainingDecision()
    inference: InferenceDecision = InferenceDecision()
    practices: PracticesDecision = PracticesDecision()
    forecast_usd: NonNegative = Field(
        0.0, description="The player's forecast of next period's spend; 0 for none."
    )
