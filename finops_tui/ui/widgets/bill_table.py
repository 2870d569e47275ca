"""Last period's bill, broken down by service, by pricing category, and by owner."""

from __future__ import annotations

from rich.text import Text

from finops_tui.gameplay.format import usd
from finops_tui.ui.widgets.fitted_table import FittedTable


class BillTable(FittedTable):
    """Three small breakdowns in one table; each group's rows add up to the bill."""

    WRAP_COLUMNS = ("item",)
    DEFAULT_CSS = """
    BillTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._groups: dict[str, list[tuple[str, float]]] | None = None
        self._stale = False  # groups arrived while the table was out of sight

    def on_mount(self) -> None:
        self.add_column("By", key="by")
        self.add_column("Item", key="item")
        self.add_column(Text("Cost", justify="right"), key="cost")
        self.add_column(Text("Share", justify="right"), key="share")

    def show(self, groups: dict[str, list[tuple[str, float]]]) -> None:
        if groups == self._groups:
            return  # rebuilding an unchanged table costs a layout of the whole screen
        self._groups = groups
        # Out of sight (another tab), the rows wait: filling them lays out the screen.
        self._stale = not self.is_on_screen
        if not self._stale:
            self._fill(groups)

    def on_show(self) -> None:
        if self._stale and self._groups is not None:
            self._stale = False
            self._fill(self._groups)

    def _fill(self, groups: dict[str, list[tuple[str, float]]]) -> None:
        self.clear()
        for name, items in groups.items():
            total = sum(value for _, value in items) or 1.0
            for i, (item, value) in enumerate(items):
                self.add_row(
                    Text(name if i == 0 else "", style="bold"),
                    Text(item),
                    Text(usd(value), justify="right"),
                    Text(f"{value / total:.0%}", justify="right"),
                )
