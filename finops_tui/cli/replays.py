"""`verify` and `leaderboard`: replays re-simulated, checked and ranked.

A replay is only believed once the engine has replayed it and got what it claims;
the leaderboard ranks what the engine computed, never what a file says. Replays of
the same level and seed are played together by the batch engine (content/verify.py).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from finops_tui.content.csv_safety import safe_row
from finops_tui.content.errors import ContentError
from finops_tui.content.files import atomic_write_text
from finops_tui.content.verify import VerifiedReplay, verify_replays

TIE_BREAK = (
    "higher score first; on equal scores, lower total spend (to the cent); then fewer "
    "turns over budget; replays equal on all three share a rank and are listed by player name"
)


@dataclass(frozen=True)
class Row:
    file: str
    player: str
    level: str
    setting: str
    seed: int
    score: float
    stars: int
    spend_usd: float
    turns_over_budget: int
    turns: int
    # A digest of level, setting, seed and every decision: equal for identical play.
    play: str = ""

    def merit(self) -> tuple[float, float, int]:
        """What ranks a replay (smaller is better); equal merit means an equal rank."""
        return (-self.score, round(self.spend_usd, 2), self.turns_over_budget)


def checked(names: list[str]) -> list[Row | ContentError]:
    """Every replay verified (in batches), in order: its row, or its ContentError."""
    return [
        verdict if isinstance(verdict, ContentError) else _row(name, verdict)
        for name, verdict in zip(names, verify_replays(names), strict=True)
    ]


def _row(name: str, replay: VerifiedReplay) -> Row:
    return Row(
        file=name,
        player=replay.player,
        level=replay.level,
        setting=replay.setting,
        seed=replay.seed,
        score=replay.score,
        stars=replay.stars,
        spend_usd=replay.spend_usd,
        turns_over_budget=replay.turns_over_budget,
        turns=replay.turns,
        play=replay.play,
    )


def _first(exc: ContentError, name: str) -> str:
    return exc.problems[0] if exc.problems else f"{name}: {exc}"


def verify(args: argparse.Namespace) -> int:
    """One line per replay: `PATH: ok ...`, or `PATH: key: the first difference`."""
    failed = False
    for name, row in zip(args.replays, checked(args.replays), strict=True):
        if isinstance(row, ContentError):
            failed = True
            print(_first(row, name))
            continue
        print(
            f"{name}: ok: {row.player or 'anonymous'}, level {_level(row)}, seed {row.seed}, "
            f"score {row.score:.1f}, {row.stars} star{'' if row.stars == 1 else 's'}"
        )
    return 1 if failed else 0


def _level(row: Row) -> str:
    return row.level if row.setting == "standard" else f"{row.level} ({row.setting})"


def rank(rows: list[Row]) -> list[tuple[int, Row]]:
    """Standard competition ranking (1, 1, 3) by merit; ties listed by player name."""
    ordered = sorted(rows, key=lambda r: (r.merit(), r.player.casefold(), r.player, r.file))
    out: list[tuple[int, Row]] = []
    for i, row in enumerate(ordered):
        place = out[-1][0] if out and out[-1][1].merit() == row.merit() else i + 1
        out.append((place, row))
    return out


def leaderboard(args: argparse.Namespace) -> int:
    """Verify every replay, refuse mixed levels or seeds unless asked, then rank."""
    from finops_tui.cli.main import UsageError

    names = _unique(args.replays)
    if args.csv:
        csv_path = Path(args.csv).resolve()
        if any(Path(n).resolve() == csv_path for n in names):
            raise UsageError(f"finops-tui leaderboard: --csv {args.csv} is one of the replays")
    rows: list[Row] = []
    rejected: list[tuple[str, str]] = []
    for name, row in zip(names, checked(names), strict=True):
        if isinstance(row, ContentError):
            rejected.append((name, _first(row, name)))
        else:
            rows.append(row)
    for _, problem in rejected:
        print(problem, file=sys.stderr)
    groups: dict[tuple[str, int], list[str]] = {}
    for row in rows:
        groups.setdefault((_level(row), row.seed), []).append(row.file)
    if len(groups) > 1 and not args.allow_mixed:
        found = "; ".join(
            f"{level} seed {seed}: {', '.join(files)}" for (level, seed), files in groups.items()
        )
        raise UsageError(
            "finops-tui leaderboard: these replays are of different levels or seeds "
            f"({found}); a fair ranking needs one level and seed. Pass only one group, "
            "or --allow-mixed to rank them together anyway"
        )
    ranked = rank(rows)
    same = identical_play(rows)
    if args.json:
        print(json.dumps(board_json(ranked, rejected, len(groups) > 1, same), indent=2))
    elif ranked:
        print(board_table(ranked, len(groups) > 1, same))
    if args.csv and ranked:
        atomic_write_text(Path(args.csv), board_csv(ranked))
    if not ranked and not args.json:
        print("no replay could be verified; nothing to rank", file=sys.stderr)
    return 1 if rejected else 0


def identical_play(rows: list[Row]) -> list[list[str]]:
    """Replays with the very same decisions: for a facilitator to look at, not a verdict
    (two teams may find the same plan; one replay renamed for two teams looks the same)."""
    by_play: dict[str, list[str]] = {}
    for row in rows:
        by_play.setdefault(row.play, []).append(row.file)
    return [files for files in by_play.values() if len(files) > 1]


def _unique(names: list[str]) -> list[str]:
    """The replays, each once: the same file given twice must not count twice."""
    seen: set[Path] = set()
    out = []
    for name in names:
        key = Path(name).resolve()
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def _row_json(place: int, row: Row) -> dict:
    return {
        "rank": place,
        "player": row.player,
        "level": row.level,
        "setting": row.setting,
        "seed": row.seed,
        "score": row.score,
        "stars": row.stars,
        "spend_usd": round(row.spend_usd, 2),
        "turns_over_budget": row.turns_over_budget,
        "file": row.file,
    }


def board_json(
    ranked: list[tuple[int, Row]],
    rejected: list[tuple[str, str]],
    mixed: bool,
    same: list[list[str]] | None = None,
) -> dict:
    return {
        "tie_break": TIE_BREAK,
        "mixed": mixed,
        "rows": [_row_json(place, row) for place, row in ranked],
        "rejected": [{"file": name, "problem": problem} for name, problem in rejected],
        "identical_play": same or [],
    }


def board_table(
    ranked: list[tuple[int, Row]], mixed: bool, same: list[list[str]] | None = None
) -> str:
    first = ranked[0][1]
    where = "mixed levels and seeds" if mixed else f"{_level(first)}, seed {first.seed}"
    cells = [
        [
            f"{place}{'=' if _shared(ranked, place) else ''}",
            row.player or "anonymous",
            *([_level(row), str(row.seed)] if mixed else []),
            f"{row.score:.1f}",
            "*" * row.stars or "-",
            f"${row.spend_usd:,.2f}",
            str(row.turns_over_budget),
            row.file,
        ]
        for place, row in ranked
    ]
    header = [
        "Rank",
        "Player",
        *(["Level", "Seed"] if mixed else []),
        "Score",
        "Stars",
        "Spend",
        "Over budget",
        "File",
    ]
    right = {"Rank", "Seed", "Score", "Spend", "Over budget"}
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if h in right else v.ljust(w)
            for v, w, h in zip(values, widths, header, strict=True)
        ).rstrip()

    out = [
        f"Leaderboard: {where} ({len(ranked)} replays verified)",
        "",
        line(header),
        line(["-" * w for w in widths]),
    ]
    out += [line(c) for c in cells]
    out += ["", f"Ties: {TIE_BREAK}."]
    out += [f"Identical play (the same decisions every turn): {', '.join(f)}" for f in same or []]
    return "\n".join(out)


def _shared(ranked: list[tuple[int, Row]], place: int) -> bool:
    return sum(1 for p, _ in ranked if p == place) > 1


def board_csv(ranked: list[tuple[int, Row]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "rank",
            "player",
            "level",
            "setting",
            "seed",
            "score",
            "stars",
            "spend_usd",
            "turns_over_budget",
            "file",
        ]
    )
    for place, row in ranked:
        writer.writerow(
            safe_row(
                [
                    place,
                    row.player,
                    row.level,
                    row.setting,
                    row.seed,
                    row.score,
                    row.stars,
                    f"{row.spend_usd:.2f}",
                    row.turns_over_budget,
                    row.file,
                ]
            )
        )
    return buffer.getvalue()
