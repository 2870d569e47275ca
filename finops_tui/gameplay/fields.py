"""The decisions a level offers, as a list of fields the turn screen can draw.

Pure: no Textual. A field names its decision by key ("training.gpus"), says how the
player enters it (select, radio, switch, number) and how the typed number maps to
the decision's unit (tokens are typed in billions, tagging in percent).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import ValidationError

from finops_tui.engine.decisions import Decisions
from finops_tui.engine.practices import practice_hours_table
from finops_tui.engine.scenario import Scenario
from finops_tui.gameplay.format import PRACTICE_LABELS, PRICING_LABELS, gpu_label, number_text, usd

FieldKind = Literal["select", "radio", "switch", "number", "integer"]


@dataclass(frozen=True)
class FieldSpec:
    key: str
    group: str
    label: str
    kind: FieldKind
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    minimum: float | None = None
    maximum: float | None = None
    multiplier: int = 1  # decision = typed x multiplier / divisor
    divisor: int = 1
    concept: str = "finops-phases"
    help: str = ""
    only_when: tuple[str, str] | None = None  # shown only when another field has this value

    @property
    def widget_id(self) -> str:
        return self.key.replace(".", "--").replace("_", "-")

    def shown(self, value: Any) -> Any:
        """The decision's value as the widget shows it."""
        if self.kind in ("number", "integer"):
            return number_text(float(value) * self.divisor / self.multiplier)
        return value

    def parse(self, text: str) -> float | int:
        """The decision's value from what the player typed; ValueError says why not."""
        what = "a whole number" if self.kind == "integer" else "a number"
        try:
            typed = Decimal(text.strip())
        except InvalidOperation:
            raise ValueError(f"enter {what}") from None
        if not typed.is_finite() or (self.kind == "integer" and typed != typed.to_integral()):
            raise ValueError(f"enter {what}")
        if self.minimum is not None and typed < Decimal(str(self.minimum)):
            raise ValueError(f"at least {number_text(self.minimum)}")
        if self.maximum is not None and typed > Decimal(str(self.maximum)):
            raise ValueError(f"at most {number_text(self.maximum)}")
        if self.kind == "integer":
            return int(typed)
        return float(typed * self.multiplier / self.divisor)


def decision_fields(scenario: Scenario) -> list[FieldSpec]:
    """Every field the level enables, grouped and in the order a player meets them."""
    level, catalog = scenario.level, scenario.catalog
    fields: list[FieldSpec] = []

    def gpu_options(names: list[str]) -> tuple[tuple[str, str], ...]:
        return tuple(
            (g, f"{gpu_label(catalog.gpus[g].label)} ${catalog.gpus[g].price.on_demand:.2f}")
            for g in names
        )

    def pricing_options(names: list[str]) -> tuple[tuple[str, str], ...]:
        return tuple((p, PRICING_LABELS[p]) for p in names)

    tr = level.training
    if tr is not None:
        fields += [
            FieldSpec(
                "training.gpu",
                "Training",
                "GPU type",
                "select",
                gpu_options(tr.gpus),
                concept="training-compute",
                help="The accelerator for training, with its on-demand price per GPU-hour.",
            ),
            FieldSpec(
                "training.gpus",
                "Training",
                "GPUs",
                "integer",
                minimum=0,
                maximum=tr.max_gpus,
                concept="training-compute",
                help=f"GPUs in the training cluster, 0 to {tr.max_gpus}; 0 pauses training.",
            ),
            FieldSpec(
                "training.pricing",
                "Training",
                "Buy as",
                "radio",
                pricing_options(tr.pricing),
                concept="pricing-models",
                help="On-demand; spot (cheap, can be taken back); committed (billed, used or not).",
            ),
        ]
        if tr.max_params > tr.min_params:
            fields.append(
                FieldSpec(
                    "training.params",
                    "Training",
                    "Params (B)",
                    "number",
                    minimum=tr.min_params / 1e9,
                    maximum=tr.max_params / 1e9,
                    multiplier=1_000_000_000,
                    concept="chinchilla",
                    help="Model size in billions of parameters: bigger learns more per token.",
                )
            )
        fields += [
            FieldSpec(
                "training.tokens",
                "Training",
                "Tokens (B)",
                "number",
                minimum=0,
                maximum=100_000,
                multiplier=1_000_000_000,
                concept="training-compute",
                help="Tokens to train on this period, in billions. Compute = 6 x params x tokens.",
            ),
            FieldSpec(
                "training.checkpoint_hours",
                "Training",
                "Checkpoint (h)",
                "number",
                minimum=0.05,
                maximum=720,
                concept="spot",
                help="Hours between checkpoints: a spot preemption loses the work since the last.",
            ),
        ]

    inf = level.inference
    if inf is not None:
        if len(inf.modes) > 1:
            fields.append(
                FieldSpec(
                    "inference.mode",
                    "Serving",
                    "Serve with",
                    "radio",
                    tuple((m, "An API" if m == "api" else "Own GPUs") for m in inf.modes),
                    concept="api-or-self-host",
                    help="Buy tokens from an API, or host an open model on your own GPUs.",
                )
            )
        if "api" in inf.modes:
            fields.append(
                FieldSpec(
                    "inference.api_model",
                    "Serving",
                    "API model",
                    "select",
                    tuple(
                        (
                            a,
                            f"{catalog.apis[a].label} ${catalog.apis[a].input_per_million:g}"
                            f"/${catalog.apis[a].output_per_million:g}",
                        )
                        for a in inf.apis
                    ),
                    concept="unit-economics",
                    help="Price per million input / output tokens.",
                    only_when=("inference.mode", "api") if len(inf.modes) > 1 else None,
                )
            )
        if "self-host" in inf.modes:
            when = ("inference.mode", "self-host") if len(inf.modes) > 1 else None
            fields += [
                FieldSpec(
                    "inference.model",
                    "Serving",
                    "Model",
                    "select",
                    tuple(
                        (m, spec.label or f"{m} ({spec.params / 1e9:g}B)")
                        for m, spec in inf.models.items()
                    ),
                    concept="inference-memory",
                    help="The open model you serve: bigger answers better, needs more memory.",
                    only_when=when,
                ),
                FieldSpec(
                    "inference.gpu",
                    "Serving",
                    "GPU type",
                    "select",
                    gpu_options(inf.gpus),
                    concept="inference-memory",
                    help="Weights and KV cache must fit in GPU memory. Price per GPU-hour.",
                    only_when=when,
                ),
                FieldSpec(
                    "inference.gpus",
                    "Serving",
                    "GPUs",
                    "integer",
                    minimum=1,
                    maximum=inf.max_gpus,
                    concept="inference-memory",
                    help=f"GPUs serving traffic, 1 to {inf.max_gpus}: enough for the peak.",
                    only_when=when,
                ),
                FieldSpec(
                    "inference.pricing",
                    "Serving",
                    "Buy as",
                    "radio",
                    pricing_options(inf.pricing),
                    concept="commitments",
                    help="Steady serving is the classic case for a commitment.",
                    only_when=when,
                ),
            ]
            if len(inf.quants) > 1:
                fields.append(
                    FieldSpec(
                        "inference.quant",
                        "Serving",
                        "Precision",
                        "radio",
                        tuple((q, q) for q in inf.quants),
                        concept="inference-memory",
                        help="fp16 = 2 bytes per parameter, int8 = 1, int4 = 0.5.",
                        only_when=when,
                    )
                )
            fields.append(
                FieldSpec(
                    "inference.batching",
                    "Serving",
                    "Batching",
                    "switch",
                    concept="inference-memory",
                    help="Serve many requests per forward pass: more throughput per GPU.",
                    only_when=when,
                )
            )
        fields.append(
            FieldSpec(
                "inference.caching",
                "Serving",
                f"Response cache  {usd(inf.cache_usd)}",
                "switch",
                concept="unit-economics",
                help=f"Answer repeated requests from a cache ({inf.cache_hit_rate:.0%} hit rate), "
                f"for {usd(inf.cache_usd)} a period.",
            )
        )

    costs = level.practices
    # Practices cost team time, which grows with the estate: the form quotes the hours
    # at the level's starting estate (a dev environment's GPUs), the bill the dollars.
    hours = practice_hours_table(costs, level.dev.gpus if level.dev else 0.0)
    for name in level.practices.enabled:
        cost = costs.safety_evaluation_usd if name == "safety_evaluation" else 0.0
        label = PRACTICE_LABELS[name]
        if name == "tagging":
            fields.append(
                FieldSpec(
                    "practices.tagging",
                    "FinOps practices",
                    "Tagged (%)",
                    "number",
                    minimum=0,
                    maximum=100,
                    divisor=100,
                    concept="allocation",
                    help=f"Share of resources tagged with an owner; full coverage takes "
                    f"about {hours['tagging']:.0f} h of team time a month, more as GPUs are added.",
                )
            )
        elif name == "schedule_scope":
            fields.append(
                FieldSpec(
                    "practices.schedule_scope",
                    "FinOps practices",
                    "Schedule scope",
                    "radio",
                    (("notebooks", "Dev notebooks only"), ("account", "Whole account")),
                    concept="scheduling",
                    help="What the shutdown schedule stops at night: the dev notebooks, or "
                    "everything in the account without an opt-out tag (forgotten clusters, "
                    "runaway jobs, and the training run and serving too, every night).",
                )
            )
        elif name == "allocation":
            fields.append(
                FieldSpec(
                    "practices.allocation",
                    "FinOps practices",
                    "Allocation",
                    "radio",
                    (
                        ("none", "None"),
                        ("showback", f"Showback {hours_text(hours['showback'])}"),
                        ("chargeback", f"Chargeback {hours_text(hours['chargeback'])}"),
                    ),
                    concept="showback-chargeback",
                    help="Show each team its costs (showback), or bill them (chargeback): "
                    "chargeback before tags cover 90% of spend causes disputes.",
                )
            )
        else:
            fields.append(
                FieldSpec(
                    f"practices.{name}",
                    "FinOps practices",
                    f"{label}  {usd(cost)}"
                    if cost
                    else f"{label}  {hours_text(hours.get(name, 0))}",
                    "switch",
                    concept=PRACTICE_CONCEPTS[name],
                    help=PRACTICE_HELP[name],
                )
            )

    if any(c.kpi == "forecast_accuracy" for c in level.scoring.components):
        fields.append(
            FieldSpec(
                "forecast_usd",
                "Forecast",
                f"Next {level.period or 'period'} ($)",
                "number",
                minimum=0,
                maximum=1e9,
                concept="forecast-variance",
                help=f"Your forecast of next {level.period or 'period'}'s spend, in dollars, "
                "graded against that bill; the estimate panel shows it. 0 for no forecast.",
            )
        )
    return fields


def hours_text(hours: float) -> str:
    """A practice's team time a month, as the form shows it: '~3 h', '<1 h'."""
    return "<1 h" if hours < 1 else f"~{hours:.0f} h"


PRACTICE_CONCEPTS = {
    "budget_alerts": "budgets-alerts",
    "anomaly_detection": "anomaly-detection",
    "shutdown_schedule": "scheduling",
    "rightsizing": "rightsizing",
    "safety_evaluation": "responsible-ai",
}
PRACTICE_HELP = {
    "budget_alerts": "Alert the owner when spend runs ahead of the budget (slow if untagged).",
    "anomaly_detection": "Spot unusual spend within hours; may pause a legitimate training run.",
    "shutdown_schedule": "Turn dev machines off at night; may stop a training run or serving.",
    "rightsizing": "Review dev machines and remove the oversized ones: hours per GPU.",
    "safety_evaluation": "Keep the evaluation and red-teaming budget for model releases.",
}


def read_decision(decisions: Decisions, key: str) -> Any:
    node: Any = decisions
    for part in key.split("."):
        node = getattr(node, part)
    return node


def with_decision(decisions: Decisions, key: str, value: Any) -> Decisions:
    """The decisions with one changed; ValueError (in words) if the engine refuses it."""
    data = decisions.model_dump()
    section, _, name = key.partition(".")
    if name:
        data[section][name] = value
    else:
        data[section] = value
    try:
        return Decisions.model_validate(data)
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"]) from None


def changes(before: Decisions, after: Decisions, fields: list[FieldSpec]) -> list[str]:
    """What the player changed, in words: 'Buy as: On-demand -> Spot'."""
    out = []
    for spec in fields:
        old, new = read_decision(before, spec.key), read_decision(after, spec.key)
        if old != new:
            out.append(f"{spec.label}: {_word(spec, old)} → {_word(spec, new)}")
    return out


def _word(spec: FieldSpec, value: Any) -> str:
    if spec.kind in ("select", "radio"):
        return next((label.split(" $")[0] for v, label in spec.options if v == value), str(value))
    if spec.kind == "switch":
        return "on" if value else "off"
    return spec.shown(value)


def decision_text(spec: FieldSpec, decisions: Decisions) -> str:
    """One decision in words, as the form shows it: 'Spot', 'on', '8'."""
    return _word(spec, read_decision(decisions, spec.key))
