"""Workarounds for Textual bugs that a key-mashing player can reach. Remove when fixed.

Each one is found by tests/functional_tests/test_mash.py; each keeps Textual's own
behaviour and only refuses to crash.
"""

from __future__ import annotations

import contextlib

from textual.widgets import OptionList

_move_page = OptionList._move_page


def _move_page_or_stay(self: OptionList, direction: int) -> None:
    # Textual 8.2: page up/down on an option list that has not been laid out yet (the
    # command palette's list before it shows, a Select's closed overlay) looks up a line
    # map that is still empty and raises KeyError. Textual's own scroll_to_highlight
    # treats the same KeyError as "nothing to do"; so do we.
    with contextlib.suppress(KeyError):
        _move_page(self, direction)


def apply() -> None:
    OptionList._move_page = _move_page_or_stay  # type: ignore[method-assign]
