"""Names of saves and players, and where the saves folder is."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

from finops_tui.content.errors import ContentError
from finops_tui.content.saves.format import player_name, shown_name

SAVES_ENV = "FINOPS_TUI_SAVES"
AUTOSAVE_PREFIX = "autosave"
MAX_NAME = 64
# Games of one level and player, each in a file of its own (SaveStore.new_autosave_path).
MAX_NEW_GAME_NAMES = 9999
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)


# --- names and the saves folder -----------------------------------------------------


def saves_dir(override: str | Path | None = None) -> Path:
    """Where saves go: `--saves-dir`, else $FINOPS_TUI_SAVES, else ./saves."""
    if override is not None and str(override).strip():
        return Path(override).expanduser()
    env = os.environ.get(SAVES_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.cwd() / "saves"


def _name_problem(name: str, noun: str = "a save name") -> str | None:
    if not name:
        return "a save needs a name"
    if len(name) > MAX_NAME:
        return f"at most {MAX_NAME} characters, got {len(name)}"
    if "/" in name or "\\" in name:
        return f"{noun} cannot name a folder: '/' and '\\' are not allowed"
    if name.startswith("."):
        return f"{noun} cannot start with a dot"
    for c in name:
        if unicodedata.category(c)[0] in "LN" or c in " -_.":
            continue
        return f"{c!r} is not allowed; use letters, digits, spaces, dashes, underscores and dots"
    if name.endswith("."):
        return f"{noun} cannot end with a dot"
    if name.split(".")[0].strip().lower() in _WINDOWS_RESERVED:
        return f"{name!r} is a reserved device name on Windows"
    if noun == "a save name" and name.lower().startswith(AUTOSAVE_PREFIX):
        return f"names starting with {AUTOSAVE_PREFIX!r} are kept for autosaves"
    return None


def checked_player_name(name: str) -> str:
    """A player or team name typed on a command line, held to the rules of save names
    (a team's name also names its folder in a class); "" for none. ContentError if not.
    """
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise ContentError([f"player name {shown_name(name)}: control characters are not allowed"])
    kept = player_name(name)
    problem = _name_problem(kept, "a player name") if kept else None
    if problem is not None:
        raise ContentError([f"player name {shown_name(name)}: {problem}"])
    return kept


def safe_save_name(name: str) -> str:
    """A user-typed save name -> a safe file stem in the saves folder, or ContentError.

    Letters (any script), digits, spaces, dashes, underscores and dots; 1 to 64
    characters; never a path, a dot file, a Windows device name or an autosave's name.
    A trailing `.toml` is dropped.
    """
    if not isinstance(name, str):
        raise ContentError([f"save name {name!r}: expected text"])
    if any(unicodedata.category(c) == "Cc" for c in name):
        return _refuse(name, "control characters (such as NUL) are not allowed")
    stem = unicodedata.normalize("NFC", name.strip())
    if stem.lower().endswith(".toml"):
        stem = stem[: -len(".toml")].rstrip()
    problem = _name_problem(stem)
    if problem is not None:
        return _refuse(name, problem)
    return stem


def _refuse(name: str, problem: str) -> str:
    raise ContentError([f"save name {shown_name(name)}: {problem}"])


def autosave_stem(level_id: str, player: str = "", setting: str = "standard") -> str:
    """The autosave of a (level, player): readable, and distinct for distinct names.

    The advanced setting is a variant of its own: starting it never overwrites an
    unfinished standard game.
    """
    stem = f"{AUTOSAVE_PREFIX}-{level_id}"
    if setting != "standard":
        stem += f"-{setting}"
    if not player:
        return stem
    slug = re.sub(r"[^a-z0-9]+", "-", player.lower()).strip("-")[:24] or "player"
    tag = hashlib.sha256(player.encode()).hexdigest()[:8]
    return f"{stem}-{slug}-{tag}"
