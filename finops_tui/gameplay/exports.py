"""Files a player takes away: where they go, what they are called, how they are written.

No Textual here. Every file is written atomically (`atomic_write_text`): a kill leaves the
old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from finops_tui.content.errors import ContentError
from finops_tui.content.files import atomic_write_text
from finops_tui.content.focus import focus_rows, write_focus
from finops_tui.content.report import ReportInput, write_report
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState

MAX_NAME = 100


@dataclass(frozen=True)
class ExportKind:
    """One thing that can be exported: a FOCUS bill, a report, a comparison table."""

    label: str  # "FOCUS bill (CSV)"
    suffixes: tuple[str, ...]  # the first is the default: (".md",) or (".html", ".htm")
    default_name: str  # without a folder, with its suffix
    write: Callable[[Path], list[str]] = field(compare=False)  # -> one line per file written

    def matches(self, path: Path) -> bool:
        return path.suffix.lower() in self.suffixes


def unique_path(folder: Path, name: str) -> Path:
    """`folder/name`, or `name-2`, `name-3`... so an export never replaces an earlier one."""
    path = folder / name
    stem, suffix = path.stem, path.suffix
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def confine(path: Path, folder: Path) -> Path:
    """`path`, if it stays inside `folder` once `..` and symlinks are followed.

    ValueError in one sentence if it would leave it. Reads links, writes nothing: the one
    rule that keeps a hosted team's files in its own folder.
    """
    try:
        inside = os.path.realpath(folder)
        target = os.path.realpath(path)
        leaves = os.path.commonpath([inside, target]) != inside
    except ValueError:  # a NUL byte, or paths that share no root
        leaves = True
    if leaves:
        raise _leaves(folder)
    return path


def _leaves(folder: Path) -> ValueError:
    return ValueError(
        f"in a hosted class, files stay in your team's folder ({folder}): type a name, not a path"
    )


def export_target(
    typed: str,
    folder: Path,
    kinds: list[ExportKind],
    confined: bool,
    chosen: ExportKind | None = None,
) -> Path:
    """Where a typed name goes: a bare name into `folder`, a path where it says.

    ValueError in words for a name that cannot be a file, or one that would leave `folder`
    when the session may only write there (a hosted team, a web visitor). A folder gets the
    chosen export's suggested name; a name without a suffix gets the chosen export's
    suffix. A relative path is made absolute, so the player is told where the file went.
    """
    chosen = chosen or kinds[0]
    text = typed.strip()
    if not text:
        raise ValueError("type a file name")
    if any(unicodedata.category(c) in UNPRINTABLE for c in text):
        raise ValueError("control characters are not allowed in a file name")
    if any(len(os.fsencode(part)) > NAME_MAX_BYTES for part in re.split(r"[/\\]", text)):
        raise ValueError(f"at most {MAX_NAME} characters in a file or folder name")
    try:
        path = _typed_path(text, folder, confined)
        if confined:
            confine(path, folder)  # before looking inside: `..` or a link out stops here
        path = _file_in(path, text, kinds, chosen)
    except OSError as exc:  # a name too long for the disk, a folder that cannot be read
        raise ValueError(f"{_shown(text)}: {exc.strerror or exc}") from None
    return confine(path, folder) if confined else path


# Control and format characters (bidi overrides too), lone surrogates, line separators.
UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
NAME_MAX_BYTES, PATH_MAX_BYTES = 255, 4095


def _typed_path(text: str, folder: Path, confined: bool) -> Path:
    is_path = "/" in text or "\\" in text or text.startswith("~")
    if not is_path:
        return folder / text
    if confined:
        raise _leaves(folder)  # a hosted team names a file; its folder is fixed
    try:
        expanded = Path(text).expanduser()
    except RuntimeError:  # `~someone` with no such user
        raise ValueError(f"{_shown(text.split('/')[0])} is not a known home folder") from None
    return Path(os.path.abspath(expanded))


def _file_in(path: Path, text: str, kinds: list[ExportKind], chosen: ExportKind) -> Path:
    if text.endswith(("/", "\\")) or path.is_dir():
        path = unique_path(path, chosen.default_name)
    name = path.name
    if not name or name in (".", "..") or name.startswith("."):
        raise ValueError("a file name cannot be empty or start with a dot")
    if len(name) > MAX_NAME or len(os.fsencode(name)) > NAME_MAX_BYTES:
        raise ValueError(f"at most {MAX_NAME} characters in a file name")
    if not path.suffix:
        path = path.with_name(name + chosen.suffixes[0])
    if not any(kind.matches(path) for kind in kinds):
        wanted = " or ".join(s for kind in kinds for s in kind.suffixes[:1])
        raise ValueError(f"the file name must end in {wanted}")
    if len(os.fsencode(str(path))) > PATH_MAX_BYTES:
        raise ValueError("the path is too long")
    if path.is_dir():
        raise ValueError(f"{path} is a folder")
    return path


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:60] + "...")


def kind_for(path: Path, kinds: list[ExportKind], preferred: ExportKind) -> ExportKind:
    """The export a file name asks for: its suffix decides, else the one chosen."""
    if preferred.matches(path):
        return preferred
    return next((kind for kind in kinds if kind.matches(path)), preferred)


def write_text_export(path: Path, text: str, rows: int) -> list[str]:
    atomic_write_text(path, text)
    return [f"{path} ({rows} rows)"]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:24]


def game_exports(
    scenario: Scenario, state: GameState, player: str = "", justification: str = ""
) -> list[ExportKind]:
    """What the debrief offers: the same files as `finops-tui export SAVE --focus/--report`."""
    level = scenario.level
    stem = f"{level.id}-seed{state.seed}" + (f"-{slug(player)}" if slug(player) else "")

    def focus(path: Path) -> list[str]:
        write_focus(path, level, state, player)
        rows = len(focus_rows(level, state, player))
        return [f"{path} ({rows} FOCUS rows)"]

    def report(path: Path) -> list[str]:
        data = ReportInput(scenario, state, player, justification)
        return [str(p) for p in write_report(path, data)]

    return [
        ExportKind("FOCUS bill (CSV)", (".csv",), f"{stem}-bill.csv", focus),
        ExportKind("Report (Markdown + chart)", (".md",), f"{stem}-report.md", report),
        ExportKind("Report (HTML)", (".html", ".htm"), f"{stem}-report.html", report),
    ]


def run_export(kind: ExportKind, path: Path, confined_to: Path | None = None) -> list[str]:
    """Write one export; ContentError (in words) if the disk refuses.

    `confined_to` checks the path once more just before writing, in case a link appeared
    since the name was checked.
    """
    try:
        if confined_to is not None:
            confine(path, confined_to)
        return kind.write(path)
    except ValueError as exc:
        raise ContentError([f"{path}: not written: {exc}"]) from None
    except OSError as exc:
        raise ContentError([f"{path}: cannot write: {exc.strerror or exc}"]) from None
