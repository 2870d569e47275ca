"""The engine, the content layer, gameplay and the headless CLI never load Textual."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

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


LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
ROOT = Path(__file__).resolve().parents[2]
needs_import_linter = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter (a test extra) is not installed"
)


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy's package, not the checkout's
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_import_linter
def test_the_layer_contracts_hold():
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


@needs_import_linter
@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("gameplay/format.py", "import rich.text", "gameplay never import Textual"),
        ("engine/physics.py", "import textual", "gameplay never import Textual"),
        ("content/errors.py", "import finops_tui.gameplay.format", "One direction"),
        ("gameplay/roles.py", "import finops_tui.ui.navigator", "One direction"),
        ("cli/calc.py", "import textual.app", "No command-line module"),
    ],
)
def test_the_contracts_catch_an_import_across_a_layer(tmp_path, module, line, broken):
    shutil.copytree(
        ROOT / "finops_tui", tmp_path / "finops_tui", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / "finops_tui" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    out = lint_imports(tmp_path)
    assert out.returncode != 0
    broken_lines = [s for s in out.stdout.splitlines() if "BROKEN" in s or broken in s]
    assert any(broken in s for s in broken_lines), out.stdout
