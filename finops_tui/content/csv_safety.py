"""Cells a spreadsheet will not run: every CSV the project writes goes through here.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (CSV injection). Such a text cell is
written with a leading apostrophe, which the spreadsheet shows as text and hides.

Numbers stay numbers: an int or float, or a string that is exactly a decimal number
(`-12.5`, `+3`, `-1e-05`), is written as it is, so that negative costs and credits in a
FOCUS bill or a results file still sum in a spreadsheet and in `finops-tui analyze`.
A sign followed by anything else (`-1+2`, `+A1`, `-`) is text and is neutralised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """`value` as a CSV cell no spreadsheet will evaluate; numbers are returned unchanged."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value
    text = str(value)
    if PLAIN_NUMBER.fullmatch(text):
        return text
    # Leading spaces do not stop some spreadsheets from reading a formula.
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_row(row: Iterable[object]) -> list[object]:
    """A csv.writer row with every cell made safe."""
    return [safe_cell(v) for v in row]


def safe_dict(row: Mapping[str, object]) -> dict[str, object]:
    """A csv.DictWriter row with every cell made safe (column names are the writer's own)."""
    return {k: safe_cell(v) for k, v in row.items()}
