"""The headless start: what `finops-tui simulate` leaves out, and that leaving it out
changes nothing it prints."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import pydantic.plugin._schema_validator as schema_validator

SIMULATE = [sys.executable, "-m", "finops_tui", "simulate", "tutorial", "--plan", "par"]
MODULES_LOADED = (
    "import runpy, sys; sys.argv = {argv!r}; "
    'exec(\'try:\\n runpy.run_module("finops_tui", run_name="__main__")\\n'
    "except SystemExit: pass'); "
    "print('LOADED', 'importlib.metadata' in sys.modules, file=sys.stderr)"
)


def run(env_update: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    env.update({k: v for k, v in env_update.items() if v is not None})
    code = MODULES_LOADED.format(argv=SIMULATE[2:])
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


def test_pydantic_still_asks_its_plugin_loader_by_that_name():
    """__main__ stands in for `pydantic.plugin._loader`; if pydantic stops importing
    `get_plugins` from it when it builds a validator, the stand-in is dead code."""
    source = inspect.getsource(schema_validator.create_schema_validator)
    assert "from ._loader import get_plugins" in source


def test_the_real_loader_answers_what_the_stand_in_does():
    """With PYDANTIC_DISABLE_PLUGINS=__all__ pydantic's own loader finds no plugin."""
    code = "from pydantic.plugin._loader import get_plugins; print(tuple(get_plugins()))"
    env = {**os.environ, "PYDANTIC_DISABLE_PLUGINS": "__all__"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.stdout.strip() == "()", out.stderr


def test_simulate_skips_the_package_metadata_and_prints_the_same():
    """Plugins off (the default): no `importlib.metadata`; a user who turns plugins on
    gets pydantic's own loader; the game's result is the same either way."""
    default = run({})
    with_plugins = run({"PYDANTIC_DISABLE_PLUGINS": "false"})
    assert default.returncode == 0 and with_plugins.returncode == 0, default.stderr
    assert "LOADED False" in default.stderr
    assert "LOADED True" in with_plugins.stderr
    assert default.stdout == with_plugins.stdout
    assert "Score" in default.stdout
