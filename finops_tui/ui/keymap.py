"""The player's keymap, checked against the game's bindings before Textual applies it.

The file is read by finops_tui.content.keymap. Here: is each id a binding of the game,
each key a key Textual knows, and does a changed key take another binding's place on
some screen? Any problem and the whole file is set aside (the game keeps its default
keys) with one message that names the file and the key.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.keys import Keys
from textual.screen import Screen

from finops_tui.content.errors import ContentError
from finops_tui.content.keymap import keymap_path, read_keymap

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
# Key names Textual sends, from its own table ("ctrl+pageup" -> "pageup").
NAMED_KEYS = {key.value.rsplit("+", 1)[-1] for key in Keys if not key.value.startswith("<")} | {
    "space",
    "enter",
    "tab",
    "escape",
    "backspace",
}
# The game's screens, each with its own keys over the app's (the facilitator and the
# class scoreboard are apps of their own, with no keymap).
SCREEN_MODULES = (
    "finops_tui.ui.screens.title",
    "finops_tui.ui.screens.briefing",
    "finops_tui.ui.screens.turn",
    "finops_tui.ui.screens.report",
    "finops_tui.ui.screens.debrief",
    "finops_tui.ui.screens.quiz",
    "finops_tui.ui.screens.written",
    "finops_tui.ui.screens.watch",
    "finops_tui.ui.screens.calculator",
    "finops_tui.ui.screens.codex",
    "finops_tui.ui.screens.help",
    "finops_tui.ui.screens.saves",
    "finops_tui.ui.screens.export",
    "finops_tui.ui.screens.confirm",
    "finops_tui.ui.classroom.lobby",
    "finops_tui.ui.classroom.link",
)


@dataclass(frozen=True)
class KeymapStatus:
    """What became of the player's keymap file: shown by help, applied by the app."""

    path: Path
    keymap: dict[str, str] = field(default_factory=dict)  # id -> "key,key", as applied
    changed: list[tuple[str, str]] = field(default_factory=list)  # (id, keys as shown)
    problem: str | None = None  # why the file was set aside, naming file and key


def normalize_key(key: str) -> str | None:
    """A key as Textual names it ("?" -> "question_mark", "ctrl+S" -> "ctrl+S"); None if
    Textual has no such key."""
    *modifiers, name = key.split("+") if key != "+" else ["+"]
    if any(m.lower() not in MODIFIERS for m in modifiers) or not name:
        return None
    modifiers = [m.lower() for m in modifiers]
    if len(name) == 1:
        if not name.isprintable():
            return None
        name = name if name.isalnum() else _character_name(name)
    elif name.lower() in NAMED_KEYS:
        name = name.lower()
    elif not _is_character_name(name):
        return None
    return "+".join([*modifiers, name])


def _character_name(character: str) -> str:
    if character == " ":
        return "space"
    return unicodedata.name(character).lower().replace(" ", "_").replace("-", "_")


def _is_character_name(name: str) -> bool:
    try:
        character = unicodedata.lookup(name.replace("_", " ").upper())
    except KeyError:
        return False
    return _character_name(character) == name


def _bindings(cls: type) -> list[Binding]:
    """A class's bindings with its bases', as Textual merges them (base first)."""
    out: list[Binding] = []
    for base in reversed(cls.__mro__):
        out += [b for b in vars(base).get("BINDINGS", []) if isinstance(b, Binding)]
    return out


def screen_classes() -> list[type[Screen]]:
    found: list[type[Screen]] = []
    for name in SCREEN_MODULES:
        module = importlib.import_module(name)
        found += [
            cls
            for cls in vars(module).values()
            if inspect.isclass(cls)
            and issubclass(cls, Screen)
            and cls.__module__ == name
            and not inspect.isabstract(cls)
        ]
    return found


def binding_scopes(app_class: type[App]) -> list[tuple[str, list[Binding]]]:
    """Each screen's keys together with the app's: where two keys could meet."""
    everywhere = _bindings(app_class)
    palette = Binding(app_class.COMMAND_PALETTE_BINDING, "command_palette", "Commands")
    return [(cls.__name__, [*_bindings(cls), *everywhere, palette]) for cls in screen_classes()]


def check_keymap(
    path: Path, keymap: Mapping[str, list[str]], scopes: list[tuple[str, list[Binding]]]
) -> tuple[dict[str, str], list[str]]:
    """The keymap as Textual takes it (id -> "key,key"), and every problem with it."""
    known = {b.id: b for _, bindings in scopes for b in bindings if b.id}
    problems: list[str] = []
    applied: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            near = difflib.get_close_matches(binding_id, list(known), n=1)
            hint = f" (did you mean {near[0]}?)" if near else " (help, ?, lists the ids)"
            problems.append(f"{path}: {binding_id}: no key binding has this id{hint}")
            continue
        normal = [normalize_key(k) for k in keys]
        bad = [k for k, n in zip(keys, normal, strict=True) if n is None]
        if bad:
            problems.append(
                f"{path}: {binding_id}: {bad[0]!r} is not a key"
                ' (expected a letter, digit or name such as "f5", "ctrl+e", "question_mark")'
            )
            continue
        applied[binding_id] = ",".join(dict.fromkeys(n for n in normal if n))
    if not problems:
        problems += _clashes(path, applied, scopes)
    return applied, problems


def _clashes(
    path: Path, keymap: Mapping[str, str], scopes: list[tuple[str, list[Binding]]]
) -> list[str]:
    """A changed key that lands on a key another binding of the same screen holds."""
    problems: dict[tuple[str, str], str] = {}
    for screen, bindings in scopes:
        before = _keys_to_bindings(bindings, {})
        after = _keys_to_bindings(bindings, keymap)
        for key, holders in after.items():
            if len(holders) < 2 or holders == before.get(key):
                continue
            moved = sorted(h for h in holders if h in keymap)
            for binding_id in moved:
                others = sorted(h for h in holders if h != binding_id)
                if (binding_id, key) not in problems:
                    problems[(binding_id, key)] = (
                        f"{path}: {binding_id}: {key!r} is already {', '.join(others)} on {screen}"
                    )
    return list(problems.values())


def _keys_to_bindings(
    bindings: Iterable[Binding], keymap: Mapping[str, str]
) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for binding in bindings:
        name = binding.id or binding.action
        keys = keymap.get(binding.id or "", binding.key)
        for key in keys.split(","):
            out.setdefault(normalize_key(key.strip()) or key.strip(), set()).add(name)
    return {key: frozenset(names) for key, names in out.items()}


def load_keymap(
    app_class: type[App], override: str | Path | None = None, env: Mapping[str, str] | None = None
) -> KeymapStatus:
    """The player's keymap for `app_class`, checked; a bad file is set aside, never fatal."""
    path, named = keymap_path(override, env)
    try:
        keymap = read_keymap(path, required=named)
    except ContentError as exc:
        return KeymapStatus(path, problem=_one_message(path, exc.problems))
    if not keymap:
        return KeymapStatus(path)
    applied, problems = check_keymap(path, keymap, binding_scopes(app_class))
    if problems:
        return KeymapStatus(path, problem=_one_message(path, problems))
    return KeymapStatus(path, applied, [(i, _shown(k)) for i, k in applied.items()])


def _shown(keys: str) -> str:
    return " / ".join({"question_mark": "?"}.get(k, k) for k in keys.split(","))


def _one_message(path: Path, problems: list[str]) -> str:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    message = f"{problems[0]}{more}. The default keys are in use; {path.name} is not."
    # Ids and keys are typed by the player: never let a control character reach the screen.
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
