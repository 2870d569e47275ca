"""Property tests: any valid decisions, any seed, never a crash or a bill that lies."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from finops_tui.content.levels import load_scenario
from finops_tui.engine import Decisions, check_decisions, new_game, resolve_turn

SANDBOX = load_scenario("sandbox")
LEVEL = SANDBOX.level
TR, INF = LEVEL.training, LEVEL.inference


def decisions_strategy() -> st.SearchStrategy[Decisions]:
    training = st.fixed_dictionaries(
        {
            "gpu": st.sampled_from(TR.gpus),
            "gpus": st.integers(0, TR.max_gpus),
            "pricing": st.sampled_from(TR.pricing),
            "params": st.floats(TR.min_params, TR.max_params),
            "tokens": st.floats(0, 5e11),
            "checkpoint_hours": st.floats(0.05, 720),
        }
    )
    inference = st.fixed_dictionaries(
        {
            "mode": st.sampled_from(INF.modes),
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


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    turns=st.lists(decisions_strategy(), min_size=1, max_size=LEVEL.turns),
)
def test_random_valid_decisions_keep_the_books_straight(seed, turns):
    state = new_game(SANDBOX, seed)
    for decisions in turns:
        assume(not check_decisions(SANDBOX, state, decisions))
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
