"""A player's keymap file: binding id -> key(s), in TOML. Where it is, and its shape.

    # ~/.config/finops-tui/keymap.toml
    "turn.end" = "e"              # one key
    "app.help" = ["f1", "h"]      # or several
    [debrief]                     # a table is the id's first part: debrief.export
    export = "ctrl+e"

Whether an id and a key mean something is the ui's business (finops_tui.ui.keymap):
this module reads only the file, so it needs no Textual.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from finops_tui.content.errors import ContentError
from finops_tui.content.files import read_toml

KEYMAP_ENV = "FINOPS_TUI_KEYMAP"
KEYMAP_NAME = "keymap.toml"
MAX_KEYS_PER_BINDING = 8  # a binding with more keys than this is a typo, not a wish
MAX_KEY_LENGTH = 40  # "ctrl+shift+alt+question_mark" is 28


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """The platform's folder for finops-tui's settings, as posting finds its own."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():  # the XDG spec: a relative path is to be ignored
        return Path(xdg) / "finops-tui"
    appdata = env.get("APPDATA", "").strip()
    if os.name == "nt" and appdata:
        return Path(appdata) / "finops-tui"
    return Path.home() / ".config" / "finops-tui"


def keymap_path(
    override: str | Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[Path, bool]:
    """The keymap file, and whether the player named it (`--keymap`, $FINOPS_TUI_KEYMAP).

    A named file must exist; the default one is optional.
    """
    env = os.environ if env is None else env
    if override is not None and str(override).strip():
        return Path(override).expanduser(), True
    named = env.get(KEYMAP_ENV, "").strip()
    if named:
        return Path(named).expanduser(), True
    return config_dir(env) / KEYMAP_NAME, False


def read_keymap(path: Path, required: bool = False) -> dict[str, list[str]]:
    """Binding id -> its keys, as written in `path` (empty when an optional file is absent).

    Raises ContentError naming the file and the key for a file that cannot be read or
    is not shaped as `id = "key"` or `id = ["key", ...]`.
    """
    if not required and not path.exists():
        return {}
    data = read_toml(path)
    keymap: dict[str, list[str]] = {}
    problems: list[str] = []
    for binding_id, value in _flatten(data):
        keys = _keys(value)
        if keys is None:
            problems.append(
                f'{path}: {binding_id}: expected a key ("e") or a list of keys (["e", "f5"]),'
                f" got {_shown(value)}"
            )
        else:
            keymap[binding_id] = keys
    if problems:
        raise ContentError(problems)
    return keymap


def _flatten(data: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    """`{"turn": {"end": "e"}}` -> `[("turn.end", "e")]`: tables and dotted keys alike."""
    out: list[tuple[str, object]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out += _flatten(value, f"{name}.")
        else:
            out.append((name, value))
    return out


def _keys(value: object) -> list[str] | None:
    items = value if isinstance(value, list) else [value]
    if not items or len(items) > MAX_KEYS_PER_BINDING:
        return None
    keys: list[str] = []
    for item in items:
        if not isinstance(item, str):
            return None
        # "a,b" is Textual's own way to write two keys: accept it as a list.
        for key in item.split(","):
            key = key.strip()
            if not key or len(key) > MAX_KEY_LENGTH:
                return None
            keys.append(key)
    return keys


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."
