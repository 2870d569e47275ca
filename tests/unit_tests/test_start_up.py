"""The headless start and end: what `finops-tui simulate` leaves out, that leaving it out
changes nothing it prints, and that skipping the interpreter's teardown loses nothing."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pydantic.plugin._schema_validator as schema_validator

SIMULATE = [sys.executable, "-m", "finops_tui", "simulate", "tutorial", "--plan", "par"]
MODULES_LOADED = (
    "import sys; from finops_tui.__main__ import main; main({argv!r}); "
    "print('LOADED', 'importlib.metadata' in sys.modules, file=sys.stderr)"
)


def run(env_update: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    env.update({k: v for k, v in env_update.items() if v is not None})
    code = MODULES_LOADED.format(argv=SIMULATE[3:])
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


def in_process_json(argv: list[str]) -> object:
    code = (
        "import contextlib, io, sys\n"
        "from finops_tui.__main__ import main\n"
        "out = io.StringIO()\n"
        f"with contextlib.redirect_stdout(out): status = main({argv!r})\n"
        "sys.stdout.write(out.getvalue())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_command_written_to_a_file_is_whole_though_teardown_is_skipped(tmp_path: Path):
    """A file is block-buffered: without the flush in `leave`, the result would be cut."""
    argv = ["simulate", "spot-or-reserved", "--plan", "par", "--seeds", "50", "--json"]
    out = tmp_path / "out.json"
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with out.open("w") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "finops_tui", *argv],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=buffered,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text()) == in_process_json(argv)


def test_the_exit_status_and_the_atexit_handlers_survive_the_quick_exit():
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('ATEXIT RAN', file=sys.stderr))\n"
        "sys.argv = ['finops-tui', 'simulate', 'no-such-level', '--plan', 'par']\n"
        "from finops_tui.__main__ import console\n"
        "console()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode not in (0, None)
    assert "no-such-level" in done.stderr
    assert done.stderr.rstrip().endswith("ATEXIT RAN")


def test_a_thread_still_working_is_waited_for(tmp_path: Path):
    """A second thread alive at the end (a save being written) makes the usual exit,
    which waits for it; `os._exit` would cut it off."""
    written = tmp_path / "written"
    code = (
        "import sys, threading, time\n"
        f"def late(): time.sleep(0.5); open({str(written)!r}, 'w').write('done')\n"
        "threading.Thread(target=late).start()\n"
        "sys.argv = ['finops-tui', 'simulate', 'tutorial', '--plan', 'par']\n"
        "from finops_tui.__main__ import console\n"
        "console()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert written.read_text() == "done"


def test_a_reader_that_went_away_gets_no_traceback():
    """`finops-tui simulate ... | head -1`: the reader is gone before the output is flushed."""
    child = subprocess.Popen(
        [sys.executable, "-m", "finops_tui", "simulate", "tutorial", "--plan", "par"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
