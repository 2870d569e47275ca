"""Physics against values worked out by hand from the published figures."""

from __future__ import annotations

import math

import pytest

from finops_tui.engine import physics


def test_training_flops_is_six_n_d():
    # 6 x 7e9 x 1.4e11 = 5.88e21
    assert physics.training_flops(7e9, 1.4e11) == pytest.approx(5.88e21, rel=1e-12)


def test_gpu_hours_from_peak_and_mfu():
    # 1e21 FLOPs / (312e12 FLOP/s x 0.4 x 3600 s/h) = 2225.7 A100-hours
    assert physics.gpu_hours(1e21, 312, 0.4) == pytest.approx(2225.7, abs=0.1)


def test_chinchilla_loss_uses_epoch_constants():
    n, d = 7e9, 1.4e11
    by_hand = 1.817 + 482.01 / n**0.3478 + 2085.43 / d**0.3658
    assert physics.chinchilla_loss(n, d) == pytest.approx(by_hand, rel=1e-12)
    assert physics.chinchilla_loss(n, d) == pytest.approx(2.1731, abs=1e-4)


@pytest.mark.parametrize("flops", [1e19, 1e21, 1e23, 1e25])
def test_compute_optimal_is_about_twenty_tokens_per_param(flops):
    params, tokens, loss = physics.compute_optimal(flops)
    assert 6 * params * tokens == pytest.approx(flops, rel=1e-9)
    assert 15 <= tokens / params <= 25
    # It is the minimum along the constant-compute curve.
    for scale in (0.8, 1.25):
        n = params * scale
        assert physics.chinchilla_loss(n, flops / (6 * n)) > loss


@pytest.mark.parametrize(("quant", "gb"), [("fp16", 140), ("int8", 70), ("int4", 35)])
def test_weights_memory_of_a_70b_model(quant, gb):
    assert physics.weights_gb(70e9, quant) == pytest.approx(gb)


def test_kv_cache_per_token_of_llama_8b():
    # 0.131 MB per token in bf16, for the replica's concurrent sequences.
    per_token_gb = physics.kv_cache_gb(8e9, "fp16", 1) / physics.KV_CONCURRENT_SEQUENCES
    assert per_token_gb == pytest.approx(0.131e-3, rel=1e-9)
    # 70B: 80 layers x 8192 hidden x 8/64 KV heads x 2 x 2 bytes = 0.328 MB.
    per_token_70b = physics.kv_cache_gb(70e9, "fp16", 1) / physics.KV_CONCURRENT_SEQUENCES
    assert per_token_70b == pytest.approx(0.328e-3, rel=0.05)


def test_replica_size_follows_memory():
    # 70B fp16 = 140 GB + KV; an H100 holds 72 GB usable, so 2 do not suffice: 4 do.
    assert physics.gpus_per_replica(70e9, "fp16", 2048, 80) == 4
    assert physics.gpus_per_replica(70e9, "int4", 2048, 80) == 1
    assert physics.gpus_per_replica(8e9, "fp16", 2048, 24) == 1
    # 150.7 GB fits 8 L4s (8 x 21.6 = 172.8 GB) but not 8 T4s (8 x 14.4 = 115.2 GB).
    assert physics.gpus_per_replica(70e9, "fp16", 2048, 24) == 8
    assert physics.gpus_per_replica(70e9, "fp16", 2048, 16) == 0


@pytest.mark.parametrize(
    ("params", "group", "bandwidth", "peak", "published"),
    [
        (8e9, 1, 3350, 989, 15220),  # Llama 3.1 8B, 1 x H100
        (8e9, 1, 4800, 989, 17744),  # Llama 3.1 8B, 1 x H200
        (70e9, 2, 3350, 989, 4205),  # Llama 3.3 70B, 2 x H100
        (70e9, 1, 4800, 989, 2909),  # Llama 3.3 70B, 1 x H200
    ],
)
def test_throughput_is_calibrated_on_tensorrt_llm(params, group, bandwidth, peak, published):
    """FP8 offline maximum at 1000/1000 tokens, halved for the latency target."""
    tps = physics.replica_tokens_per_second(params, "int8", group, bandwidth, peak, True)
    offline = tps / physics.LATENCY_TARGET_FACTOR
    assert offline == pytest.approx(published, rel=0.08)


def test_batching_and_quantization_change_throughput():
    base = physics.replica_tokens_per_second(8e9, "fp16", 1, 3350, 989, True)
    assert physics.replica_tokens_per_second(8e9, "fp16", 1, 3350, 989, False) < base / 5
    assert physics.replica_tokens_per_second(8e9, "int8", 1, 3350, 989, True) > base


def test_checkpoint_write_time():
    # 7B x 16 bytes = 112 GB at 2 GB/s = 56 s.
    hours = physics.checkpoint_write_hours(7e9, 16, 2.0)
    assert hours * 3600 == pytest.approx(56.0)
    assert not math.isnan(hours)
