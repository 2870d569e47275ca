"""Property tests: any valid decisions, any seed, never a crash or a bill that lies."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finops_tui.content.levels import load_scenario
from finops_tui.engine import Decisions, check_decisions, new_game, physics, resolve_turn

SANDBOX = load_scenario("sandbox")
LEVEL = SANDBOX.level
TR, INF = LEVEL.training, LEVEL.inference


def replica_sizes() -> list[tuple[str, str, str, int]]:
    """(model, quantization, GPU, GPUs per replica) for every served model that fits."""
    sizes = []
    # The level's own trained model is servable only once shipped: not a decision to
    # generate blind (tests/unit_tests/test_dilemmas.py covers it).
    for model in sorted(m for m in INF.models if not INF.models[m].trained):
        for quant in INF.quants:
            for gpu in INF.gpus:
                group = int(
                    physics.gpus_per_replica(
                        INF.models[model].params,
                        quant,
                        INF.context_tokens,
                        SANDBOX.catalog.gpus[gpu].memory_gb,
                    )
                )
                if 0 < group <= INF.max_gpus:
                    sizes.append((model, quant, gpu, group))
    return sizes


def self_hosting(size: tuple[str, str, str, int]) -> st.SearchStrategy[dict]:
    """Self-hosting a model that fits: at least one replica's worth of GPUs."""
    model, quant, gpu, group = size
    return st.fixed_dictionaries(
        {
            "mode": st.just("self-host"),
            "model": st.just(model),
            "quant": st.just(quant),
            "gpu": st.just(gpu),
            "gpus": st.integers(group, INF.max_gpus),
            "api_model": st.sampled_from(sorted(INF.apis)),
            "pricing": st.sampled_from(INF.pricing),
            "caching": st.booleans(),
            "batching": st.booleans(),
        }
    )


def training_that_fits(gpu_params: tuple[str, float]) -> st.SearchStrategy[dict]:
    """A training run whose state fits its GPUs (ZeRO-3 sharded), or no run at all."""
    gpu, params = gpu_params
    least = int(physics.training_min_gpus(params, SANDBOX.catalog.gpus[gpu].memory_gb))
    return st.fixed_dictionaries(
        {
            "gpu": st.just(gpu),
            "gpus": st.one_of(st.just(0), st.integers(least, TR.max_gpus)),
            "pricing": st.sampled_from(TR.pricing),
            "params": st.just(params),
            "tokens": st.floats(0, 5e11),
            "checkpoint_hours": st.floats(0.05, 720),
        }
    )


def decisions_strategy() -> st.SearchStrategy[Decisions]:
    """Decisions the sandbox accepts, built from its bounds: no filtering needed."""
    training = st.tuples(st.sampled_from(TR.gpus), st.floats(TR.min_params, TR.max_params)).flatmap(
        training_that_fits
    )
    api = st.fixed_dictionaries(
        {
            "mode": st.just("api"),
            "api_model": st.sampled_from(sorted(INF.apis)),
            "model": st.sampled_from(sorted(INF.models)),
            "gpu": st.sampled_from(INF.gpus),
            "gpus": st.integers(1, INF.max_gpus),
            "pricing": st.sampled_from(INF.pricing),
            "quant": st.sampled_from(INF.quants),
            "caching": st.booleans(),
            "batching": st.booleans(),
        }
    )
    inference = st.one_of(api, st.sampled_from(replica_sizes()).flatmap(self_hosting))
    practices = st.fixed_dictionaries(
        {
            "tagging": st.floats(0, 1),
            "budget_alerts": st.booleans(),
            "anomaly_detection": st.booleans(),
            "shutdown_schedule": st.booleans(),
            "rightsizing": st.booleans(),
            "allocation": st.sampled_from(["none", "showback", "chargeback"]),
            "safety_evaluation": st.booleans(),
        }
    )
    return st.builds(
        lambda t, i, p, f: Decisions.model_validate(
            {"training": t, "inference": i, "practices": p, "forecast_usd": f}
        ),
        training,
        inference,
        practices,
        st.floats(0, 1e6),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    turns=st.lists(decisions_strategy(), min_size=1, max_size=LEVEL.turns),
)
def test_random_valid_decisions_keep_the_books_straight(seed, turns):
    state = new_game(SANDBOX, seed)
    for decisions in turns:
        assert not check_decisions(SANDBOX, state, decisions)  # generated valid, not filtered
        result = resolve_turn(SANDBOX, state, decisions)
        record = result.record
        billed = sum(line.billed_cost_cents for line in record.lines)
        assert billed == round(record.spend_usd * 100)
        assert sum(line.effective_cost_cents for line in record.lines) == billed
        for line in record.lines:
            assert line.billed_cost_cents >= 0
            assert line.effective_cost_cents >= 0
            assert line.list_cost_cents >= 0
            assert line.pricing_quantity >= -1e-9
        assert record.spend_usd >= 0 and record.value_usd >= 0
        for key, value in record.kpis.items():
            assert value is None or value == value, key  # never NaN
        state = result.state
    assert 0 <= state.score <= 100
