"""`export` and `analyze`: the game's bill and report out, a real FOCUS bill in."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from finops_tui.cli.main import UsageError
from finops_tui.content.analyze import analyze_focus
from finops_tui.content.bill_summary import BillSummary
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
    summary = analyze_focus(Path(args.file), tuple(args.require_tag or ()))
    if args.json:
        print(json.dumps(summary.as_json(args.basis), indent=2))
    else:
        print(summary_table(args.file, summary, args.basis))
    return 0


def level_from_bill(args: argparse.Namespace) -> int:
    from finops_tui.content.bill_level import write_bill_level

    out = Path(args.out)
    if out.suffix.lower() != ".toml":
        raise UsageError("finops-tui level-from-bill: --out takes a .toml file name")
    summary = analyze_focus(Path(args.file), tuple(args.require_tag or ()))
    level_id = write_bill_level(out, summary, Path(args.file), keep_names=args.keep_names)
    print(f"wrote {out}: level {level_id!r}, calibrated on {summary.rows:,} rows")
    print(f"try: finops-tui validate {out} && finops-tui simulate {out} --plan naive")
    return 0


def summary_table(name: str, s: BillSummary, basis: str = "effective") -> str:
    """The analysis as text: every amount says which cost basis it is on."""
    from finops_tui.content.findings import findings_text

    return findings_text(name, s, basis)
