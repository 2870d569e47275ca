"""Screens ask the app through the typed `Navigator`, and `FinOpsApp` is one."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import finops_tui
from finops_tui.ui.app import FinOpsApp
from finops_tui.ui.navigator import Navigator, navigator

METHODS = sorted(
    name
    for name, member in vars(Navigator).items()
    if inspect.isfunction(member) and not name.startswith("_")
)


def test_the_app_is_a_navigator():
    app = FinOpsApp(seed=7, setting="advanced")
    assert isinstance(app, Navigator)
    assert navigator(app) is app
    assert (app.setting, app.fixed_seed, app.store) == ("advanced", 7, None)


def test_the_protocol_names_what_screens_call():
    assert {"show_title", "show_debrief", "start_game", "save_learning", "autosave"} <= set(METHODS)


@pytest.mark.parametrize("name", METHODS)
def test_each_method_has_the_apps_signature(name):
    wanted = inspect.signature(getattr(Navigator, name))
    real = inspect.signature(getattr(FinOpsApp, name))
    assert [(p.name, p.kind, p.default) for p in real.parameters.values()] == [
        (p.name, p.kind, p.default) for p in wanted.parameters.values()
    ]


def test_no_untyped_reach_into_the_app_is_left():
    root = Path(finops_tui.__file__).parent
    marked = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "type: ignore[attr-defined]" in line
    ]
    assert marked == []
