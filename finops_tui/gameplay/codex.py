"""The codex: FinOps and AI-cost concepts, read from codex.toml next to this file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CODEX_FILE = Path(__file__).with_name("codex.toml")
DEFAULT_ENTRY = "finops-phases"
LINK_PREFIX = "codex:"
# Concept names levels use (in quiz questions) for entries the codex files under another id.
ALIASES = {
    "api-vs-self-host": "api-or-self-host",
    "compute-optimal": "chinchilla",
    "forecasting": "forecast-variance",
}


@dataclass(frozen=True)
class CodexEntry:
    id: str
    title: str
    phase: str
    body: str

    @property
    def markdown(self) -> str:
        return f"# {self.title}\n\n*{self.phase}*\n\n{self.body.strip()}\n"


@cache
def codex() -> dict[str, CodexEntry]:
    """Every entry, by id, in the file's order."""
    with CODEX_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    return {
        item["id"]: CodexEntry(item["id"], item["title"], item["phase"], item["body"])
        for item in data["entry"]
    }


def entry(concept: str | None) -> CodexEntry:
    """The entry for a concept id; the FinOps lifecycle when the id is unknown."""
    entries = codex()
    concept = ALIASES.get(concept or "", concept or "")
    return entries.get(concept, entries[DEFAULT_ENTRY])


def concept_from_link(href: str) -> str | None:
    """'codex:spot' -> 'spot'; None for any other link."""
    return href[len(LINK_PREFIX) :] if href.startswith(LINK_PREFIX) else None
