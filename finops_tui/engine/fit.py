"""Does a training run fit its GPUs? One answer for the calculator, the CLI and the game.

Mixed-precision Adam keeps 16 bytes a parameter (ZeRO, Rajbhandari et al. 2020),
sharded over the data-parallel GPUs (ZeRO-3 / FSDP), and each GPU keeps room for
activations. A GPU without bf16 (the T4) is refused for training: the references give
no measured MFU for fp16 mixed precision with loss scaling on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from finops_tui.engine import physics
from finops_tui.engine.catalog import Catalog


@dataclass(frozen=True)
class TrainingFit:
    fits: bool
    state_gb: float  # the whole run's weights, gradients and Adam state
    memory_per_gpu_gb: float  # the sharded state on each GPU
    capacity_per_gpu_gb: float  # what one GPU may give it (usable, less activations)
    min_gpus: int  # fewest GPUs of this type that hold it (0: this GPU cannot train)
    reason: str  # empty when it fits


def training_fit(
    catalog: Catalog,
    params: float,
    gpu: str,
    gpus: int,
    alternatives: Iterable[str] | None = None,
) -> TrainingFit:
    """Whether `gpus` x `gpu` hold a `params` model's training state, and if not, why."""
    spec = catalog.gpus[gpu]
    state = float(physics.training_state_gb(params))
    per_gpu = float(physics.training_state_per_gpu_gb(params, gpus))
    capacity = float(physics.training_capacity_gb(spec.memory_gb))
    total = spec.memory_gb * max(gpus, 0)
    if not spec.bf16:
        return TrainingFit(
            False,
            state,
            per_gpu,
            capacity,
            0,
            f"{_size(params)} needs about {state:,.0f} GB of training state; {gpus} x {gpu} "
            f"hold {total:,.0f} GB, and {gpu} has no bf16 to train in mixed precision: "
            f"{_suggestion(catalog, params, alternatives)}",
        )
    need = int(physics.training_min_gpus(params, spec.memory_gb))
    if gpus >= need:
        return TrainingFit(True, state, per_gpu, capacity, need, "")
    return TrainingFit(
        False,
        state,
        per_gpu,
        capacity,
        need,
        f"{_size(params)} needs about {state:,.0f} GB of training state (16 bytes a "
        f"parameter, mixed-precision Adam); {gpus} x {gpu} hold {total:,.0f} GB, "
        f"{capacity:.0f} GB each after activations: take at least {need} x {gpu}",
    )


def _suggestion(catalog: Catalog, params: float, alternatives: Iterable[str] | None) -> str:
    names = list(alternatives) if alternatives is not None else list(catalog.gpus)
    options = [
        (int(physics.training_min_gpus(params, catalog.gpus[g].memory_gb)), g)
        for g in names
        if catalog.gpus[g].bf16
    ]
    if not options:
        return "choose a GPU with bf16"
    need, best = min(options, key=lambda ng: (ng[0], -catalog.gpus[ng[1]].memory_gb))
    return f"take at least {need} x {best}"


def _size(params: float) -> str:
    if params >= 1e9:
        return f"{params / 1e9:.3g}B"
    return f"{params / 1e6:.3g}M"
