"""The AI project cost calculator: training and serving estimates from the same physics."""

from __future__ import annotations

import math

from finops_tui.engine import physics
from finops_tui.engine.catalog import Catalog
from finops_tui.engine.fit import training_fit

DEFAULT_CONTEXT_TOKENS = 2048


def train_estimate(
    catalog: Catalog,
    params: float,
    tokens: float,
    gpu: str,
    gpus: int = 8,
    mfu: float | None = None,
    pricing: str = "on-demand",
) -> dict[str, object]:
    """Compute, time, money and carbon of one training run, and whether it fits.

    A run that does not fit its GPUs still gets its figures (what it would cost if it
    did), with `fits` false and the reason, so a table can show it struck out.
    """
    spec = catalog.gpus[gpu]
    fit = training_fit(catalog, params, gpu, gpus)
    mfu = catalog.training.mfu if mfu is None else mfu
    flops = float(physics.training_flops(params, tokens))
    hours = float(physics.gpu_hours(flops, spec.bf16_tflops, mfu))
    # power_w is already PUE-adjusted (Meta's basis): no PUE on top.
    energy = hours * spec.power_w / 1000.0
    out: dict[str, object] = {
        "flops": flops,
        "gpu_hours": hours,
        "wall_clock_hours": hours / gpus,
        "cost_usd": round(hours * spec.price.rate(pricing), 2),
        "energy_kwh": energy,
        "co2e_kg": energy * catalog.energy.grid_kg_co2e_per_kwh,
        "loss": float(physics.chinchilla_loss(params, tokens)),
        "fits": fit.fits,
        "memory_per_gpu_gb": round(fit.memory_per_gpu_gb, 2),
        "min_gpus": fit.min_gpus,
        "reason": fit.reason,
    }
    if pricing == "spot":
        # AWS's interruption frequency is a share of instances a month: draw per instance.
        instances = math.ceil(gpus / spec.gpus_per_instance - 1e-9)
        per_instance_hour = spec.spot_interruptions_per_month / catalog.hours_per_month
        out["instances"] = instances
        out["expected_preemptions"] = round(per_instance_hour * instances * hours / gpus, 3)
    return out


def serve_estimate(
    catalog: Catalog,
    params: float,
    gpu: str,
    gpus: int = 1,
    quant: str = "fp16",
    tokens_per_day: float | None = None,
    pricing: str = "on-demand",
    context_tokens: float = DEFAULT_CONTEXT_TOKENS,
) -> dict[str, object]:
    """Does a model fit, how fast does it serve, and what does a million tokens cost."""
    spec = catalog.gpus[gpu]
    memory = float(physics.serving_memory_gb(params, quant, context_tokens))
    group = int(physics.gpus_per_replica(params, quant, context_tokens, spec.memory_gb))
    out: dict[str, object] = {
        "fits": False,
        "memory_gb": round(memory, 2),
        "gpus_per_replica": group,
        "tokens_per_second": 0.0,
        "cost_per_million_tokens_usd": None,
        "gpus_needed": None,
        "reason": "",
    }
    usable = spec.memory_gb * physics.USABLE_MEMORY
    if group == 0:
        out["reason"] = (
            f"the model needs {memory:.1f} GB at {quant} (weights plus KV cache) but even "
            f"8 x {gpu} offer only {8 * usable:.1f} GB usable; quantize it or use bigger GPUs"
        )
        return out
    if gpus < group:
        out["reason"] = (
            f"the model needs {memory:.1f} GB at {quant}, which takes {group} x {gpu} "
            f"({usable:.1f} GB usable each); you gave {gpus}"
        )
        return out
    replicas = gpus // group
    tps_replica = float(
        physics.replica_tokens_per_second(
            params, quant, group, spec.bandwidth_gb_s, spec.bf16_tflops, True
        )
    )
    tps = tps_replica * replicas
    rate = spec.price.rate(pricing)
    out.update(
        fits=True,
        tokens_per_second=round(tps, 1),
        cost_per_million_tokens_usd=round(gpus * rate / (tps * 3600.0) * 1e6, 4),
    )
    if tokens_per_day is not None:
        replicas_needed = max(1, math.ceil(tokens_per_day / 86400.0 / tps_replica))
        needed = replicas_needed * group
        out["gpus_needed"] = needed
        if tokens_per_day > 0:
            out["cost_per_million_tokens_usd"] = round(
                needed * rate * 24.0 / (tokens_per_day / 1e6), 4
            )
    return out


def optimal_estimate(flops: float) -> dict[str, float]:
    """The compute-optimal model size and data for a FLOP budget (Epoch AI's fit)."""
    params, tokens, loss = physics.compute_optimal(flops)
    return {
        "flops": flops,
        "params": params,
        "tokens": tokens,
        "tokens_per_param": tokens / params,
        "loss": loss,
    }
