"""The price catalog: sourced, consistent, and used as-is by the calculator."""

from __future__ import annotations

import pytest

from finops_tui.content.catalog import shipped_catalog
from finops_tui.engine import GPU_NAMES
from finops_tui.engine.calc import serve_estimate, train_estimate


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


def test_catalog_matches_the_published_prices():
    catalog = shipped_catalog()
    assert catalog.gpus["h100"].price.on_demand == pytest.approx(55.04 / 8)  # p5.48xlarge
    assert catalog.gpus["a100-80gb"].price.on_demand == 3.43
    assert catalog.gpus["a100-40gb"].price.on_demand == 2.74
    assert catalog.gpus["h100"].bf16_tflops == 989
    assert catalog.gpus["h200"].memory_gb == 141
    assert catalog.apis["gpt-4o-mini"].output_per_million == 0.60


def test_train_estimate_by_hand():
    # 6 x 7e9 x 1.4e11 = 5.88e21 FLOPs; / (989e12 x 0.4 x 3600) = 4128.75 H100-hours.
    out = train_estimate(shipped_catalog(), 7e9, 1.4e11, "h100", gpus=64)
    assert out["gpu_hours"] == pytest.approx(4128.75, abs=0.01)
    assert out["wall_clock_hours"] == pytest.approx(4128.75 / 64, abs=0.01)
    assert out["cost_usd"] == pytest.approx(4128.75 * 6.88, abs=0.01)
    # 700 W x PUE 1.2 x 0.41 kg/kWh
    assert out["energy_kwh"] == pytest.approx(4128.75 * 0.7 * 1.2, rel=1e-6)
    assert out["co2e_kg"] == pytest.approx(out["energy_kwh"] * 0.41, rel=1e-9)
    spot = train_estimate(shipped_catalog(), 7e9, 1.4e11, "h100", gpus=64, pricing="spot")
    assert spot["cost_usd"] == pytest.approx(4128.75 * 4.128, abs=0.01)


def test_serve_estimate_explains_a_model_that_does_not_fit():
    out = serve_estimate(shipped_catalog(), 70e9, "l4", gpus=2)
    assert out["fits"] is False
    assert "GB" in out["reason"] and "8 x l4" in out["reason"]


def test_serve_estimate_cost_per_million_tokens():
    out = serve_estimate(shipped_catalog(), 8e9, "h100", gpus=1, quant="int8")
    assert out["fits"] is True
    expected = 6.88 / (out["tokens_per_second"] * 3600) * 1e6
    assert out["cost_per_million_tokens_usd"] == pytest.approx(expected, rel=1e-3)


def test_a_level_overrides_the_catalog(scenarios):
    level = scenarios["spot-or-reserved"]
    assert level.catalog.gpus["h100"].spot_interruptions_per_month == 0.6
    assert shipped_catalog().gpus["h100"].spot_interruptions_per_month == 0.25
