"""An executive summary of a game, in Markdown (with an SVG chart beside it) or HTML."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from finops_tui.content.files import atomic_write_text
from finops_tui.content.targets import decimals_for, higher_is_better, target_met
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import plan_decisions, play
from finops_tui.engine.level import ScoreComponent
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.scoring import score_components
from finops_tui.engine.state import GameState

# One definition, used by the score, the screens and this report (see the codex's "roi").
ROI_DEFINITION = (
    "ROI = (value - spend) / spend, where spend includes commitments still owed when the "
    "level ends; 0 is break-even"
)

KPI_LABELS = {
    "roi": ("Return on spend (ROI)", "{:.2f}"),
    "net_value_usd": ("Net business value", "${:,.0f}"),
    "budget_adherence": ("Periods within budget", "{:.0%}"),
    "overspend_share": ("Overspend", "{:.1%}"),
    "waste_share": ("Waste share", "{:.1%}"),
    "allocation_coverage": ("Spend with an owner", "{:.0%}"),
    "forecast_accuracy": ("Forecast accuracy", "{:.0%}"),
    "model_quality": ("Model quality", "{:.0%}"),
    "on_time": ("Delivered on time", "{:.0%}"),
    "sla_attainment": ("Within latency SLA", "{:.1%}"),
    "unit_cost_per_1k_requests": ("Unit cost per 1k requests", "${:,.3f}"),
    "co2e_kg": ("Emissions", "{:,.0f} kg CO2e"),
    "commitment_utilization": ("Commitment utilization", "{:.0%}"),
    "safety": ("No harmful incident", "{:.0%}"),
}


@dataclass(frozen=True)
class ReportInput:
    scenario: Scenario
    state: GameState
    player: str = ""
    justification: str = ""


# What moves each KPI, for the comment on a missed target.
KPI_LEVERS = {
    "roi": "value comes from shipping the model and serving requests within the SLA; "
    "spend includes commitments still owed at the end",
    "net_value_usd": "value delivered less everything spent and still owed",
    "budget_adherence": "periods over budget: runaway jobs, idle clusters and surges a "
    "budget alert or anomaly detection would have caught",
    "overspend_share": "how far over budget the periods that went over were",
    "waste_share": "idle dev notebooks, forgotten clusters, unused commitments and runaway jobs",
    "allocation_coverage": "tagging coverage, and allocating shared costs (showback or chargeback)",
    "forecast_accuracy": "each period's forecast against the bill of the period it named",
    "model_quality": "the loss the trained model reached (model size and tokens trained)",
    "on_time": "GPU-hours bought each period against the tokens the target loss needs",
    "sla_attainment": "serving capacity, batching and quantization against peak demand",
    "unit_cost_per_1k_requests": "the serving bill per request: caching, quantization, "
    "the API or GPU chosen and how it was bought",
    "co2e_kg": "GPU-hours run, idle ones included",
    "commitment_utilization": "committing to more than the baseline actually run",
    "safety": "a safety incident; the evaluation budget is the insurance",
}


def fmt_kpi(key: str, value: float, decimals: int | None = None) -> str:
    label_fmt = KPI_LABELS.get(key)
    if label_fmt is None:
        return f"{value:g}"
    fmt = label_fmt[1]
    if decimals is not None:
        fmt = re.sub(r"\.\d([f%])", f".{decimals}\\1", fmt, count=1)
    return fmt.format(value)


def _decimals(c: ScoreComponent, value: float | None) -> int:
    """As many decimals as the target and a missed value need to read true."""
    fmt = KPI_LABELS.get(c.kpi, ("", "{:.2f}"))[1]
    found = re.search(r"\.(\d)([f%])", fmt)
    base = int(found.group(1)) if found else 2
    scale = 100.0 if found and found.group(2) == "%" else 1.0
    return decimals_for(c, value, scale, base)


def goal_rows(level, k: dict[str, float]) -> list[str]:
    """The goals table: each target, the outcome, and whether it was met at full precision."""
    rows = ["| goal | target | outcome | met |", "|---|---|---|---|"]
    for c in level.scoring.components:
        label = c.label or KPI_LABELS.get(c.kpi, (c.kpi,))[0]
        sign = ">=" if higher_is_better(c) else "<="
        value = k.get(c.kpi)
        goal = fmt_kpi(c.kpi, c.good, _decimals(c, None))
        outcome = "-" if value is None else fmt_kpi(c.kpi, value, _decimals(c, value))
        met = "yes" if target_met(c, value) else "no"
        rows.append(f"| {label} | {sign} {goal} | {outcome} | {met} |")
    return rows


def missed_targets(level, k: dict[str, float]) -> list[str]:
    """A line on each target missed: by how much, the points it cost, and what moves it."""
    total = sum(c.weight for c in level.scoring.components) or 1.0
    points = score_components(level, {key: np.array([v]) for key, v in k.items()})
    notes = []
    for c in level.scoring.components:
        value = k.get(c.kpi)
        if target_met(c, value):
            continue
        label = c.label or KPI_LABELS.get(c.kpi, (c.kpi,))[0]
        earned = float(points[c.kpi][0]) * 100 / total
        most = c.weight * 100 / total
        outcome = "-" if value is None else fmt_kpi(c.kpi, value, _decimals(c, value))
        goal = fmt_kpi(c.kpi, c.good, _decimals(c, None))
        lever = KPI_LEVERS.get(c.kpi)
        notes.append(
            f"{label}: {outcome} against a target of {goal}, {earned:.1f} of {most:.1f} "
            f"points." + (f" What moves it: {lever}." if lever else "")
        )
    return notes


def naive_on_same_seed(scenario: Scenario, seed: int) -> GameState:
    naive = plan_decisions(scenario, scenario.level.plans["naive"])
    return play(scenario, seed, naive)


def decisions_that_mattered(history, scenario: Scenario | None = None) -> list[str]:
    """What the player changed, turn by turn, in words."""
    notes = []
    previous: Decisions | None = None
    for record in history:
        now = record.decisions
        if previous is None:
            notes.append(f"Turn {record.turn}: started with {_describe(now, scenario)}.")
        else:
            changes = _changes(previous, now, scenario)
            if changes:
                notes.append(f"Turn {record.turn}: " + "; ".join(changes) + ".")
        previous = now
    return notes


def _offered_groups(scenario: Scenario | None) -> tuple[str, ...]:
    """The decision groups the level offers (all of them when the level is not known)."""
    if scenario is None:
        return ("training", "inference", "practices")
    level = scenario.level
    return tuple(
        group
        for group, there in (
            ("training", level.training is not None),
            ("inference", level.inference is not None),
            ("practices", True),
        )
        if there
    )


def _describe(d: Decisions, scenario: Scenario | None = None) -> str:
    """The decisions in words: only what the level offers, never an empty name."""
    t, i, p = d.training, d.inference, d.practices
    groups = _offered_groups(scenario)
    parts = []
    if "training" in groups:
        parts.append(
            f"training on {t.gpus} x {t.gpu} ({t.pricing})" if t.gpus else "no training running"
        )
    if "inference" in groups:
        if i.mode == "api":
            parts.append(
                f"serving through the {i.api_model} API"
                if i.api_model
                else "serving through an API"
            )
        else:
            parts.append(f"serving {i.model or 'a model'} on {i.gpus} x {i.gpu} ({i.pricing})")
    on = [name.replace("_", " ") for name, v in p.model_dump().items() if v is True]
    if p.tagging:
        on.append(f"tagging {p.tagging:.0%}")
    if p.allocation != "none":
        on.append(p.allocation)
    parts.append("practices: " + (", ".join(on) or "none"))
    return ", ".join(parts)


def _changes(a: Decisions, b: Decisions, scenario: Scenario | None = None) -> list[str]:
    out = []
    for group in _offered_groups(scenario):
        before, after = getattr(a, group).model_dump(), getattr(b, group).model_dump()
        for key, value in after.items():
            if before[key] != value:
                out.append(
                    f"{group} {key.replace('_', ' ')} {_word(before[key])} -> {_word(value)}"
                )
    if a.forecast_usd != b.forecast_usd:
        out.append(f"forecast ${b.forecast_usd:,.0f}")
    return out


def _word(value: object) -> str:
    """A decision's value in a sentence: never an empty string."""
    if value == "" or value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def spend_chart_svg(state: GameState, width: int = 640, height: int = 260) -> str:
    """Bars of spend per period against the budget line, as standalone SVG."""
    history = state.history
    top = max([r.spend_usd for r in history] + [r.budget_usd for r in history] + [1.0]) * 1.1
    left, bottom, right, upper = 70, 30, 10, 20
    plot_w, plot_h = width - left - right, height - bottom - upper
    step = plot_w / max(len(history), 1)

    def y(v: float) -> float:
        return upper + plot_h * (1 - v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Spend against budget">',
        "<style>text{font:11px sans-serif;fill:#333}</style>",
        f'<line x1="{left}" y1="{upper + plot_h}" x2="{width - right}" y2="{upper + plot_h}" '
        'stroke="#999"/>',
    ]
    for frac in (0, 0.5, 1.0):
        v = top * frac
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">${v:,.0f}</text>')
    budget_points = []
    for k, record in enumerate(history):
        x = left + k * step
        over = record.spend_usd > record.budget_usd
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{y(record.spend_usd):.1f}" '
            f'width="{step * 0.7:.1f}" height="{upper + plot_h - y(record.spend_usd):.1f}" '
            f'fill="{"#c0392b" if over else "#2e86c1"}"><title>Turn {record.turn}: '
            f"${record.spend_usd:,.0f} of ${record.budget_usd:,.0f}</title></rect>"
        )
        label_x = x + step / 2
        parts.append(
            f'<text x="{label_x:.1f}" y="{height - 12}" text-anchor="middle">{record.turn}</text>'
        )
        budget_points.append(f"{x:.1f},{y(record.budget_usd):.1f}")
        budget_points.append(f"{x + step:.1f},{y(record.budget_usd):.1f}")
    parts.append(
        f'<polyline points="{" ".join(budget_points)}" fill="none" stroke="#27ae60" '
        'stroke-width="2" stroke-dasharray="6 3"/>'
    )
    parts.append(
        f'<text x="{width - right}" y="{upper - 6}" text-anchor="end">bars: spend '
        "(red over budget); dashed: budget</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)


def report_markdown(data: ReportInput, chart_link: str) -> str:
    scenario, state = data.scenario, data.state
    level = scenario.level
    naive = naive_on_same_seed(scenario, state.seed)
    k, nk = state.game_kpis, naive.game_kpis
    value = sum(r.value_usd for r in state.history)
    owed = k.get("commitment_obligation_usd", 0.0)
    spend = state.spend_usd + owed
    still_owed = f" (${owed:,.0f} of it commitments still owed)" if owed >= 0.5 else ""
    lines = [
        f"# {level.title}: executive summary",
        "",
        f"Team **{data.player or 'solo'}**, seed {state.seed}, {state.turn} of {level.turns} "
        f"{level.period}s played ({level.setting} setting).",
        "",
        f"**Score {state.score:.1f} / 100, {state.stars} star{'s' if state.stars != 1 else ''}.** "
        f"Spend ${spend:,.0f}{still_owed} for ${value:,.0f} of business value: "
        f"ROI {k['roi']:.2f}.",
        "",
        "## Goals against outcome",
        "",
        *goal_rows(level, k),
        "",
        "## Targets missed",
        "",
    ]
    missed = missed_targets(level, k)
    lines += [f"- {note}" for note in missed] or ["Every target was met."]
    lines += [
        "",
        "## Spend against budget",
        "",
        f"![Spend against budget, by period]({chart_link})",
        "",
        "| period | spend | budget | value |",
        "|---|---|---|---|",
    ]
    for r in state.history:
        lines.append(
            f"| {r.turn} | ${r.spend_usd:,.0f} | ${r.budget_usd:,.0f} | ${r.value_usd:,.0f} |"
        )
    lines += ["", "## Decisions that mattered", ""]
    lines += [f"- {note}" for note in decisions_that_mattered(state.history, scenario)]
    saved = naive.spend_usd - state.spend_usd
    lines += [
        "",
        "## Compared with the team without FinOps",
        "",
        f"The `naive` plan on the same seed spends ${naive.spend_usd:,.0f} and scores "
        f"{naive.score:.1f}. This run {'saves' if saved >= 0 else 'costs'} "
        f"${abs(saved):,.0f} against it, with waste at {k['waste_share']:.1%} "
        f"(naive {nk['waste_share']:.1%}) and {k['allocation_coverage']:.0%} of spend "
        f"allocated (naive {nk['allocation_coverage']:.0%}).",
        "",
        "## Unit economics",
        "",
    ]
    lines += _unit_economics(state, naive)
    lines += ["", "## The team's justification", ""]
    lines.append(data.justification.strip() or "_No written justification was saved._")
    lines += ["", "## Lessons", ""] + [f"- {lesson}" for lesson in level.lessons]
    return "\n".join(lines) + "\n"


def _unit_economics(state: GameState, naive: GameState) -> list[str]:
    out = []
    k, nk = state.game_kpis, naive.game_kpis
    if k.get("unit_cost_per_1k_requests"):
        out.append(
            f"- Cost per 1,000 requests: ${k['unit_cost_per_1k_requests']:,.3f} "
            f"(naive ${nk['unit_cost_per_1k_requests']:,.3f})."
        )
    tokens = state.history[-1].kpis.get("tokens_trained") if state.history else None
    if tokens:
        training_spend = sum(
            line.effective_usd
            for r in state.history
            for line in r.lines
            if line.resource_id.endswith(("training-cluster", "checkpoints"))
        )
        out.append(f"- Training cost per billion tokens: ${training_spend / (tokens / 1e9):,.2f}.")
    out.append(
        f"- ROI {k['roi']:.2f} (naive {nk['roi']:.2f}): each dollar spent came back as "
        f"${1 + k['roi']:,.2f} of business value (naive ${1 + nk['roi']:,.2f}). "
        f"{ROI_DEFINITION}."
    )
    return out


def report_html(data: ReportInput) -> str:
    """The same report as one self-contained HTML file, the chart inline."""
    markdown = report_markdown(data, "chart")
    body = []
    in_list = in_table = False
    for line in markdown.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            if not in_table:
                body.append("<table>")
                in_table = True
                body.append("<tr>" + "".join(f"<th>{c}</th>" for c in cells) + "</tr>")
            else:
                body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            continue
        if line.startswith("|---"):
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{_inline(line[2:])}</li>")
            continue
        if in_list:
            body.append("</ul>")
            in_list = False
        if line.startswith("!["):
            body.append(spend_chart_svg(data.state))
        elif line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.strip():
            body.append(f"<p>{_inline(line)}</p>")
    if in_table:
        body.append("</table>")
    if in_list:
        body.append("</ul>")
    title = html.escape(f"{data.scenario.level.title}: executive summary")
    style = (
        "body{font-family:sans-serif;max-width:52rem;margin:2rem auto;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem}"
    )
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _inline(text: str) -> str:
    out = html.escape(text)
    while "**" in out:
        out = out.replace("**", "<strong>", 1).replace("**", "</strong>", 1)
    while out.count("`") >= 2:
        out = out.replace("`", "<code>", 1).replace("`", "</code>", 1)
    while out.count("_") >= 2 and out.startswith("_"):
        out = out.replace("_", "<em>", 1).replace("_", "</em>", 1)
    return out


def write_report(path: Path, data: ReportInput) -> list[Path]:
    """Write the report (and, for Markdown, its chart beside it); returns the files written."""
    path = Path(path)
    if path.suffix.lower() in (".html", ".htm"):
        atomic_write_text(path, report_html(data))
        return [path]
    chart = path.with_name(path.stem + "-spend.svg")
    atomic_write_text(chart, spend_chart_svg(data.state))
    atomic_write_text(path, report_markdown(data, chart.name))
    return [path, chart]
