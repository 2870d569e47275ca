"""The cost calculator's rules without an app (its screen is in functional_tests)."""

from __future__ import annotations

from finops_tui.gameplay.cost_calculator import parse_amount


def test_amounts_read_as_people_write_them() -> None:
    assert parse_amount("7e9") == 7e9
    assert parse_amount("7B") == 7e9
    assert parse_amount("1.4T") == 1.4e12
    assert parse_amount("7,000,000,000") == 7e9
    assert parse_amount("500M") == 5e8
    for bad, why in (("", "enter"), ("e9", "enter"), ("-3", "more than 0"), ("0", "more than 0")):
        try:
            parse_amount(bad)
        except ValueError as exc:
            assert why in str(exc)
        else:
            raise AssertionError(bad)
