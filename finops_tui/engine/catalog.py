"""The price catalog: GPU specifications, compute prices, API prices, energy.

Every figure in the shipped catalog carries its source and date (see
`finops_tui/content/prices.toml`); a level may override any entry.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

GPU_NAMES: tuple[str, ...] = ("t4", "l4", "a10g", "a100-40gb", "a100-80gb", "h100", "h200")
GpuName = Literal["t4", "l4", "a10g", "a100-40gb", "a100-80gb", "h100", "h200"]

PRICING_OPTIONS: tuple[str, ...] = ("on-demand", "spot", "commit-1y", "commit-3y")
Pricing = Literal["on-demand", "spot", "commit-1y", "commit-3y"]
COMMIT_TERMS: tuple[str, ...] = ("commit-1y", "commit-3y")
COMMIT_TERM_HOURS: dict[str, float] = {"commit-1y": 8760.0, "commit-3y": 26280.0}

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class Strict(BaseModel):
    """Base for every file-backed model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class GpuPrice(Strict):
    """US$ per GPU-hour for each way of buying it."""

    on_demand: Positive
    spot: Positive
    commit_1y: Positive
    commit_3y: Positive
    source: str = ""

    @model_validator(mode="after")
    def _discounts_are_discounts(self) -> "GpuPrice":
        for name in ("spot", "commit_1y", "commit_3y"):
            if getattr(self, name) > self.on_demand:
                raise ValueError(f"{name} price must not exceed the on-demand price")
        return self

    def rate(self, pricing: str) -> float:
        return float(getattr(self, pricing.replace("-", "_")))


class GpuSpec(Strict):
    label: str
    bf16_tflops: Positive
    memory_gb: Positive
    bandwidth_gb_s: Positive
    power_w: Positive
    bf16: bool = Field(True, description="Has bf16 (the T4 does not): needed to train here.")
    gpus_per_instance: Annotated[int, Field(ge=1, le=64)] = Field(
        8, description="GPUs in the instance spot interrupts as one (p5/p4d 8, g5/g6 1)."
    )
    spot_interruptions_per_month: Fraction = Field(
        description="Share of spot *instances* interrupted in a month (AWS Spot Instance Advisor)."
    )
    source: str = ""
    price: GpuPrice


class ApiPrice(Strict):
    label: str
    input_per_million: NonNegative
    output_per_million: NonNegative
    source: str = ""


class Energy(Strict):
    """One energy model, stated once: a GPU's `power_w` is Meta's per-device figure
    *adjusted for PUE* (peak power, facility overhead included), so energy = GPU-hours
    x power_w (x a load share for serving and idle machines); no PUE on top."""

    grid_kg_co2e_per_kwh: NonNegative = 0.42
    serving_utilization: Fraction = 0.6
    dev_power_share: Fraction = Field(0.3, description="Notebooks mostly wait (assumption).")
    idle_power_share: Fraction = Field(0.1, description="A forgotten GPU idles (assumption).")
    source: str = ""


LATENCY_TARGETS: tuple[str, ...] = ("interactive", "batch")
LatencyTarget = Literal["interactive", "batch"]


class Serving(Strict):
    """Share of the offline maximum throughput a server keeps under each latency target."""

    interactive_share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.5
    batch_share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0
    replica_down_hours: NonNegative = Field(
        0.5, description="Hours one spot interruption takes its instance's replicas down."
    )
    source: str = ""

    @model_validator(mode="after")
    def _tighter_is_slower(self) -> "Serving":
        # A tighter latency target batches fewer requests: it never serves more.
        if self.interactive_share > self.batch_share:
            raise ValueError("interactive_share must not exceed batch_share")
        return self

    def share(self, target: str) -> float:
        return self.batch_share if target == "batch" else self.interactive_share


class Training(Strict):
    """Defaults for the physics of a training run."""

    mfu: Annotated[float, Field(gt=0, le=0.9, allow_inf_nan=False)] = 0.40
    bytes_per_param_checkpoint: Positive = 16.0
    checkpoint_write_gb_s: Positive = 2.0
    restart_hours: NonNegative = 0.25
    storage_usd_per_gb_month: NonNegative = 0.023
    checkpoints_kept: Annotated[int, Field(ge=1, le=100)] = 3
    source: str = ""


class Catalog(Strict):
    as_of: str
    hours_per_month: Positive = 730.0
    gpus: dict[GpuName, GpuSpec]
    apis: dict[str, ApiPrice] = Field(default_factory=dict)
    energy: Energy = Energy()
    serving: Serving = Serving()
    training: Training = Training()

    @model_validator(mode="after")
    def _all_gpus(self) -> "Catalog":
        missing = [g for g in GPU_NAMES if g not in self.gpus]
        if missing:
            raise ValueError(f"the catalog must describe every GPU; missing {', '.join(missing)}")
        return self

    def with_overrides(self, overrides: dict) -> "Catalog":
        """A copy of this catalog with a level's partial overrides merged in."""
        if not overrides:
            return self
        merged = deep_merge(self.model_dump(), overrides)
        return Catalog.model_validate(merged)


def deep_merge(base: dict, update: dict) -> dict:
    """Merge `update` into a copy of `base`, table by table."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
