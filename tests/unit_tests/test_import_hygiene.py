"""The engine, the content layer, gameplay and the headless CLI never load Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import finops_tui.gameplay

GAMEPLAY = sorted(
    m.name for m in pkgutil.iter_modules(finops_tui.gameplay.__path__, "finops_tui.gameplay.")
)

CHECK = (
    "import sys, importlib; importlib.import_module({module!r}); "
    "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')); "
    "print(' '.join(bad))"
)


@pytest.mark.parametrize(
    "module",
    [
        "finops_tui.engine",
        "finops_tui.content.levels",
        "finops_tui.content.saves",
        "finops_tui.cli.main",
        *GAMEPLAY,
    ],
)
def test_module_does_not_import_textual(module):
    out = subprocess.run(
        [sys.executable, "-c", CHECK.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == ""


def test_headless_simulate_does_not_import_textual():
    code = (
        "import sys; from finops_tui.cli.main import run; "
        "run(['simulate', 'tutorial', '--plan', 'par', '--json']); "
        "print('TEXTUAL' if 'textual' in sys.modules else 'CLEAN', file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().endswith("CLEAN")


def test_gameplay_holds_the_screen_free_modules():
    names = {name.rsplit(".", 1)[1] for name in GAMEPLAY}
    assert {"advisor", "cost_calculator", "exports", "fields", "roles", "session"} <= names
