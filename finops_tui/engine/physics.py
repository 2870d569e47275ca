"""Training and serving physics, grounded in public figures.

Every function works on Python floats and on numpy arrays alike, so the batch
engine and the calculator share one implementation.
"""

from __future__ import annotations

import numpy as np

# Chinchilla loss fit L(N, D) = E + A/N^alpha + B/D^beta, Epoch AI's replication
# (Besiroglu et al. 2024, arXiv 2404.10102), which reproduces ~20 tokens/parameter.
LOSS_E = 1.817
LOSS_A = 482.01
LOSS_B = 2085.43
LOSS_ALPHA = 0.3478
LOSS_BETA = 0.3658

BYTES_PER_PARAM = {"fp16": 2.0, "int8": 1.0, "int4": 0.5}

# Serving throughput fitted to NVIDIA TensorRT-LLM's published offline maximum
# throughput (FP8, 1000 in / 1000 out: Llama 3.1 8B on H100 and H200, Llama 3.3 70B on
# 2xH100 and 1xH200): tokens/s = C * (bandwidth TB/s)^a / (weights GB)^b, within 7%.
THROUGHPUT_C = 33137.5
THROUGHPUT_BW_EXP = 0.740
THROUGHPUT_WEIGHTS_EXP = 0.832
# Without continuous batching a server handles few requests at once (game assumption).
NO_BATCHING_FACTOR = 0.15
# Under a latency target a server batches fewer requests than its offline maximum: the
# share kept is a setting (catalog [serving], the level's latency_target), not physics.
# The published table's shape: 1000 input and 1000 output tokens a request.
PUBLISHED_INPUT_TOKENS = 1000.0
PUBLISHED_OUTPUT_TOKENS = 1000.0
# Prefill (reading the input) costs ~2N FLOPs a token (Transformer Math 101) and is
# compute-bound; it runs at this share of peak (game assumption, as decode's bound).
PREFILL_PEAK_SHARE = 0.5
# 8-bit and lower kernels run at twice the bf16 rate (NVIDIA data sheets: A100 INT8
# 624 TOPS vs 312 BF16, H100 FP8 1979 vs 989; not in the project's reference file).
LOW_BIT_PEAK_MULTIPLIER = 2.0
# Low-bit kernels pay some dequantization overhead (game assumption).
QUANT_KERNEL_EFFICIENCY = {"fp16": 1.0, "int8": 1.0, "int4": 0.85}

# KV cache: Llama 3.1 8B in bf16 needs ~0.131 MB per token; Llama 3.x 70B ~0.328 MB
# (80 layers x 8192 hidden x 8/64 KV heads x 2 x 2 bytes). Power law between them.
KV_MB_PER_TOKEN_8B = 0.131
KV_SIZE_EXP = 0.42
# Memory usable for weights and KV cache on a GPU (the rest is activations, runtime).
USABLE_MEMORY = 0.9
# Concurrent sequences a serving replica must hold KV cache for (game assumption).
KV_CONCURRENT_SEQUENCES = 16

# Training state with mixed-precision Adam: 2 bytes of bf16 weights, 2 of gradients and
# 12 of fp32 master weights and two moments per parameter (Rajbhandari et al. 2020, ZeRO).
# ZeRO-3 / FSDP shards all of it over the data-parallel GPUs.
TRAINING_STATE_BYTES_PER_PARAM = 16.0
# Share of a GPU's usable memory left to activations, with activation checkpointing
# and a small micro-batch (game assumption: no published figure in the references).
TRAINING_ACTIVATION_SHARE = 0.2


def training_flops(params, tokens):
    """Training compute: 6 FLOPs per parameter per token (EleutherAI, Transformer Math 101)."""
    return 6.0 * np.asarray(params, dtype=float) * np.asarray(tokens, dtype=float)


def gpu_hours(flops, peak_tflops, mfu):
    """GPU-hours to deliver `flops` at `mfu` of a GPU's peak dense BF16 throughput.

    The same MFU at any cluster size: Llama 3 405B held 38-43% on 8,192-16,384 H100s
    (arXiv 2407.21783, Table 4), so linear scaling holds far past a level's 512 GPUs.
    """
    return np.asarray(flops, dtype=float) / (np.asarray(peak_tflops) * 1e12 * mfu * 3600.0)


def chinchilla_loss(params, tokens):
    """Predicted pre-training loss of a model with `params` trained on `tokens`."""
    n = np.maximum(np.asarray(params, dtype=float), 1.0)
    d = np.maximum(np.asarray(tokens, dtype=float), 1.0)
    return LOSS_E + LOSS_A / n**LOSS_ALPHA + LOSS_B / d**LOSS_BETA


def compute_optimal(flops: float) -> tuple[float, float, float]:
    """The (params, tokens, loss) minimising the loss for a compute budget C = 6ND.

    Closed form of the constrained minimum: N* = G (C/6)^(beta/(alpha+beta)) with
    G = (alpha A / (beta B))^(1/(alpha+beta)).
    """
    a, b = LOSS_ALPHA, LOSS_BETA
    g = (a * LOSS_A / (b * LOSS_B)) ** (1.0 / (a + b))
    params = g * (flops / 6.0) ** (b / (a + b))
    tokens = flops / (6.0 * params)
    return float(params), float(tokens), float(chinchilla_loss(params, tokens))


def weights_gb(params, quant):
    """Memory of the weights alone, in GB (10^9 bytes)."""
    return np.asarray(params, dtype=float) * _bytes(quant) / 1e9


def kv_cache_gb(params, quant, context_tokens):
    """KV cache reserved for a replica's concurrent sequences, in GB."""
    per_token_mb = KV_MB_PER_TOKEN_8B * (np.asarray(params, dtype=float) / 8e9) ** KV_SIZE_EXP
    # KV cache is kept at the quantization's precision, but never below 8 bits.
    per_token_mb = per_token_mb * np.maximum(_bytes(quant), 1.0) / 2.0
    return per_token_mb * np.asarray(context_tokens, dtype=float) * KV_CONCURRENT_SEQUENCES / 1e3


def serving_memory_gb(params, quant, context_tokens):
    return weights_gb(params, quant) + kv_cache_gb(params, quant, context_tokens)


def gpus_per_replica(params, quant, context_tokens, gpu_memory_gb):
    """Smallest tensor-parallel group (1, 2, 4 or 8 GPUs) that holds the model; 0 if none."""
    need = serving_memory_gb(params, quant, context_tokens)
    usable = np.asarray(gpu_memory_gb, dtype=float) * USABLE_MEMORY
    out = np.zeros(np.broadcast(need, usable).shape, dtype=np.int64)
    for group in (8, 4, 2, 1):
        out = np.where(need <= usable * group, group, out)
    return out


def replica_max_tokens_per_second(params, quant, group, bandwidth_gb_s, peak_tflops, batching):
    """Offline maximum output tokens/s of one replica of `group` GPUs, at the published
    table's shape (1000 input, 1000 output tokens a request): the TensorRT-LLM fit."""
    bw_tb = np.asarray(bandwidth_gb_s, dtype=float) * np.asarray(group) / 1e3
    w = np.maximum(weights_gb(params, quant), 1e-3)
    memory_bound = THROUGHPUT_C * bw_tb**THROUGHPUT_BW_EXP / w**THROUGHPUT_WEIGHTS_EXP
    # Decode needs ~2N FLOPs per token; at most half of peak is reachable while serving.
    compute_bound = (
        np.asarray(peak_tflops)
        * 1e12
        * np.asarray(group)
        * 0.5
        / (2.0 * np.asarray(params, dtype=float))
    )
    tps = np.minimum(memory_bound, compute_bound) * _quant_efficiency(quant)
    return tps * np.where(batching, 1.0, NO_BATCHING_FACTOR)


def token_seconds(params, quant, group, bandwidth_gb_s, peak_tflops, batching):
    """Replica-seconds per input token and per output token at the offline maximum.

    The published figure is output tokens/s with as many input tokens read: its time per
    request splits into prefill (2N FLOPs an input token, compute-bound) and decode
    (the rest). Prefill never takes more than half of it.
    """
    fit = np.maximum(
        replica_max_tokens_per_second(params, quant, group, bandwidth_gb_s, peak_tflops, batching),
        1e-9,
    )
    per_request = PUBLISHED_OUTPUT_TOKENS / fit  # seconds for one published-shape request
    low_bit = np.where(_bytes_per(quant) <= 1.0, LOW_BIT_PEAK_MULTIPLIER, 1.0)
    flops_per_s = np.asarray(peak_tflops) * low_bit * 1e12 * np.asarray(group) * PREFILL_PEAK_SHARE
    prefill = 2.0 * np.asarray(params, dtype=float) / flops_per_s
    t_in = np.minimum(prefill, 0.5 * per_request / PUBLISHED_INPUT_TOKENS)
    t_out = (per_request - t_in * PUBLISHED_INPUT_TOKENS) / PUBLISHED_OUTPUT_TOKENS
    return t_in, t_out


def replica_tokens_per_second(
    params,
    quant,
    group,
    bandwidth_gb_s,
    peak_tflops,
    batching,
    latency_share=1.0,
    input_tokens=PUBLISHED_INPUT_TOKENS,
    output_tokens=PUBLISHED_OUTPUT_TOKENS,
):
    """Output tokens/s of one replica for requests of `input_tokens` in and
    `output_tokens` out, keeping `latency_share` of the offline maximum (1: batch)."""
    t_in, t_out = token_seconds(params, quant, group, bandwidth_gb_s, peak_tflops, batching)
    inp = np.asarray(input_tokens, dtype=float)
    out = np.asarray(output_tokens, dtype=float)
    return out / (inp * t_in + out * t_out) * np.asarray(latency_share, dtype=float)


def training_state_gb(params):
    """Weights, gradients and Adam state of a mixed-precision run, in GB (ZeRO, 2020)."""
    return np.asarray(params, dtype=float) * TRAINING_STATE_BYTES_PER_PARAM / 1e9


def training_state_per_gpu_gb(params, gpus):
    """Training state on each GPU when ZeRO-3 / FSDP shards it over `gpus` GPUs."""
    return training_state_gb(params) / np.maximum(np.asarray(gpus, dtype=float), 1.0)


def training_capacity_gb(gpu_memory_gb):
    """Memory of one GPU the sharded training state may take: usable, less activations."""
    return (
        np.asarray(gpu_memory_gb, dtype=float) * USABLE_MEMORY * (1.0 - TRAINING_ACTIVATION_SHARE)
    )


def training_min_gpus(params, gpu_memory_gb):
    """The fewest data-parallel GPUs whose memory holds the sharded training state."""
    need = training_state_gb(params) / training_capacity_gb(gpu_memory_gb)
    return np.maximum(np.ceil(need - 1e-9), 1.0).astype(np.int64)


def training_fits(params, gpus, gpu_memory_gb):
    """Whether `gpus` GPUs hold the training state, sharded, with room for activations."""
    return (np.asarray(gpus) >= training_min_gpus(params, gpu_memory_gb)) & (np.asarray(gpus) > 0)


def checkpoint_write_hours(params, bytes_per_param, write_gb_s):
    """Time to write one checkpoint (weights and optimizer state)."""
    return np.asarray(params, dtype=float) * bytes_per_param / 1e9 / write_gb_s / 3600.0


def _bytes(quant):
    if isinstance(quant, str):
        return BYTES_PER_PARAM[quant]
    return np.asarray(quant, dtype=float)


def _bytes_per(quant):
    return np.asarray(_bytes(quant), dtype=float)


def _quant_efficiency(quant):
    if isinstance(quant, str):
        return QUANT_KERNEL_EFFICIENCY[quant]
    b = np.asarray(quant, dtype=float)
    return np.where(b < 1.0, QUANT_KERNEL_EFFICIENCY["int4"], 1.0)
