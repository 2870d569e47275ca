"""The KPIs the level scores, each with its value so far and its target.

With a role lens, the role's own measures lead the table (scored or not).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from finops_tui.engine.level import ScoreComponent
from finops_tui.gameplay.format import kpi_against_target, met_mark, target
from finops_tui.gameplay.roles import LeadMetric
from finops_tui.ui.widgets.fitted_table import FittedTable

LENS_MARK = "▸ "  # marks the lens's rows, in colour or not


class KpiTable(FittedTable):
    WRAP_COLUMNS = ("kpi",)
    DEFAULT_CSS = """
    KpiTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)

    def on_mount(self) -> None:
        self.add_column("KPI", key="kpi")
        self.add_column(Text("So far", justify="right"), key="value")
        self.add_column(Text("Target", justify="right"), key="target")
        self.add_column(Text("Pts", justify="right"), key="weight")

    def show(
        self,
        components: list[ScoreComponent],
        kpis: dict[str, float] | None,
        lead: Sequence[LeadMetric] = (),
    ) -> None:
        self.clear()
        total = sum(c.weight for c in components) or 1.0
        scored = {c.kpi: c for c in components}
        for metric in lead:
            c = scored.get(metric.key)
            if c is not None:
                self._scored_row(c, kpis, total, LENS_MARK)
            else:
                self.add_row(
                    Text(LENS_MARK + metric.label),
                    Text(metric.value + "  ", justify="right"),
                    "",
                    Text("-", justify="right"),
                    key=metric.key,
                )
        led = {m.key for m in lead}
        for c in components:
            if c.kpi not in led:
                self._scored_row(c, kpis, total, "")

    def _scored_row(
        self, c: ScoreComponent, kpis: dict[str, float] | None, total: float, mark: str
    ) -> None:
        value = None if kpis is None else kpis.get(c.kpi)
        shown = kpi_against_target(c, value)
        self.add_row(
            Text(mark + (c.label or c.kpi)),
            Text(shown + met_mark(c, value), justify="right"),
            Text(target(c), justify="right"),
            Text(f"{c.weight * 100 / total:.0f}", justify="right"),
            key=c.kpi,
        )
