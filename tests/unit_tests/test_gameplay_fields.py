"""Decision fields without an app: what each level offers, how typed text becomes a decision."""

from __future__ import annotations

import pytest

from finops_tui.engine.game import start_decisions
from finops_tui.gameplay.fields import (
    FieldSpec,
    changes,
    decision_fields,
    decision_text,
    read_decision,
    with_decision,
)
from tests.conftest import SHIPPED_LEVELS


def fields_by_key(scenario) -> dict[str, FieldSpec]:
    return {spec.key: spec for spec in decision_fields(scenario)}


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_every_field_reads_a_real_decision(scenarios, name):
    scenario = scenarios[name]
    decisions = start_decisions(scenario)
    specs = decision_fields(scenario)
    assert specs, "a level offers at least one decision"
    keys = [spec.key for spec in specs]
    assert len(set(keys)) == len(keys)
    ids = [spec.widget_id for spec in specs]
    assert len(set(ids)) == len(ids)
    assert all("." not in i and "_" not in i for i in ids)  # usable as a CSS id
    for spec in specs:
        value = read_decision(decisions, spec.key)
        if spec.kind in ("select", "radio"):
            assert spec.options, spec.key
            assert value in [v for v, _ in spec.options] or spec.only_when is not None
        if spec.only_when is not None:
            other, wanted = spec.only_when
            assert other in keys
            assert wanted in [v for v, _ in fields_by_key(scenario)[other].options]


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_a_number_shown_reads_back_as_the_same_decision(scenarios, name):
    scenario = scenarios[name]
    decisions = start_decisions(scenario)
    for spec in decision_fields(scenario):
        if spec.kind in ("number", "integer"):
            value = read_decision(decisions, spec.key)
            assert spec.parse(str(spec.shown(value))) == pytest.approx(value), spec.key


def test_units_are_typed_as_people_say_them(scenarios):
    specs = fields_by_key(scenarios["sandbox"])
    assert specs["training.tokens"].parse("2") == 2e9  # billions of tokens
    assert specs["training.params"].parse(" 7 ") == 7e9  # billions of parameters
    assert specs["practices.tagging"].parse("50") == 0.5  # percent
    assert specs["training.gpus"].parse("8") == 8
    assert isinstance(specs["training.gpus"].parse("8"), int)


@pytest.mark.parametrize(
    ("key", "typed", "why"),
    [
        ("training.gpus", "1.5", "enter a whole number"),
        ("training.gpus", "65", "at most 64"),
        ("training.gpus", "-1", "at least 0"),
        ("training.tokens", "abc", "enter a number"),
        ("training.tokens", "nan", "enter a number"),
        ("training.tokens", "inf", "enter a number"),
        ("training.tokens", "", "enter a number"),
        ("training.tokens", "[b]1[/b]", "enter a number"),
        ("training.tokens", "1\x1b[2J", "enter a number"),
        ("training.params", "0.5", "at least 1"),
        ("training.params", "13.000001", "at most 13"),
        ("practices.tagging", "100.5", "at most 100"),
    ],
)
def test_bad_numbers_are_refused_in_words(scenarios, key, typed, why):
    spec = fields_by_key(scenarios["sandbox"])[key]
    with pytest.raises(ValueError, match=r"^" + why.replace("[", r"\[") + "$"):
        spec.parse(typed)


def test_bounds_themselves_are_accepted(scenarios):
    spec = fields_by_key(scenarios["sandbox"])["training.gpus"]
    assert (spec.parse("0"), spec.parse("64")) == (0, 64)


def test_with_decision_changes_one_value_and_keeps_the_rest(scenarios):
    scenario = scenarios["tutorial"]
    before = start_decisions(scenario)
    after = with_decision(before, "training.pricing", "spot")
    assert after.training.pricing == "spot"
    assert before.training.pricing == "on-demand"  # the old decisions are not touched
    assert after.model_dump(exclude={"training": {"pricing"}}) == before.model_dump(
        exclude={"training": {"pricing"}}
    )
    assert with_decision(before, "forecast_usd", 1234.0).forecast_usd == 1234.0


def test_with_decision_refuses_what_the_engine_refuses_in_words(scenarios):
    before = start_decisions(scenarios["tutorial"])
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        with_decision(before, "training.gpus", -3)


def test_changes_say_what_moved_in_words(scenarios):
    scenario = scenarios["sandbox"]
    specs = decision_fields(scenario)
    before = start_decisions(scenario)
    assert changes(before, before, specs) == []
    after = with_decision(before, "training.pricing", "spot")
    after = with_decision(after, "practices.budget_alerts", True)
    after = with_decision(after, "training.tokens", 12.5e9)
    said = changes(before, after, specs)
    assert "Buy as: On-demand → Spot" in said
    assert any(line.endswith("off → on") for line in said)
    assert any(line.startswith("Tokens (B): ") and line.endswith("8 → 12.5") for line in said)
    assert len(said) == 3


def test_decision_text_reads_like_the_form(scenarios):
    scenario = scenarios["sandbox"]
    specs = fields_by_key(scenario)
    decisions = with_decision(start_decisions(scenario), "training.gpu", "h100")
    decisions = with_decision(decisions, "practices.rightsizing", True)
    assert decision_text(specs["practices.rightsizing"], decisions) == "on"
    assert decision_text(specs["inference.caching"], decisions) == "off"
    assert "$" not in decision_text(specs["training.gpu"], decisions)  # the label, no price
    assert decision_text(specs["training.gpu"], decisions).startswith("H100")


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_the_schedule_scope_is_a_choice_only_where_the_level_offers_it(scenarios, name):
    scenario = scenarios[name]
    specs = fields_by_key(scenario)
    offered = "schedule_scope" in scenario.level.practices.enabled
    assert ("practices.schedule_scope" in specs) == offered
    if not offered:
        return
    spec = specs["practices.schedule_scope"]
    assert [value for value, _ in spec.options] == ["notebooks", "account"]
    assert spec.concept == "scheduling" and "every night" in spec.help
    before = start_decisions(scenario)
    assert decision_text(spec, before) == "Dev notebooks only"
    after = with_decision(before, spec.key, "account")
    assert changes(before, after, [spec]) == ["Schedule scope: Dev notebooks only → Whole account"]
    with pytest.raises(ValueError):
        with_decision(before, spec.key, "everything")
