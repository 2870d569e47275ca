"""An Input for amounts such as 7e9, 1.4e11 or 70B; other letters reach the screen's keys."""

from __future__ import annotations

from textual.widgets import Input

from finops_tui.ui.widgets.number_input import NumberInput

AMOUNT_CHARACTERS = set("0123456789.,_eE+-kKmMbBgGtT")


class AmountInput(NumberInput):
    """Digits, a decimal point, an exponent (7e9) and a unit suffix (7B) go in the box.

    Like NumberInput, any other key (x, d, ?, c) is a command for the screen.
    """

    def __init__(self, value: str = "", **kwargs) -> None:
        # NumberInput's own restriction allows only digits; an amount needs more.
        Input.__init__(
            self,
            value,
            restrict=r"[0-9.,_eE+\-kKmMbBgGtT]*",
            compact=True,
            select_on_focus=True,
            **kwargs,
        )
        self.integer = False

    def _is_ours(self, character: str | None) -> bool:
        return character is not None and character in AMOUNT_CHARACTERS
