"""Saves and replays: the decisions so far, written atomically as TOML.

One module a job: `format` (the models, limits and checksum), `files` (one save on
disk), `replay` (replaying and checking a claim), `names` (save and player names, the
folder) and `store` (the saves folder the game uses). The names below are the API.

A save never stores state: the state is rebuilt by replaying its decisions through
the engine, so a save can never disagree with the engine. A save also records what
the game looked like when it was written (`claimed`): on load the engine's result is
compared with it, so a save never silently plays out differently from how it was
played. A finished save is a replay; `verify_replay` re-simulates one and checks it.

Format 2 (one TOML file):

    format = 2                      # this module reads exactly SAVE_FORMAT
    app_version = "0.1.0"           # finops-tui that wrote it (informational)
    level = "tutorial"              # a shipped level id
    setting = "standard"            # or "advanced": the level's tighter variant
    level_hash = "sha256:..."       # what the engine reads from the level (see level_hash)
    prices_hash = "sha256:..."      # the price catalog it was played at (see prices_hash)
    seed = 0
    player = "Team Red"
    [claimed]                       # the result after the last turn in `turns`
    score, stars, spend_usd, [claimed.kpis]
    [[turns]]                       # the full decisions of every resolved turn
    justification, [[quiz]], [reflections]   # optional: what the player wrote after the
                                    # debrief; checksummed, never part of the claim
    [integrity]                     # last, so a file cut short anywhere loses it
    checksum = "sha256:..."         # of everything else: detects hand edits and damage
"""

from __future__ import annotations

from finops_tui.content.saves.files import (
    read_save,
    save_text,
    write_save,
)
from finops_tui.content.saves.format import (
    MAX_JUSTIFICATION,
    MAX_QUIZ_ANSWERS,
    MAX_REFLECTION,
    MAX_REFLECTION_PROMPT,
    MAX_REFLECTIONS,
    MAX_SAVE_BYTES,
    SAVE_FORMAT,
    Claimed,
    Integrity,
    Learning,
    QuizRecord,
    SaveFile,
    learning_from,
    level_hash,
    player_name,
    prices_hash,
    save_checksum,
    save_from_state,
)
from finops_tui.content.saves.names import (
    SAVES_ENV,
    checked_player_name,
    safe_save_name,
    saves_dir,
)
from finops_tui.content.saves.replay import (
    claim_difference,
    load_save,
    replay_save,
    scenario_for,
    verify_replay,
)
from finops_tui.content.saves.store import (
    SaveEntry,
    SaveStore,
)

__all__ = [
    "MAX_JUSTIFICATION",
    "MAX_QUIZ_ANSWERS",
    "MAX_REFLECTION",
    "MAX_REFLECTIONS",
    "MAX_REFLECTION_PROMPT",
    "MAX_SAVE_BYTES",
    "SAVES_ENV",
    "SAVE_FORMAT",
    "Claimed",
    "Integrity",
    "Learning",
    "QuizRecord",
    "SaveEntry",
    "SaveFile",
    "SaveStore",
    "checked_player_name",
    "claim_difference",
    "learning_from",
    "level_hash",
    "load_save",
    "player_name",
    "prices_hash",
    "read_save",
    "replay_save",
    "safe_save_name",
    "save_checksum",
    "save_from_state",
    "save_text",
    "saves_dir",
    "scenario_for",
    "verify_replay",
    "write_save",
]
