"""`export` and `analyze`: the game's bill and report out, a real FOCUS bill in."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from finops_tui.cli.main import UsageError
from finops_tui.content.analyze import BillSummary, analyze_focus
from finops_tui.content.focus import write_focus
from finops_tui.content.report import ReportInput, write_report
from finops_tui.content.saves import load_save


def export(args: argparse.Namespace) -> int:
    if not args.focus and not args.report:
        raise UsageError("finops-tui export: give --focus FILE.csv, --report FILE.md, or both")
    if args.report and Path(args.report).suffix.lower() not in (".md", ".html", ".htm"):
        raise UsageError("finops-tui export: --report takes a .md or .html file name")
    scenario, state, save = load_save(Path(args.save))
    if args.focus:
        write_focus(Path(args.focus), scenario.level, state, save.player)
        print(f"wrote {args.focus}: {sum(len(r.lines) for r in state.history)} FOCUS rows")
    if args.report:
        justification = getattr(save, "justification", "") or ""
        data = ReportInput(scenario, state, save.player, justification)
        for path in write_report(Path(args.report), data):
            print(f"wrote {path}")
    return 0


def analyze(args: argparse.Namespace) -> int:
    summary = analyze_focus(Path(args.file))
    if args.json:
        print(json.dumps(summary.as_json(), indent=2))
    else:
        print(summary_table(args.file, summary))
    return 0


def summary_table(name: str, s: BillSummary) -> str:
    total = s.billed or 1
    rows = [f"{name}: {s.rows:,} rows, billed ${s.billed:,.2f}, effective ${s.effective:,.2f}", ""]
    rows.append("Spend by service")
    for service, amount in sorted(s.by_service.items(), key=lambda kv: -kv[1])[:15]:
        rows.append(f"  {service[:40]:<40} ${amount:>14,.2f}  {amount / total:>6.1%}")
    rows += ["", "Spend by pricing category"]
    for category, amount in sorted(s.by_pricing_category.items(), key=lambda kv: -kv[1]):
        rows.append(f"  {category:<40} ${amount:>14,.2f}  {amount / total:>6.1%}")
    rows.append("")
    if s.allocation_coverage is None:
        rows.append("Allocation: the file has no Tags column")
    else:
        rows.append(
            f"Allocated ${s.allocated:,.2f}, unallocated ${s.unallocated:,.2f}: "
            f"{s.allocation_coverage:.1%} of spend has an owner"
        )
    utilization = s.commitment_utilization
    rows.append(
        "Commitments: none in this bill"
        if utilization is None
        else f"Commitment utilization {utilization:.1%} "
        f"(used ${s.commitment_used:,.2f}, unused ${s.commitment_unused:,.2f})"
    )
    return "\n".join(rows)
