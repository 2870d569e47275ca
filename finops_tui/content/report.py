"""An executive summary of a game, in Markdown (with an SVG chart beside it) or HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from finops_tui.content.files import atomic_write_text
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import plan_decisions, play
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState

KPI_LABELS = {
    "roi": ("Return on spend", "{:.2f}x"),
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


def fmt_kpi(key: str, value: float) -> str:
    label_fmt = KPI_LABELS.get(key)
    return label_fmt[1].format(value) if label_fmt else f"{value:g}"


def naive_on_same_seed(scenario: Scenario, seed: int) -> GameState:
    naive = plan_decisions(scenario, scenario.level.plans["naive"])
    return play(scenario, seed, naive)


def decisions_that_mattered(history) -> list[str]:
    """What the player changed, turn by turn, in words."""
    notes = []
    previous: Decisions | None = None
    for record in history:
        now = record.decisions
        if previous is None:
            notes.append(f"Turn {record.turn}: started with {_describe(now)}.")
        else:
            changes = _changes(previous, now)
            if changes:
                notes.append(f"Turn {record.turn}: " + "; ".join(changes) + ".")
        previous = now
    return notes


def _describe(d: Decisions) -> str:
    t, i, p = d.training, d.inference, d.practices
    parts = []
    if t.gpus:
        parts.append(f"training on {t.gpus} x {t.gpu} ({t.pricing})")
    parts.append(
        f"serving through {i.api_model}"
        if i.mode == "api"
        else f"serving {i.model} on {i.gpus} x {i.gpu}"
    )
    on = [name.replace("_", " ") for name, v in p.model_dump().items() if v is True]
    if p.tagging:
        on.append(f"tagging {p.tagging:.0%}")
    if p.allocation != "none":
        on.append(p.allocation)
    parts.append("practices: " + (", ".join(on) or "none"))
    return ", ".join(parts)


def _changes(a: Decisions, b: Decisions) -> list[str]:
    out = []
    for group in ("training", "inference", "practices"):
        before, after = getattr(a, group).model_dump(), getattr(b, group).model_dump()
        for key, value in after.items():
            if before[key] != value:
                out.append(f"{group} {key.replace('_', ' ')} {before[key]} -> {value}")
    if a.forecast_usd != b.forecast_usd:
        out.append(f"forecast ${b.forecast_usd:,.0f}")
    return out


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
    lines = [
        f"# {level.title}: executive summary",
        "",
        f"Team **{data.player or 'solo'}**, seed {state.seed}, {state.turn} of {level.turns} "
        f"{level.period}s played ({level.setting} setting).",
        "",
        f"**Score {state.score:.1f} / 100, {state.stars} star{'s' if state.stars != 1 else ''}.** "
        f"Spend ${state.spend_usd:,.0f} for ${k['net_value_usd'] + state.spend_usd:,.0f} of "
        f"business value (return {k['roi']:.2f}x).",
        "",
        "## Goals against outcome",
        "",
        "| goal | target | outcome |",
        "|---|---|---|",
    ]
    for c in level.scoring.components:
        label = c.label or KPI_LABELS.get(c.kpi, (c.kpi,))[0]
        lines.append(f"| {label} | {fmt_kpi(c.kpi, c.good)} | {fmt_kpi(c.kpi, k[c.kpi])} |")
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
    lines += [f"- {note}" for note in decisions_that_mattered(state.history)]
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
        f"- Every dollar spent returned ${1 + k['roi']:,.2f} of business value "
        f"(naive ${1 + nk['roi']:,.2f})."
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
