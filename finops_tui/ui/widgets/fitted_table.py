"""A DataTable whose text columns wrap to its width, so no column is cut off at 80 wide."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text, TextType
from textual import events
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

MIN_WRAP_WIDTH = 6  # a wrapping column never narrower than this (a short word)


def cell_width(cell: object) -> int:
    """Cells a value takes on one line (Text, or anything shown as its str)."""
    text = cell if isinstance(cell, Text) else Text(str(cell))
    return max((line.cell_len for line in text.split(allow_blank=True)), default=0)


def share_width(natural: list[int], room: int) -> list[int]:
    """Widths for wrapping columns sharing `room`: none wider than it needs, the rest equal.

    Water-filling: a column that needs less than an equal share keeps its own width and
    leaves the remainder to the wider ones.
    """
    widths = [0] * len(natural)
    left = sorted(range(len(natural)), key=lambda i: natural[i])
    while left:
        share = max(room // len(left), MIN_WRAP_WIDTH)
        i = left.pop(0)
        widths[i] = min(natural[i], share) if left else max(min(natural[i], room), MIN_WRAP_WIDTH)
        room -= widths[i]
    return widths


class FittedTable(DataTable):
    """Columns named in WRAP_COLUMNS wrap their text when the table is too narrow for them.

    The other columns (numbers, short labels) keep their natural width. Rows are kept
    as added, and added again when the wrapping widths change, so their heights follow.
    """

    WRAP_COLUMNS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, wrap_columns: tuple[str, ...] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if wrap_columns is not None:
            self.WRAP_COLUMNS = wrap_columns
        self._rows: list[tuple[tuple[CellType, ...], str | None, TextType | None]] = []
        self._wrap_widths: dict[str, int | None] = {}  # None: its natural width
        self._fit_soon = False  # a fit is queued behind the rows being added

    def add_row(
        self,
        *cells: CellType,
        height: int | None = None,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        self._rows.append((cells, key, label))
        if not self._fit_soon and self.is_mounted:
            self._fit_soon = True  # once, after the whole batch of rows
            self.call_after_refresh(self.fit)
        return super().add_row(*cells, height=height, key=key, label=label)

    def clear(self, columns: bool = False) -> DataTable:
        self._rows = []
        if columns:
            self._wrap_widths = {}  # new columns start at their natural width
        return super().clear(columns)

    def on_resize(self, event: events.Resize) -> None:
        self.fit()

    def fit(self) -> None:
        """Give the wrapping columns what the others leave; rebuild rows if that changed."""
        self._fit_soon = False
        widths = self._wanted_widths()
        if widths is None or widths == self._wrap_widths:
            return
        self._wrap_widths = widths
        for name, width in widths.items():
            column = self.columns[ColumnKey(name)]
            column.auto_width = width is None
            if width is not None:
                column.width = width
        rows, cursor = list(self._rows), self.cursor_coordinate
        super().clear()
        for cells, key, label in rows:
            super().add_row(*cells, height=None, key=key, label=label)
        self._rows = rows
        if rows:
            self.move_cursor(row=min(cursor.row, len(rows) - 1), animate=False)

    def _wanted_widths(self) -> dict[str, int | None] | None:
        room = self.size.width - self.styles.scrollbar_size_vertical
        if room <= 0 or not self.columns:
            return None
        padding = 2 * self.cell_padding
        natural: dict[str, int] = {}
        fixed = 0
        for index, (key, column) in enumerate(self.columns.items()):
            cells_here = (cell_width(row[0][index]) for row in self._rows)
            need = max([cell_width(column.label), *cells_here])
            if key.value in self.WRAP_COLUMNS:
                natural[str(key.value)] = need
            fixed += padding + (0 if key.value in self.WRAP_COLUMNS else need)
        names = list(natural)
        if sum(natural.values()) <= room - fixed:
            return dict.fromkeys(names)
        shared = share_width([natural[n] for n in names], room - fixed)
        return dict(zip(names, shared, strict=True))
