"""The price catalog and the calculator against published prices and specifications.

Every expected figure below is published by someone else (AWS, GCP, RunPod, NVIDIA,
simonw/llm-prices, Meta's model cards; see /work/shared/reference/figures.md), and
each test names its source. A catalog figure that is derived, not published, is
checked against the published figures it is derived from.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finops_tui.cli.main import run
from finops_tui.content.catalog import shipped_catalog
from finops_tui.content.levels import load_scenario
from finops_tui.content.saves import save_from_state, write_save
from finops_tui.engine import GPU_NAMES, plan_decisions, play
from finops_tui.engine.calc import serve_estimate, train_estimate
from finops_tui.engine.scenario import Scenario

H100_ON_DEMAND = 55.04 / 8  # AWS p5.48xlarge, 8 x H100, retrieved 2026-11
GCP_H100_SPOT_SHARE = 6.57 / 10.98  # GCP a3-highgpu-1g Spot vs on-demand, 2026-09


def test_every_figure_has_a_source():
    catalog = shipped_catalog()
    assert catalog.as_of
    for name in GPU_NAMES:
        gpu = catalog.gpus[name]
        assert gpu.source and gpu.price.source, name
        assert gpu.price.spot < gpu.price.on_demand
        assert gpu.price.commit_3y < gpu.price.commit_1y < gpu.price.on_demand
    for api in catalog.apis.values():
        assert api.source
    assert catalog.energy.source and catalog.training.source


@pytest.mark.parametrize(
    ("gpu", "tflops", "memory_gb", "bandwidth_gb_s", "power_w"),
    [
        ("t4", 65, 16, 320, 70),  # FP16: the T4 has no BF16
        ("l4", 121, 24, 300, 72),
        ("a10g", 70, 24, 600, 150),
        ("a100-40gb", 312, 40, 1560, 400),
        ("a100-80gb", 312, 80, 2000, 400),
        ("h100", 989, 80, 3350, 700),
        ("h200", 989, 141, 4800, 700),
    ],
)
def test_gpu_specifications_are_nvidias(gpu, tflops, memory_gb, bandwidth_gb_s, power_w):
    """NVIDIA data sheets as collected in stas00/ml-engineering (compute/accelerator);
    power as in Meta's model cards (A100 400 W, H100 700 W)."""
    spec = shipped_catalog().gpus[gpu]
    assert spec.bf16_tflops == pytest.approx(tflops, rel=0.01)
    assert spec.memory_gb == memory_gb
    assert spec.bandwidth_gb_s == pytest.approx(bandwidth_gb_s, rel=0.01)
    assert spec.power_w == pytest.approx(power_w, rel=0.05)


@pytest.mark.parametrize(
    ("gpu", "per_gpu_hour"),
    [
        ("h100", H100_ON_DEMAND),  # AWS p5.48xlarge $55.04 / 8, 2026-11
        ("a100-80gb", 3.43),  # AWS p4de, 2026-11
        ("a100-40gb", 2.74),  # AWS p4d, 2026-11
        ("a10g", 1.006),  # AWS g5.xlarge, whole instance
        ("l4", 0.80),  # AWS g6.xlarge, whole instance
        ("t4", 0.526),  # AWS g4dn.xlarge, whole instance
    ],
)
def test_on_demand_prices_are_aws_list_prices(gpu, per_gpu_hour):
    """AWS on-demand prices (us-east-1), as retrieved 2026-11 (reference/figures.md)."""
    assert shipped_catalog().gpus[gpu].price.on_demand == pytest.approx(per_gpu_hour, abs=5e-4)


def test_the_h200_price_is_the_h100_price_scaled_by_runpods_ratio():
    """Not published by AWS: the catalog derives it from AWS's H100 and RunPod's secure
    cloud H200 / H100 prices ($4.59 / $3.49, 2026-09)."""
    assert shipped_catalog().gpus["h200"].price.on_demand == pytest.approx(
        H100_ON_DEMAND * 4.59 / 3.49, rel=0.001
    )


@pytest.mark.parametrize("gpu", GPU_NAMES)
def test_discounts_sit_inside_the_published_ranges(gpu):
    """AWS: Spot up to 90% off; Savings Plans and Reserved Instances up to 72% off
    (1 or 3 years). A 3-year term is never dearer than a 1-year one."""
    price = shipped_catalog().gpus[gpu].price
    assert 0.10 * price.on_demand <= price.spot < price.on_demand
    assert 0.28 * price.on_demand <= price.commit_3y <= price.commit_1y < price.on_demand


@pytest.mark.parametrize("gpu", ["h100", "h200"])
def test_hopper_spot_is_gcps_published_h100_spot_discount(gpu):
    """GCP a3-highgpu-1g (H100): $10.98 on demand, $6.57 Spot, 2026-09: 40% off."""
    price = shipped_catalog().gpus[gpu].price
    assert price.spot / price.on_demand == pytest.approx(GCP_H100_SPOT_SHARE, rel=0.01)


@pytest.mark.parametrize(
    ("api", "input_usd", "output_usd"),
    [
        ("gpt-4o", 2.50, 10.00),
        ("gpt-4o-mini", 0.15, 0.60),
        ("gpt-5", 1.25, 10.00),
        ("gpt-5-mini", 0.25, 2.00),
        ("claude-sonnet-4-5", 3.00, 15.00),
        ("claude-haiku-4-5", 1.00, 5.00),
        ("gemini-2-5-flash", 0.30, 2.50),
        ("deepseek-chat", 0.27, 1.10),
        ("open-8b-hosted", 0.20, 0.20),
    ],
)
def test_api_prices_are_the_published_ones(api, input_usd, output_usd):
    """simonw/llm-prices, August 2026: US$ per million input / output tokens."""
    price = shipped_catalog().apis[api]
    assert (price.input_per_million, price.output_per_million) == (input_usd, output_usd)


def test_training_and_energy_figures_are_in_the_published_ranges():
    """MFU: Llama 3 405B 38-43% (arXiv 2407.21783), PaLM 46%. Grid intensity implied by
    Meta's model cards: 0.41-0.42 kgCO2e/kWh (Llama 2's card: 0.4235). Adam state:
    16 bytes a parameter (ZeRO)."""
    catalog = shipped_catalog()
    assert 0.38 <= catalog.training.mfu <= 0.46
    assert 0.41 <= catalog.energy.grid_kg_co2e_per_kwh <= 0.42
    assert catalog.training.bytes_per_param_checkpoint == 16


def test_train_estimate_by_hand():
    """6ND (Transformer Math 101) at 989 TFLOP/s (NVIDIA H100 SXM) and 40% MFU, priced at
    AWS's p5 price ($55.04 for 8 GPUs), and at GCP's published H100 Spot discount."""
    # 6 x 7e9 x 1.4e11 = 5.88e21 FLOPs; / (989e12 x 0.4 x 3600) = 4128.75 H100-hours.
    out = train_estimate(shipped_catalog(), 7e9, 1.4e11, "h100", gpus=64)
    assert out["gpu_hours"] == pytest.approx(4128.75, abs=0.01)
    assert out["wall_clock_hours"] == pytest.approx(4128.75 / 64, abs=0.01)
    assert out["cost_usd"] == pytest.approx(4128.75 * H100_ON_DEMAND, abs=0.01)
    spot = train_estimate(shipped_catalog(), 7e9, 1.4e11, "h100", gpus=64, pricing="spot")
    assert spot["cost_usd"] == pytest.approx(
        4128.75 * H100_ON_DEMAND * GCP_H100_SPOT_SHARE, rel=0.01
    )


def test_train_estimate_energy_against_metas_power_basis():
    """Meta's model cards count 700 W per H100 *adjusted for PUE*, times the grid factor
    their Llama 2 card implies (0.42 kg/kWh): 4128.75 H100-hours are 2,890 kWh and
    1,214 kg CO2e. PUE is counted once, inside the published figure: within 0.1%."""
    out = train_estimate(shipped_catalog(), 7e9, 1.4e11, "h100", gpus=64)
    published_kwh = 4128.75 * 700 / 1000
    assert out["energy_kwh"] == pytest.approx(published_kwh, rel=1e-3)
    assert out["co2e_kg"] == pytest.approx(published_kwh * 0.42, rel=1e-3)


def test_serve_estimate_explains_a_model_that_does_not_fit():
    out = serve_estimate(shipped_catalog(), 70e9, "l4", gpus=2)
    assert out["fits"] is False
    assert "GB" in out["reason"] and "8 x l4" in out["reason"]


def test_serve_estimate_cost_per_million_tokens():
    """TensorRT-LLM: Llama 3.1 8B FP8 on one H100 serves 15,220 output tokens/s offline,
    reading 1000 input tokens for every 1000 output. At AWS's $6.88 an hour, an hour
    serves 54.8M output and 54.8M input tokens: $0.0628 per million, blended over both.

    Batch (the offline maximum) is within the throughput fit's 8% of that; input and
    output are priced apart as API price lists do, and add up to the blended figure.
    """
    out = serve_estimate(shipped_catalog(), 8e9, "h100", gpus=1, quant="int8", latency="batch")
    assert out["fits"] is True
    assert out["max_tokens_per_second"] == pytest.approx(15220, rel=0.08)
    assert out["tokens_per_second"] == out["max_tokens_per_second"]
    published_blended = H100_ON_DEMAND / (2 * 15220 * 3600) * 1e6
    assert out["cost_per_million_tokens_usd"] == pytest.approx(published_blended, rel=0.08)
    i, o = out["input_cost_per_million_tokens_usd"], out["output_cost_per_million_tokens_usd"]
    assert i < o  # reading a token is cheaper than writing one, as in every API price list
    assert (1000 * i + 1000 * o) / 2000 == pytest.approx(
        out["cost_per_million_tokens_usd"], abs=1e-4
    )


def test_a_latency_target_shows_both_throughputs_and_costs_more():
    """The interactive target keeps the catalog's interactive_share of the offline
    maximum (a game assumption, stated in prices.toml): half the throughput, twice the
    price; the maximum is shown beside it."""
    batch = serve_estimate(shipped_catalog(), 8e9, "h100", quant="int8", latency="batch")
    chat = serve_estimate(shipped_catalog(), 8e9, "h100", quant="int8", latency="interactive")
    share = shipped_catalog().serving.interactive_share
    assert chat["max_tokens_per_second"] == batch["max_tokens_per_second"]
    assert chat["tokens_per_second"] == pytest.approx(share * batch["tokens_per_second"], rel=1e-3)
    assert chat["cost_per_million_tokens_usd"] == pytest.approx(
        batch["cost_per_million_tokens_usd"] / share, rel=1e-3
    )


def test_input_tokens_take_serving_capacity():
    """Prefill reads every input token (~2N FLOPs each, Transformer Math 101): longer
    prompts mean fewer output tokens a second and more GPUs for the same output."""
    short = serve_estimate(shipped_catalog(), 8e9, "h100", quant="int8", input_tokens=100)
    long = serve_estimate(shipped_catalog(), 8e9, "h100", quant="int8", input_tokens=4000)
    assert long["tokens_per_second"] < short["tokens_per_second"]
    demand = {"tokens_per_day": 5e9, "quant": "int8"}
    assert (
        serve_estimate(shipped_catalog(), 8e9, "h100", input_tokens=4000, **demand)["gpus_needed"]
        > serve_estimate(shipped_catalog(), 8e9, "h100", input_tokens=100, **demand)["gpus_needed"]
    )


@settings(max_examples=60, deadline=None)
@given(
    params=st.sampled_from([1e9, 8e9, 13e9, 70e9]),
    gpu=st.sampled_from(["l4", "a100-80gb", "h100", "h200"]),
    quant=st.sampled_from(["fp16", "int8", "int4"]),
    tight=st.floats(0.05, 1.0),
    loose=st.floats(0.05, 1.0),
    inp=st.floats(1, 8000),
    outp=st.floats(1, 4000),
)
def test_the_price_per_token_never_falls_when_the_latency_target_tightens(
    params, gpu, quant, tight, loose, inp, outp
):
    """A tighter target keeps a smaller share of the maximum: never a lower price."""
    tight, loose = min(tight, loose), max(tight, loose)
    catalog = shipped_catalog().with_overrides(
        {"serving": {"interactive_share": tight, "batch_share": loose}}
    )
    kw = {"gpus": 8, "quant": quant, "input_tokens": inp, "output_tokens": outp}
    chat = serve_estimate(catalog, params, gpu, latency="interactive", **kw)
    batch = serve_estimate(catalog, params, gpu, latency="batch", **kw)
    if not chat["fits"]:
        return
    for key in (
        "cost_per_million_tokens_usd",
        "input_cost_per_million_tokens_usd",
        "output_cost_per_million_tokens_usd",
    ):
        assert chat[key] >= batch[key]
    assert chat["tokens_per_second"] <= batch["tokens_per_second"]


def test_a_level_overrides_the_catalog(scenarios):
    """A level's [prices] table wins over the catalog, for that level only."""
    scenario = scenarios["spot-or-reserved"]
    override = scenario.level.prices["gpus"]["h100"]["spot_interruptions_per_month"]
    shipped = shipped_catalog().gpus["h100"].spot_interruptions_per_month
    assert override != shipped
    assert scenario.catalog.gpus["h100"].spot_interruptions_per_month == override
    assert scenarios["sandbox"].catalog.gpus["h100"].spot_interruptions_per_month == shipped


def test_a_commitment_is_priced_over_its_whole_term():
    """A 3-year commitment on 8 H100s is billed for 8 x 26,280 h at the 3-year rate,
    used or not (AWS Savings Plans / Reserved Instances terms): a 21.5-day run pays it
    all, and its effective rate per GPU-hour used is the term's cost over the hours."""
    out = train_estimate(shipped_catalog(), 13e9, 2.6e11, "h100", gpus=8, pricing="commit-3y")
    rate = shipped_catalog().gpus["h100"].price.commit_3y
    assert out["cost_usd"] == pytest.approx(8 * 26_280 * rate, abs=0.01)
    assert out["commitment_term_hours"] == 26_280
    assert out["commitment_utilization"] == pytest.approx(out["gpu_hours"] / (8 * 26_280), rel=1e-5)
    assert out["effective_rate_usd_per_gpu_hour"] == pytest.approx(
        out["cost_usd"] / out["gpu_hours"], rel=1e-4
    )
    on_demand = train_estimate(shipped_catalog(), 13e9, 2.6e11, "h100", gpus=8)
    assert out["cost_usd"] > 6 * on_demand["cost_usd"]  # no free discount for a short run
    # A run longer than the term renews it: 6 x 7e9 x 2.8e12 = 1.176e23 FLOPs at 40% of
    # 989 TFLOP/s is 82,575 H100-hours, 10,322 h on 8 GPUs: two 1-year terms.
    long = train_estimate(shipped_catalog(), 7e9, 2.8e12, "h100", gpus=8, pricing="commit-1y")
    assert long["wall_clock_hours"] > 8760
    assert long["commitment_term_hours"] == 2 * 8760


def test_a_save_made_at_older_prices_is_refused_in_words_not_a_traceback(capsys, tmp_path):
    """The catalog changed (energy counted once, instances, serving): a save played at
    the old figures would not replay to the same result, so `verify` says why."""
    shipped = load_scenario("tutorial")
    older = shipped.catalog.with_overrides({"energy": {"grid_kg_co2e_per_kwh": 0.41}})
    old_scenario = Scenario.build(shipped.level, older)
    state = play(old_scenario, 0, plan_decisions(old_scenario, shipped.level.plans["par"]))
    path = tmp_path / "old.toml"
    write_save(path, save_from_state(old_scenario, state, player="before"))
    code = run(["verify", str(path)])
    out = capsys.readouterr()
    assert code == 1 and "Traceback" not in out.out + out.err
    assert out.out.startswith(f"{path}: prices_hash: made against another version")
