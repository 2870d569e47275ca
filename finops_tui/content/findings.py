"""The analysis of a bill as findings: a title, the figures, and what they mean.

The same findings are printed by `finops-tui analyze` and walked through on the app's
analysis screen, so a learner and a script read the same thing. Plain text only: names
from the bill are data, and the screen shows them as text, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from finops_tui.content.bill_summary import CHARGES, BillSummary, Costs

WIDTH = 28  # a name column that keeps a table row within 80 columns


@dataclass(frozen=True)
class Finding:
    title: str
    lines: tuple[str, ...]
    lesson: str


def _usd(amount) -> str:
    return f"${amount:,.2f}"


def _share(part, whole) -> str:
    return f"{part / whole:6.1%}" if whole else "     -"


def _name(text: str) -> str:
    # A cell from the bill, shortened and with control characters made visible.
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "~"


def _id(text: str) -> str:
    # An id (an ARN) differs in its tail: keep the tail, not the shared prefix.
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= WIDTH else "~" + text[-(WIDTH - 1) :]


def bill_findings(s: BillSummary, basis: str = "effective") -> list[Finding]:
    """Every finding about a bill, in the order a practitioner would read them."""
    return [
        _bases(s),
        _services(s, basis),
        _pricing(s, basis),
        _commitments(s),
        _allocation(s),
        _units(s),
        _movers(s),
    ]


def _bases(s: BillSummary) -> Finding:
    purchases = s.charge_categories.get("Purchase", Costs())
    lines = [
        f"{s.rows:,} rows; {s.version_note}",
        f"Billed    {_usd(s.billed):>16}  what the invoices say",
        f"Effective {_usd(s.effective):>16}  amortised: purchases spread over their use",
    ]
    if s.list_cost:
        lines.append(f"List      {_usd(s.list_cost):>16}  at public prices, before any discount")
    if purchases.billed:
        lines.append(
            f"Purchases {_usd(purchases.billed):>16} billed up front or per period"
            f" (effective {_usd(purchases.effective)})"
        )
    if s.null_text:
        cells = sum(s.null_text.values())
        top = sorted(s.null_text.items(), key=lambda kv: -kv[1])[:3]
        lines.append(
            f"{cells:,} cells read as null from the text NULL ("
            + ", ".join(f"{_name(c)} {n:,}" for c, n in top)
            + (", ..." if len(s.null_text) > 3 else "")
            + ")"
        )
    for column, (count, line) in sorted(s.bad_dates.items()):
        lines.append(f"{column}: {count:,} rows not a date-time (first on line {line})")
    return Finding(
        "Two cost bases",
        tuple(lines),
        "Billed cost follows the invoice; effective cost follows the use. Rank and "
        "allocate on effective cost, reconcile with finance on billed (FOCUS 1.2, "
        "BilledCost and EffectiveCost).",
    )


def _ranked(items, basis: str, total_billed, total_effective) -> list[str]:
    total = total_effective if basis == "effective" else total_billed
    lines = [f"  {'':<{WIDTH}} {'effective':>14} {'billed':>14}  share"]
    for name, costs in items:
        amount = getattr(costs, basis)
        lines.append(
            f"  {_name(name):<{WIDTH}} {_usd(costs.effective):>14} {_usd(costs.billed):>14}"
            f"  {_share(amount, total)}"
        )
    return lines


def _services(s: BillSummary, basis: str) -> Finding:
    ranked = s.ranked_services(basis)
    lines = _ranked(ranked[:15], basis, s.billed, s.effective)
    if len(ranked) > 15:
        lines.append(f"  ... and {len(ranked) - 15} more services")
    return Finding(
        f"Spend by service, ranked on {basis} cost",
        tuple(lines),
        "A service whose billed cost is far above its effective cost bought a commitment "
        "this period; one far below is using a commitment paid for earlier.",
    )


def _pricing(s: BillSummary, basis: str) -> Finding:
    items = sorted(s.usage_pricing.items(), key=lambda kv: -getattr(kv[1], basis))
    charges = Costs()
    for costs in s.usage_pricing.values():
        charges.add(costs.billed, costs.effective)
    lines = [f"Usage and purchases, share of their {basis} cost ({_usd(getattr(charges, basis))})"]
    # Four figures in 75 columns: the analysis screen's width inside an 80-column terminal.
    lines.append(f"  {'':<{WIDTH}} {'effective':>12} {'billed':>12}  share {'list':>10}")
    for name, costs in items:
        lines.append(
            f"  {_name(name):<{WIDTH}} {_usd(costs.effective):>12} {_usd(costs.billed):>12}"
            f"  {_share(getattr(costs, basis), getattr(charges, basis))}"
            f" {_usd(s.usage_pricing_list.get(name, 0)):>10}"
        )
    others = [(k, c) for k, c in sorted(s.charge_categories.items()) if k not in CHARGES]
    if others:
        lines.append("Credits and adjustments, on their own lines (ChargeCategory)")
        for name, costs in others:
            lines.append(
                f"  {_name(name):<{WIDTH}} {_usd(costs.effective):>12} {_usd(costs.billed):>12}"
            )
    return Finding(
        "Spend by pricing category",
        tuple(lines),
        "Standard is the agreed rate, Dynamic a price that moves (spot), Committed usage "
        "covered by a commitment: its billed cost is 0, its effective cost its share of "
        "the commitment, its list cost what it would have cost on demand. Credits and "
        "adjustments are not usage (FOCUS 1.2, PricingCategory, ChargeCategory).",
    )


def _commitments(s: BillSummary) -> Finding:
    if not s.commitments:
        return Finding(
            "Commitments",
            ("None in this bill (no CommitmentDiscountId).",),
            "Steady usage with no commitment pays full price for its predictability.",
        )
    utilisation, coverage = s.commitment_utilization, s.commitment_coverage
    used_list = sum((c.used_list for c in s.commitments.values()), 0)
    lines = [
        f"Bought {_usd(s.commitment_purchased)} (billed); amortised "
        f"{_usd(s.commitment_used + s.commitment_unused)}: used {_usd(s.commitment_used)}, "
        f"unused {_usd(s.commitment_unused)} (effective); the usage they covered lists at "
        f"{_usd(used_list)}",
    ]
    if not s.commitment_purchased:
        lines.append(
            "No purchase in this bill: bought before its periods or billed elsewhere; "
            "only their use is here"
        )
    if not s.commitment_unused and not any(c.unused_quantity for c in s.commitments.values()):
        lines.append("No Unused rows: none of these commitments shows as left unused")
    if utilisation is None:
        hours = [c.utilisation for c in s.commitments.values() if c.utilisation is not None]
        if hours:
            utilisation = sum(hours) / len(hours)
            note = " on hours (their Used rows carry no effective cost)"
        else:
            note = ""
    else:
        note = ""
    lines.append(
        "Utilisation "
        + (f"{utilisation:.1%}" if utilisation is not None else "-")
        + note
        + "; coverage "
        + (f"{coverage:.1%}" if coverage is not None else "-")
        + " of effective, "
        + (f"{s.commitment_coverage_list:.1%}" if s.commitment_coverage_list is not None else "-")
        + " of list cost, of the usage of the services they apply to"
    )
    lines.append(
        f"  {'commitment':<{WIDTH}} {'bought':>12} {'used':>12} {'unused':>12} {'util':>6}"
    )
    ranked = sorted(
        s.commitments.items(), key=lambda kv: (-(kv[1].purchased + kv[1].amortised), kv[0])
    )
    for key, c in ranked[:10]:
        util = f"{c.utilisation:6.1%}" if c.utilisation is not None else "     -"
        label = _name(c.name) if c.name else _id(key)
        lines.append(
            f"  {label:<{WIDTH}} {_usd(c.purchased):>12} {_usd(c.used):>12}"
            f" {_usd(c.unused):>12} {util}"
        )
        if c.kind or c.used_quantity:
            lines.append(
                f"    {_name(c.kind or 'commitment')}: {c.used_quantity:,.2f} "
                f"{_name(c.unit or 'units')} used, listing at {_usd(c.used_list)}"
            )
    if len(ranked) > 10:
        lines.append(f"  ... and {len(ranked) - 10} more commitments")
    return Finding(
        "Commitments",
        tuple(lines),
        "Utilisation is the share of what was bought that was used; coverage the share "
        "of eligible usage a commitment paid for. Unused commitment is waste paid in advance "
        "(FOCUS 1.2, CommitmentDiscountStatus).",
    )


def _allocation(s: BillSummary) -> Finding:
    rule = "every required tag: " + ", ".join(s.required_tags) if s.required_tags else "any tag"
    if s.allocation_coverage is None:
        return Finding(
            "Allocation",
            ("The file has no Tags column: nothing can be allocated.",),
            "Without tags nobody owns the cost, and nobody acts on it.",
        )
    lines = [
        f"Rule: cost is allocated when it carries {rule}",
        f"Allocated {_usd(s.allocated)}, unallocated {_usd(s.unallocated)} (effective "
        f"usage and purchases): {s.allocation_coverage:.1%} has an owner",
    ]
    other = sum((c.effective for k, c in s.charge_categories.items() if k not in CHARGES), 0)
    if other:
        lines.append(f"Credits and adjustments ({_usd(other)}) are not allocated here")
    top_keys = sorted(s.tag_keys.items(), key=lambda kv: (-kv[1].effective, kv[0]))[:6]
    if top_keys:
        lines.append(
            "Tag keys in the bill: "
            + ", ".join(f"{_name(repr(k))} ({s.tag_key_rows[k]:,} rows)" for k, _ in top_keys)
            + (", ..." if len(s.tag_keys) > 6 else "")
        )
    lines += [f"Data quality: {problem}" for problem in s.tag_key_problems()]
    top = s.top_untagged()
    if top:
        lines.append("Top untagged resources (effective)")
        lines += [f"  {_name(r):<{WIDTH}} {_usd(c):>14}" for r, c in top]
    if s.untagged_pruned:
        lines.append("  (ranking approximate: the bill has too many untagged resources to list)")
    return Finding(
        "Allocation",
        tuple(lines),
        "Any tag is not an owner: require the keys your organisation charges back on "
        "(--require-tag Owner --require-tag CostCenter).",
    )


def _units(s: BillSummary) -> Finding:
    lines = []
    if s.gpu_hours.quantity:
        lines.append(
            f"{_usd(s.gpu_hours.per())} per GPU-hour used ({s.gpu_hours.quantity:,.1f} GPU-hours,"
            f" {_usd(s.gpu_hours.cost)} effective incl. unused commitment)"
        )
    else:
        lines.append(
            "No GPUs in this bill: no hour is priced on a GPU SKU or instance"
            " (SkuPriceDetails GpuCount, an instance name such as p5.48xlarge)."
        )
    if s.tokens.quantity:
        lines.append(
            f"{_usd(s.tokens.per(1_000_000))} per 1M tokens ({s.tokens.quantity:,.0f} tokens,"
            f" {_usd(s.tokens.cost)} effective)"
        )
    else:
        lines.append("No tokens in this bill's units (PricingUnit such as `1000000 Tokens`).")
    return Finding(
        "Unit economics",
        tuple(lines),
        "A unit cost moves with efficiency, not with volume: it is the number to "
        "watch as usage grows.",
    )


def _period_lines(s: BillSummary) -> list[str]:
    """The full periods in one line; each partial one on its own, with why."""
    full = [p for p in s.full_periods() if p in s.period_info]
    lines = [f"  {len(full):,} full billing period" + ("" if len(full) == 1 else "s")]
    for period in sorted(s.period_info):
        if not s.partial(period):
            continue
        info = s.period_info[period]
        coverage = info.coverage
        spans = f", charges span {coverage:.0%} of it" if coverage is not None else ""
        rows = f"{info.rows:,} row" + ("" if info.rows == 1 else "s")
        lines.append(f"  {_name(period)}: {rows}{spans} (partial: not compared)")
    return lines


def _movers(s: BillSummary) -> Finding:
    before, after, movers = s.movers()
    periods = _period_lines(s) if len(s.period_info) > 1 else []
    if not movers:
        full = len(s.full_periods())
        why = (
            "Fewer than two full billing periods: nothing to compare."
            if full < 2
            else "Nothing changed between the last two full billing periods."
        )
        return Finding("Top movers", (why, *periods), "Compare full periods to see what grew.")
    lines = [f"{before} -> {after}, effective (the last two full billing periods)"]
    for service, old, new in movers:
        lines.append(f"  {_name(service):<{WIDTH}} {_usd(old):>14} -> {_usd(new):>14}")
    lines += periods
    return Finding(
        "Top movers",
        tuple(lines),
        "A mover is a question for its owner: more value, or waste?",
    )


def findings_text(name: str, s: BillSummary, basis: str = "effective") -> str:
    parts = [f"{name}"]
    for finding in bill_findings(s, basis):
        parts += ["", finding.title, *finding.lines]
    return "\n".join(parts)
