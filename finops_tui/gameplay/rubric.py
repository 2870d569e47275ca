"""The justification's rubric: four things an executive case should have. No Textual here.

The learner reads the rubric before writing; after, the feedback says which items the
text has and which it misses, as a checklist. It is never a grade: it looks for the
signs of each item (the game's own figures, a practice next to what it saved, words of
return or value, an ask), and says what it found, so the learner can check it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from finops_tui.engine.state import GameState

# The save keeps at most 4,000 characters; the feedback reads at most this much of any text.
MAX_RUBRIC_CHARS = 20_000
MAX_NUMBERS = 400  # numbers read from one text: enough for any real case


@dataclass(frozen=True)
class RubricItem:
    id: str
    title: str
    hint: str


RUBRIC: tuple[RubricItem, ...] = (
    RubricItem(
        "figures",
        "Quotes the game's own figures",
        "your spend, budget, value, ROI or score",
    ),
    RubricItem(
        "practice",
        "Names a practice and what it saved",
        '"the schedule cut idle spend 60%"',
    ),
    RubricItem(
        "value",
        "Speaks of ROI or value",
        "what the money bought, the return, unit cost",
    ),
    RubricItem(
        "ask",
        "Makes an ask",
        "what you want from them next (funding, a decision)",
    ),
)

# A practice, by the words a learner may use for it (stems match the start of a word).
PRACTICES: dict[str, tuple[str, ...]] = {
    "tagging": ("tag", "tags", "tagged", "tagging", "allocation", "allocated"),
    "budget alerts": ("alert", "alerts", "budget alert", "budget alerts"),
    "anomaly detection": ("anomaly", "anomalies"),
    "shutdown schedule": ("schedule", "scheduled", "scheduling", "shutdown", "shut down"),
    "rightsizing": ("rightsiz", "right-siz", "right siz", "rightsizing"),
    "showback/chargeback": ("showback", "chargeback", "show back", "charge back"),
    "spot capacity": ("spot",),
    "commitments": ("commit", "reserved", "reservation", "savings plan"),
    "checkpoints": ("checkpoint",),
    "quantization": ("quantiz", "quantis", "int8", "int4"),
    "caching": ("cache", "caching", "cached"),
    "forecasting": ("forecast",),
    "evaluation": ("evaluation", "red-team", "red team", "guardrail"),
}
# Stems that must match a whole word ("spot" is not "spotted"; "tag" is not "tagline").
WHOLE_WORDS = frozenset(
    {"tag", "tags", "tagged", "alert", "alerts", "spot", "cache", "cached", "int8", "int4"}
)
SAVING_WORDS = (
    "sav", "cut", "reduc", "lower", "avoid", "trim", "drop", "fell", "halv", "cheaper", "less",
    "off", "recover", "stopp", "prevent", "caught", "kept",
)  # fmt: skip
VALUE_WORDS = (
    "roi", "return", "value", "payback", "pays for itself", "paid for itself", "unit cost",
    "per 1,000", "per 1000", "per conversation", "per request", "margin", "revenue", "worth",
    "benefit", "profit",
)  # fmt: skip
ASK_WORDS = (
    "we ask", "i ask", "asking", "request", "we need", "i need", "approve", "approval",
    "fund", "invest", "recommend", "propose", "please", "would like", "let us", "let's",
    "next quarter", "next year", "sign off", "support", "mandate", "authoriz", "authoris",
    "we want", "i want", "adopt",
)  # fmt: skip

NUMBER = re.compile(
    r"(?<![\w.])(?P<cur>\$|us\$|€|£)?\s?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"\s?(?P<unit>%|x|×|k|m|bn|million|thousand|billion)?(?![\w])"
)
UNIT_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}


@dataclass(frozen=True)
class Figure:
    label: str
    value: float
    kind: str  # "usd", "share" (0..1), "ratio" (ROI) or "score"


@dataclass(frozen=True)
class Check:
    item: RubricItem
    present: bool
    note: str  # what was found, or what to add


@dataclass(frozen=True)
class Feedback:
    checks: tuple[Check, ...]

    def record(self) -> dict[str, bool]:
        """What the save keeps: each item, present or not."""
        return {c.item.id: c.present for c in self.checks}

    @property
    def present(self) -> list[str]:
        return [c.item.id for c in self.checks if c.present]

    @property
    def missing(self) -> list[str]:
        return [c.item.id for c in self.checks if not c.present]


def game_figures(state: GameState) -> list[Figure]:
    """The numbers the game reported that a justification may quote."""
    budget = sum(r.budget_usd for r in state.history)
    value = sum(r.value_usd for r in state.history)
    kpis = state.game_kpis
    figures = [
        Figure("spend", state.spend_usd, "usd"),
        Figure("budget", budget, "usd"),
        Figure("value", value, "usd"),
        Figure("net value", value - state.spend_usd, "usd"),
        Figure("score", state.score, "score"),
    ]
    if budget > 0:
        figures.append(Figure("share of the budget spent", state.spend_usd / budget, "share"))
    if "roi" in kpis:
        figures.append(Figure("ROI", kpis["roi"], "ratio"))
        figures.append(Figure("ROI", kpis["roi"], "share"))  # "an ROI of 240%"
        figures.append(Figure("return per dollar", kpis["roi"] + 1, "ratio"))
    for key, label in (
        ("waste_share", "waste share"),
        ("allocation_coverage", "allocation coverage"),
        ("budget_adherence", "periods within budget"),
        ("forecast_accuracy", "forecast accuracy"),
        ("sla_attainment", "SLA attainment"),
    ):
        if key in kpis:
            figures.append(Figure(label, kpis[key], "share"))
    if "unit_cost_per_1k_requests" in kpis:
        figures.append(Figure("unit cost", kpis["unit_cost_per_1k_requests"], "usd"))
    return figures


# --- reading the text ---------------------------------------------------------------------


def plain(text: str) -> str:
    """The text as the rubric reads it: bounded, no control characters, folded case."""
    text = text[:MAX_RUBRIC_CHARS]
    text = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cs") and c != "\n" else c for c in text
    )
    return unicodedata.normalize("NFKC", text).casefold()


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[.!?;:\n]+(?:\s|$)|\n", text) if s.strip()]


def _has_word(text: str, stem: str) -> bool:
    if stem in WHOLE_WORDS:
        return re.search(rf"(?<![\w-]){re.escape(stem)}(?![\w-])", text) is not None
    return re.search(rf"(?<![\w-]){re.escape(stem)}", text) is not None


def _has_any(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if _has_word(text, w)]


@dataclass(frozen=True)
class Quoted:
    value: float
    tolerance: float
    kind: str  # "usd", "share", "ratio", "number"
    shown: str


def quoted_numbers(text: str) -> list[Quoted]:
    """The numbers in a text, with what they look like (dollars, a share, a ratio)."""
    out = []
    for match in NUMBER.finditer(text):
        if len(out) >= MAX_NUMBERS:
            break
        whole, frac = match["int"].replace(",", ""), match["frac"] or ""
        try:
            value = float(f"{whole}.{frac}" if frac else whole)
        except ValueError:
            continue
        step = 10.0 ** -len(frac) if frac else 1.0
        unit = match["unit"] or ""
        before = text[max(0, match.start() - 16) : match.start()]
        if unit in UNIT_SCALE:
            value, step, kind = value * UNIT_SCALE[unit], step * UNIT_SCALE[unit], "usd"
        elif unit == "%":
            value, step, kind = value / 100, step / 100, "share"
        elif unit in ("x", "×") or "roi" in before or "return" in before:
            kind = "ratio"
        elif "score" in before:
            kind = "score"
        elif match["cur"] or value >= 1000:
            kind = "usd"
        else:
            kind = "number"
        if match["cur"]:
            kind = "usd"
        out.append(Quoted(value, step / 2, kind, match.group(0).strip()))
    return out


def _matches(q: Quoted, f: Figure) -> bool:
    if q.kind != f.kind:
        return False
    return abs(q.value - f.value) <= max(q.tolerance, 0.02 * abs(f.value))


# --- the four checks ------------------------------------------------------------------------


def check_figures(text: str, figures: list[Figure]) -> Check:
    item = RUBRIC[0]
    numbers = [q for q in quoted_numbers(text) if q.kind != "number"]
    found: dict[str, str] = {}
    for q in numbers:
        for f in figures:
            if f.label not in found and _matches(q, f):
                found[f.label] = q.shown
    if found:
        shown = ", ".join(f"{label} ({value})" for label, value in list(found.items())[:4])
        return Check(item, True, f"quotes {shown}")
    if numbers:
        return Check(
            item,
            False,
            "has numbers, but none is one of the game's: check them against your figures above",
        )
    return Check(item, False, f"missing: quote {item.hint}")


def check_practice(text: str) -> Check:
    item = RUBRIC[1]
    named: list[str] = []
    for sentence in sentences(text):
        here = [name for name, words in PRACTICES.items() if _has_any(sentence, words)]
        if not here:
            continue
        named.extend(n for n in here if n not in named)
        amount = any(q.kind in ("usd", "share") for q in quoted_numbers(sentence))
        if amount and _has_any(sentence, SAVING_WORDS):
            return Check(item, True, f"names {here[0]} and what it saved")
    if named:
        return Check(
            item,
            False,
            f"names {', '.join(named[:3])}; add what it saved, in dollars or as a share, "
            "in the same sentence",
        )
    return Check(item, False, "missing: name a practice you used and what it saved")


def check_value(text: str) -> Check:
    item = RUBRIC[2]
    words = _has_any(text, VALUE_WORDS)
    if words:
        shown = ("ROI" if w == "roi" else w for w in dict.fromkeys(words[:3]))
        return Check(item, True, f"speaks of {', '.join(shown)}")
    return Check(item, False, f"missing: say {item.hint}")


def check_ask(text: str) -> Check:
    item = RUBRIC[3]
    words = _has_any(text, ASK_WORDS)
    if words:
        return Check(item, True, f'asks ("{words[0]}")')
    return Check(item, False, f"missing: end with {item.hint}")


def justification_feedback(text: str, figures: list[Figure]) -> Feedback:
    """Which of the rubric's items the justification has, and what to add for the rest."""
    read = plain(text)
    if not read.strip():
        return Feedback(tuple(Check(item, False, "not written yet") for item in RUBRIC))
    return Feedback(
        (check_figures(read, figures), check_practice(read), check_value(read), check_ask(read))
    )


def rubric_record(record: Mapping[str, bool]) -> dict[str, bool]:
    """A saved checklist as the rubric's items in order; an item the save lacks is missing."""
    return {item.id: bool(record.get(item.id, False)) for item in RUBRIC}
