"""Errors for people: the file, the key, and what was expected."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError


class ContentError(Exception):
    """One or more problems with a file, each as `PATH: key.path: message`."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def key_path(loc: Iterable[int | str], prefix: str = "") -> str:
    """`("events", "random", 2, "probability")` -> `events.random[2].probability`."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def describe_validation(path: Path | str, error: ValidationError, prefix: str = "") -> list[str]:
    """One line per pydantic error, in the house format."""
    lines = []
    for err in error.errors(include_url=False):
        loc = [p for p in err["loc"] if not _is_union_tag(p)]
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        elif err["type"] == "missing":
            message = "required key is missing"
        elif err["type"] == "literal_error":
            message = message.replace("Input should be", "expected")
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        else:
            message = message.replace("Input should be", "must be")
        if err["type"] not in ("missing", "extra_forbidden") and "input" in err:
            shown = err["input"]
            if not isinstance(shown, dict | list):
                message += f", got {shown!r}"
        lines.append(f"{path}: {key_path(loc, prefix)}: {message}")
    return lines


def _is_union_tag(part: int | str) -> bool:
    # pydantic names union members like "tuple[float, float]" or "float" in locations.
    return isinstance(part, str) and ("[" in part or part in ("float", "int", "str"))
