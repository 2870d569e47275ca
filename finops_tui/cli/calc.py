"""`calc`: the AI project cost calculator on the command line."""

from __future__ import annotations

import argparse
import json

from finops_tui.content.catalog import shipped_catalog
from finops_tui.engine.calc import optimal_estimate, serve_estimate, train_estimate


def calc(args: argparse.Namespace) -> int:
    catalog = shipped_catalog()
    if args.calc_command == "train":
        result = train_estimate(
            catalog, args.params, args.tokens, args.gpu, args.gpus, args.mfu, args.pricing
        )
        lines = [
            f"Training {args.params:.3g} params on {args.tokens:.3g} tokens, "
            f"{args.gpus} x {args.gpu} ({args.pricing})",
            f"  compute      {result['flops']:.3g} FLOPs (6 x N x D)",
            f"  GPU-hours    {result['gpu_hours']:,.0f}",
            f"  wall clock   {result['wall_clock_hours']:,.1f} h",
            f"  cost         ${result['cost_usd']:,.2f}",
            f"  energy       {result['energy_kwh']:,.0f} kWh, {result['co2e_kg']:,.0f} kg CO2e",
            f"  loss         {result['loss']:.3f} (Chinchilla fit)",
            f"  memory       {result['memory_per_gpu_gb']:,.1f} GB of training state per GPU"
            f" (at least {result['min_gpus']} x {args.gpu})",
        ]
        if "commitment_term_hours" in result:
            lines.append(
                f"  commitment   {args.gpus} GPUs x {result['commitment_term_hours']:,.0f} h"
                f" billed whether used or not: {result['commitment_utilization']:.1%} used,"
                f" ${result['effective_rate_usd_per_gpu_hour']:,.2f} per GPU-hour used"
            )
        if "expected_preemptions" in result:
            lines.append(
                f"  spot         {result['instances']} instances,"
                f" about {result['expected_preemptions']:.2f} preemptions over the run"
            )
        if not result["fits"]:
            lines.insert(1, f"Does not fit: {result['reason']}")
    elif args.calc_command == "serve":
        result = serve_estimate(
            catalog,
            args.params,
            args.gpu,
            args.gpus,
            args.quant,
            args.tokens_per_day,
            args.pricing,
            latency=args.latency,
            input_tokens=args.input_tokens,
            output_tokens=args.output_tokens,
        )
        if result["fits"]:
            lines = [
                f"Serving {args.params:.3g} params at {args.quant} on {args.gpus} x {args.gpu},"
                f" {args.input_tokens:,.0f} tokens in and {args.output_tokens:,.0f} out a request",
                f"  memory       {result['memory_gb']:.1f} GB (weights plus KV cache)",
                f"  throughput   {result['tokens_per_second']:,.0f} output tokens/s at the"
                f" {args.latency} latency target ({result['latency_share']:.0%} of the maximum)",
                f"  maximum      {result['max_tokens_per_second']:,.0f} output tokens/s"
                " (batch: the offline maximum NVIDIA publishes)",
                f"  cost         ${result['input_cost_per_million_tokens_usd']:.4f} per 1M input,"
                f" ${result['output_cost_per_million_tokens_usd']:.4f} per 1M output,"
                f" ${result['cost_per_million_tokens_usd']:.4f} per 1M blended",
            ]
            if result["gpus_needed"] is not None:
                lines.append(
                    f"  GPUs needed  {result['gpus_needed']}"
                    f" for {args.tokens_per_day:.3g} tokens/day"
                )
        else:
            lines = [f"Does not fit: {result['reason']}"]
    else:
        result = optimal_estimate(args.flops)
        lines = [
            f"Compute-optimal for {args.flops:.3g} FLOPs (Epoch AI's Chinchilla fit)",
            f"  parameters   {result['params']:.3g}",
            f"  tokens       {result['tokens']:.3g}"
            f" ({result['tokens_per_param']:.1f} per parameter)",
            f"  loss         {result['loss']:.3f}",
        ]
    print(json.dumps(result, indent=2) if args.json else "\n".join(lines))
    return 0
