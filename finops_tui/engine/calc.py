"""The AI project cost calculator: training and serving estimates from the same physics."""

from __future__ import annotations

import math

from finops_tui.engine import physics
from finops_tui.engine.catalog import COMMIT_TERM_HOURS, Catalog
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
        "cost_usd": round(run_cost(hours, gpus, spec.price.rate(pricing), pricing), 2),
        "energy_kwh": energy,
        "co2e_kg": energy * catalog.energy.grid_kg_co2e_per_kwh,
        "loss": float(physics.chinchilla_loss(params, tokens)),
        "fits": fit.fits,
        "memory_per_gpu_gb": round(fit.memory_per_gpu_gb, 2),
        "min_gpus": fit.min_gpus,
        "reason": fit.reason,
    }
    if pricing in COMMIT_TERM_HOURS:
        term = COMMIT_TERM_HOURS[pricing]
        terms = max(1, math.ceil(hours / gpus / term - 1e-9))
        out["commitment_term_hours"] = term * terms
        out["commitment_utilization"] = round(hours / (gpus * term * terms), 6)
        out["effective_rate_usd_per_gpu_hour"] = round(float(out["cost_usd"]) / hours, 4)
    if pricing == "spot":
        # AWS's interruption frequency is a share of instances a month: draw per instance.
        instances = math.ceil(gpus / spec.gpus_per_instance - 1e-9)
        per_instance_hour = spec.spot_interruptions_per_month / catalog.hours_per_month
        out["instances"] = instances
        out["expected_preemptions"] = round(per_instance_hour * instances * hours / gpus, 3)
    return out


def run_cost(gpu_hours: float, gpus: int, rate: float, pricing: str) -> float:
    """US$ of a run: the hours used, or for a commitment every hour of its whole term
    (billed used or not), as many terms as the run's wall clock needs."""
    if pricing not in COMMIT_TERM_HOURS:
        return gpu_hours * rate
    term = COMMIT_TERM_HOURS[pricing]
    terms = max(1, math.ceil(gpu_hours / gpus / term - 1e-9))
    return gpus * term * terms * rate


def serve_estimate(
    catalog: Catalog,
    params: float,
    gpu: str,
    gpus: int = 1,
    quant: str = "fp16",
    tokens_per_day: float | None = None,
    pricing: str = "on-demand",
    context_tokens: float = DEFAULT_CONTEXT_TOKENS,
    latency: str = "interactive",
    input_tokens: float = physics.PUBLISHED_INPUT_TOKENS,
    output_tokens: float = physics.PUBLISHED_OUTPUT_TOKENS,
) -> dict[str, object]:
    """Does a model fit, how fast does it serve, and what do a million tokens cost.

    Requests read `input_tokens` and write `output_tokens` (the default is the shape of
    NVIDIA's published table). `tokens_per_second` is output tokens at the `latency`
    target; `max_tokens_per_second` the batch (offline maximum) figure. Prices are per
    million input tokens, per million output tokens, and blended over both, the way API
    price lists quote them; `tokens_per_day` counts output tokens.
    """
    spec = catalog.gpus[gpu]
    memory = float(physics.serving_memory_gb(params, quant, context_tokens))
    group = int(physics.gpus_per_replica(params, quant, context_tokens, spec.memory_gb))
    share = catalog.serving.share(latency)
    out: dict[str, object] = {
        "fits": False,
        "memory_gb": round(memory, 2),
        "gpus_per_replica": group,
        "latency_target": latency,
        "latency_share": share,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "tokens_per_second": 0.0,
        "max_tokens_per_second": 0.0,
        "input_cost_per_million_tokens_usd": None,
        "output_cost_per_million_tokens_usd": None,
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
    shape = (spec.bandwidth_gb_s, spec.bf16_tflops, True)

    def replica_tps(latency_share: float) -> float:
        return float(
            physics.replica_tokens_per_second(
                params, quant, group, *shape, latency_share, input_tokens, output_tokens
            )
        )

    tps_replica = replica_tps(share)
    t_in, t_out = (float(x) for x in physics.token_seconds(params, quant, group, *shape))
    rate = spec.price.rate(pricing)
    # US$ a replica-second of work, every GPU held counted (GPUs beyond whole replicas too).
    per_replica_second = gpus * rate / 3600.0 / replicas
    scale = 1.0
    if tokens_per_day is not None:
        replicas_needed = max(1, math.ceil(tokens_per_day / 86400.0 / tps_replica))
        out["gpus_needed"] = replicas_needed * group
        per_replica_second = group * rate / 3600.0
        if tokens_per_day > 0:
            # Paid: the fleet all day. Used: the replica-seconds the tokens take.
            used = tokens_per_day / tps_replica
            scale = replicas_needed * 86400.0 / used
    input_usd = per_replica_second * t_in / share * 1e6 * scale
    output_usd = per_replica_second * t_out / share * 1e6 * scale
    blended = (input_tokens * input_usd + output_tokens * output_usd) / (
        input_tokens + output_tokens
    )
    out.update(
        fits=True,
        tokens_per_second=round(tps_replica * replicas, 1),
        max_tokens_per_second=round(replica_tps(catalog.serving.batch_share) * replicas, 1),
        input_cost_per_million_tokens_usd=round(input_usd, 4),
        output_cost_per_million_tokens_usd=round(output_usd, 4),
        cost_per_million_tokens_usd=round(blended, 4),
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
