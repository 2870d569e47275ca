"""The KPIs the level scores, each with its value so far and its target."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from finops_tui.engine.level import ScoreComponent
from finops_tui.ui.format import kpi_value, target


class KpiTable(DataTable):
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

    def show(self, components: list[ScoreComponent], kpis: dict[str, float] | None) -> None:
        self.clear()
        total = sum(c.weight for c in components) or 1.0
        for c in components:
            value = None if kpis is None else kpis.get(c.kpi)
            met = value is not None and (value >= c.good if c.good > c.bad else value <= c.good)
            shown = kpi_value(c.kpi, value)
            self.add_row(
                c.label or c.kpi,
                Text(shown + (" ✓" if met else "  "), justify="right"),
                Text(target(c), justify="right"),
                Text(f"{c.weight * 100 / total:.0f}", justify="right"),
                key=c.kpi,
            )
