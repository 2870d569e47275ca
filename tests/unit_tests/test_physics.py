"""Physics against figures published by others, each test naming its source.

The numbers expected here come from papers, model cards and NVIDIA's tables (see
/work/shared/reference/figures.md), never from the engine's own constants. Where the
game adds an assumption of its own (a latency target, usable memory), the test says so.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finops_tui.content.catalog import shipped_catalog
from finops_tui.engine import physics
from finops_tui.engine.calc import train_estimate
from finops_tui.engine.fit import training_fit

# NVIDIA data sheets (via stas00/ml-engineering): peak dense BF16 TFLOP/s, memory, bandwidth.
A100_TFLOPS = 312
H100_TFLOPS, H100_GB, H100_GB_S = 989, 80, 3350
H200_TFLOPS, H200_GB, H200_GB_S = 989, 141, 4800


def test_training_flops_is_six_n_d():
    """EleutherAI, Transformer Math 101: training costs 6 FLOPs per parameter per token."""
    # 6 x 7e9 x 1.4e11 = 5.88e21
    assert physics.training_flops(7e9, 1.4e11) == pytest.approx(5.88e21, rel=1e-12)


def test_gpu_hours_from_peak_and_mfu():
    """NVIDIA A100 data sheet: 312 TFLOP/s dense BF16; 40% MFU as Llama 3 405B reached
    (38-43%, arXiv 2407.21783, Table 4)."""
    # 1e21 FLOPs / (312e12 FLOP/s x 0.4 x 3600 s/h) = 2225.7 A100-hours
    assert physics.gpu_hours(1e21, A100_TFLOPS, 0.4) == pytest.approx(2225.7, abs=0.1)


def test_chinchilla_loss_is_epoch_ais_fit():
    """Epoch AI's replication of Chinchilla (Besiroglu et al. 2024, arXiv 2404.10102):
    E = 1.817, A = 482.01, B = 2085.43, alpha = 0.3478, beta = 0.3658."""
    n, d = 7e9, 1.4e11
    by_hand = 1.817 + 482.01 / n**0.3478 + 2085.43 / d**0.3658
    assert physics.chinchilla_loss(n, d) == pytest.approx(by_hand, rel=1e-12)
    assert physics.chinchilla_loss(n, d) == pytest.approx(2.1731, abs=1e-4)


def test_the_loss_agrees_with_hoffmanns_own_fit_at_chinchillas_point():
    """Hoffmann et al. 2022 (arXiv 2203.15556), rounded fit E = 1.69, A = 406.4,
    B = 410.7, alpha = 0.34, beta = 0.28, at Chinchilla itself: 70B parameters, 1.4T tokens.

    The two fits differ far from the data but must agree where both were fitted.
    """
    n, d = 70e9, 1.4e12
    hoffmann = 1.69 + 406.4 / n**0.34 + 410.7 / d**0.28
    assert physics.chinchilla_loss(n, d) == pytest.approx(hoffmann, rel=0.03)


def test_chinchilla_is_compute_optimal():
    """Hoffmann et al. 2022: at 5.88e23 FLOPs the compute-optimal model is Chinchilla,
    70B parameters trained on 1.4T tokens (20 tokens per parameter)."""
    params, tokens, _ = physics.compute_optimal(6 * 70e9 * 1.4e12)
    assert params == pytest.approx(70e9, rel=0.10)
    assert tokens == pytest.approx(1.4e12, rel=0.10)


@pytest.mark.parametrize("flops", [1e23, 5.88e23, 1e25])
def test_compute_optimal_is_17_to_20_tokens_per_param_at_scale(flops):
    """Epoch AI (arXiv 2404.10102): their fit's compute-optimal ratio is about 17-20
    tokens per parameter at frontier budgets (reference/figures.md)."""
    params, tokens, _ = physics.compute_optimal(flops)
    assert 17 <= tokens / params <= 20


@pytest.mark.parametrize("flops", [1e19, 1e21, 1e23, 1e25])
def test_compute_optimal_is_the_minimum_along_constant_compute(flops):
    """The definition of compute-optimal (Hoffmann et al. 2022, approach 3), at any budget."""
    params, tokens, loss = physics.compute_optimal(flops)
    assert 6 * params * tokens == pytest.approx(flops, rel=1e-9)
    assert 15 <= tokens / params <= 25
    for scale in (0.8, 1.25):
        n = params * scale
        assert physics.chinchilla_loss(n, flops / (6 * n)) > loss


@pytest.mark.parametrize(("quant", "gb"), [("fp16", 140), ("int8", 70), ("int4", 35)])
def test_weights_memory_of_a_70b_model(quant, gb):
    """Bytes per parameter: fp16 2, int8 1, int4 0.5, so 70B weighs 140 / 70 / 35 GB
    (reference/figures.md, Inference)."""
    assert physics.weights_gb(70e9, quant) == pytest.approx(gb)


def kv_mb_per_token(layers: int, hidden: int, heads: int, kv_heads: int) -> float:
    """KV cache per token in bf16: 2 (K and V) x layers x hidden x kv/heads x 2 bytes."""
    return 2 * layers * hidden * kv_heads / heads * 2 / 1e6


def test_kv_cache_per_token_follows_the_llama_architectures():
    """Meta's published configurations: Llama 3.1 8B has 32 layers, hidden size 4096,
    32 attention heads and 8 KV heads (0.131 MB a token); Llama 3 70B has 80 layers,
    hidden size 8192, 64 heads and 8 KV heads (0.328 MB a token)."""
    per_seq = physics.KV_CONCURRENT_SEQUENCES  # the game's concurrency: divided out
    per_token_8b = physics.kv_cache_gb(8e9, "fp16", 1) / per_seq * 1e3
    per_token_70b = physics.kv_cache_gb(70e9, "fp16", 1) / per_seq * 1e3
    assert per_token_8b == pytest.approx(kv_mb_per_token(32, 4096, 32, 8), rel=0.001)
    # The engine interpolates between the two sizes with a power law: within 1% at 70B.
    assert per_token_70b == pytest.approx(kv_mb_per_token(80, 8192, 64, 8), rel=0.01)


def test_the_deployments_nvidia_publishes_fit_their_gpus():
    """NVIDIA TensorRT-LLM performance overview: Llama 3.1 8B (FP8) is served on one
    H100 or one H200, Llama 3.3 70B (FP8) on two H100s or one H200. FP8 is 1 byte a
    parameter, like int8 here."""
    assert physics.gpus_per_replica(8e9, "int8", 2048, H100_GB) == 1
    assert physics.gpus_per_replica(8e9, "int8", 2048, H200_GB) == 1
    assert physics.gpus_per_replica(70e9, "int8", 2048, H100_GB) == 2
    assert physics.gpus_per_replica(70e9, "int8", 2048, H200_GB) == 1


def test_a_model_bigger_than_the_memory_does_not_fit():
    """NVIDIA data sheets: 80 GB (H100), 24 GB (L4), 16 GB (T4). 70B at fp16 is 140 GB
    of weights alone: more than one H100 and more than eight T4s (128 GB); 35 GB at int4
    fits one H100. The KV cache and the 90% of memory usable are the game's assumptions."""
    assert physics.gpus_per_replica(70e9, "fp16", 2048, 80) > 1
    assert physics.gpus_per_replica(70e9, "int4", 2048, 80) == 1
    assert physics.gpus_per_replica(8e9, "fp16", 2048, 24) == 1
    assert physics.gpus_per_replica(70e9, "fp16", 2048, 24) == 8
    assert physics.gpus_per_replica(70e9, "fp16", 2048, 16) == 0


@pytest.mark.parametrize(
    ("params", "group", "bandwidth", "published"),
    [
        (8e9, 1, H100_GB_S, 15220),  # Llama 3.1 8B, 1 x H100
        (8e9, 1, H200_GB_S, 17744),  # Llama 3.1 8B, 1 x H200
        (70e9, 2, H100_GB_S, 4205),  # Llama 3.3 70B, 2 x H100
        (70e9, 1, H200_GB_S, 2909),  # Llama 3.3 70B, 1 x H200
    ],
)
def test_throughput_is_calibrated_on_tensorrt_llm(params, group, bandwidth, published):
    """NVIDIA TensorRT-LLM performance overview (docs/source/performance/perf-overview.md):
    offline maximum output tokens/s, FP8, 1000 input / 1000 output tokens.

    The batch (offline maximum) throughput at the table's shape is within 8% of it;
    prefill and decode together make up the same request time, so splitting the two
    changes nothing at that shape.
    """
    offline = physics.replica_max_tokens_per_second(params, "int8", group, bandwidth, 989, True)
    assert offline == pytest.approx(published, rel=0.08)
    at_shape = physics.replica_tokens_per_second(
        params, "int8", group, bandwidth, 989, True, 1.0, 1000, 1000
    )
    assert at_shape == pytest.approx(offline, rel=1e-9)
    # Under a latency target (the catalog's interactive share, a game assumption) less.
    assert physics.replica_tokens_per_second(
        params, "int8", group, bandwidth, 989, True, 0.5, 1000, 1000
    ) == pytest.approx(offline / 2)


def test_batching_and_quantization_change_throughput():
    """Continuous batching multiplies serving throughput, and fewer bytes a weight
    mean faster memory-bound decoding (the shape of the TensorRT-LLM tables)."""
    base = physics.replica_tokens_per_second(8e9, "fp16", 1, H100_GB_S, H100_TFLOPS, True)
    unbatched = physics.replica_tokens_per_second(8e9, "fp16", 1, H100_GB_S, H100_TFLOPS, False)
    assert unbatched < base / 5
    assert physics.replica_tokens_per_second(8e9, "int8", 1, H100_GB_S, H100_TFLOPS, True) > base


def test_checkpoint_write_time():
    """Rajbhandari et al. 2020 (ZeRO): mixed-precision Adam keeps 16 bytes a parameter
    (2 weights, 2 gradients, 12 fp32 master weights and moments). 2 GB/s is an input."""
    # 7B x 16 bytes = 112 GB at 2 GB/s = 56 s.
    hours = physics.checkpoint_write_hours(7e9, 16, 2.0)
    assert hours * 3600 == pytest.approx(56.0)
    assert not math.isnan(hours)


# --- Training memory -------------------------------------------------------------------


@pytest.mark.parametrize(("params", "gb"), [(7e9, 112), (70e9, 1120)])
def test_training_state_is_sixteen_bytes_a_parameter(params, gb):
    """Rajbhandari et al. 2020 (ZeRO): mixed-precision Adam keeps 2 bytes of fp16/bf16
    weights, 2 of gradients and 12 of fp32 master weights and moments per parameter,
    so 7B holds 112 GB and 70B 1,120 GB of training state before activations."""
    assert physics.training_state_gb(params) == pytest.approx(gb)


def test_zero3_shards_the_training_state_over_the_gpus():
    """ZeRO stage 3 (Rajbhandari et al. 2020) / FSDP partition the whole state over the
    N data-parallel GPUs: each holds 1/N. 1,120 GB over 64 GPUs is 17.5 GB each."""
    assert physics.training_state_per_gpu_gb(70e9, 64) == pytest.approx(17.5)


def test_70b_on_eight_t4s_is_refused_in_words():
    """NVIDIA T4 data sheet: 16 GB, FP16 and no BF16; 8 x 16 = 128 GB, far under the
    1,120 GB of a 70B model's training state (ZeRO, 16 bytes a parameter)."""
    fit = training_fit(shipped_catalog(), 70e9, "t4", 8)
    assert not fit.fits
    assert "no bf16" in fit.reason and "take at least" in fit.reason
    assert "70B needs about 1,120 GB of training state; 8 x t4 hold 128 GB" in fit.reason


def test_70b_on_eight_h100s_does_not_fit_and_says_how_many_would():
    """NVIDIA H100 SXM data sheet: 80 GB, so 8 hold 640 GB < 1,120 GB (ZeRO). How much
    of each GPU is left for activations is the game's assumption: the answer is at
    least 1,120 / 80 = 14 GPUs, whatever it is."""
    fit = training_fit(shipped_catalog(), 70e9, "h100", 8)
    assert not fit.fits
    assert fit.min_gpus >= 14
    assert "1,120 GB of training state" in fit.reason and "640 GB" in fit.reason
    assert f"take at least {fit.min_gpus} x h100" in fit.reason
    assert training_fit(shipped_catalog(), 70e9, "h100", fit.min_gpus).fits


def test_7b_does_not_train_on_eight_t4s_but_does_on_eight_a100s():
    """7B x 16 bytes = 112 GB (ZeRO): 8 x T4 (128 GB, no bf16) cannot train it; 8 x A100
    80GB (640 GB) can, sharded, with room for activations."""
    assert not training_fit(shipped_catalog(), 7e9, "t4", 8).fits
    assert training_fit(shipped_catalog(), 7e9, "a100-80gb", 8).fits


@given(
    params=st.floats(1e8, 1e12),
    gpus=st.integers(1, 4096),
    more=st.integers(0, 4096),
    memory=st.sampled_from([16, 24, 40, 80, 141]),
)
def test_more_gpus_never_make_a_fitting_run_stop_fitting(params, gpus, more, memory):
    """ZeRO-3 shards the state: more data-parallel GPUs only shrink each one's share."""
    if physics.training_fits(params, gpus, memory):
        assert physics.training_fits(params, gpus + more, memory)
    assert physics.training_state_per_gpu_gb(params, gpus + more) <= (
        physics.training_state_per_gpu_gb(params, gpus)
    )


# --- Llama 2, as Meta published it -----------------------------------------------------

# Meta, Llama 2 model card (github.com/meta-llama/llama, MODEL_CARD.md): A100 80GB
# GPU-hours, 400 W per GPU "adjusted for power usage efficiency", and tCO2eq; all three
# sizes were pre-trained on 2.0T tokens (Touvron et al. 2023, arXiv 2307.09288).
LLAMA2 = {  # params: (A100-hours, tCO2eq)
    7e9: (184_320, 31.22),
    13e9: (368_640, 62.44),
    70e9: (1_720_320, 291.42),
}
LLAMA2_TOKENS = 2.0e12


@pytest.mark.parametrize("params", sorted(LLAMA2))
def test_llama2_gpu_hours_at_the_catalogs_mfu(params):
    """6ND at 312 TFLOP/s (A100) and the catalog's 40% MFU against Meta's published
    A100-hours. Meta's runs imply 38-43% MFU (7B 41%, 13B 38%, 70B 43%), so 40%
    lands within 9% of every size."""
    published, _ = LLAMA2[params]
    mfu = shipped_catalog().training.mfu
    hours = physics.gpu_hours(physics.training_flops(params, LLAMA2_TOKENS), A100_TFLOPS, mfu)
    assert hours == pytest.approx(published, rel=0.09)


@pytest.mark.parametrize("params", sorted(LLAMA2))
def test_llama2_co2e_from_metas_gpu_hours(params):
    """Meta's published tCO2eq from its published A100-hours, through the engine's one
    energy model (PUE-adjusted 400 W, no PUE on top, the catalog's grid factor):
    within 1% (Meta's figures imply 0.4235 kg/kWh; the catalog rounds it to 0.42).
    With PUE 1.2 applied again (and 0.41), Meta's hours came to 339 t, 16% over."""
    published_hours, published_t = LLAMA2[params]
    catalog = shipped_catalog()
    # The run at the MFU that gives Meta's hours, so only the energy model is tested.
    mfu = physics.training_flops(params, LLAMA2_TOKENS) / (
        A100_TFLOPS * 1e12 * 3600 * published_hours
    )
    out = train_estimate(catalog, params, LLAMA2_TOKENS, "a100-80gb", 2048, float(mfu))
    assert out["gpu_hours"] == pytest.approx(published_hours, rel=1e-9)
    assert out["co2e_kg"] / 1000 == pytest.approx(published_t, rel=0.01)
