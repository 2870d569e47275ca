"""The programs a hosted class runs, one per seat: a team's game, the projector's
scoreboard and the facilitator's console. The SSH host and the web server start the same
command lines, so a team plays the same game however it joins."""

from __future__ import annotations

from finops_tui.content.classroom import ClassDir, ClassSettings
from finops_tui.gameplay.seats import TEAM_SLOT, parse_seat, split_login

FACILITATOR, PROJECTOR = "facilitator", "projector"


def team_argv(
    python: str, class_dir: ClassDir, settings: ClassSettings, team: str, seat: str | None = None
) -> list[str]:
    """The command that plays `team`'s game: the class's level, seed and setting, its folder;
    with `seat`, as that member of the seated team (`team` for a member without a seat)."""
    root = class_dir.root.absolute()
    argv = [
        python,
        "-m",
        "finops_tui",
        "play",
        settings.level,
        "--seed",
        str(settings.seed),
        "--player",
        team,
        "--saves-dir",
        str(ClassDir(root).team_dir(team)),
        "--class-dir",
        str(root),
    ]
    if seat is not None:
        argv += ["--seat", seat]
    return [*argv, "--advanced"] if settings.setting == "advanced" else argv


def seat_argv(python: str, class_dir: ClassDir, settings: ClassSettings, user: str) -> list[str]:
    """The command for whoever logs in as `user`: the projector, the facilitator or a team."""
    root = str(class_dir.root.absolute())
    if user == PROJECTOR:
        return [python, "-m", "finops_tui", "scoreboard", "--class-dir", root]
    if user == FACILITATOR:
        return [python, "-m", "finops_tui", "facilitate", "--class-dir", root]
    team, slot = member_login(user)
    return team_argv(python, class_dir, settings, team, slot)


def member_login(user: str) -> tuple[str, str]:
    """A learner's SSH user name as (team, slot): 'blue+FINANCE' -> ('blue', 'finance'),
    'blue' -> ('blue', 'team'). The caller has checked it (see ClassHost.refusal)."""
    team, typed = split_login(user)
    if typed is None:
        return team, TEAM_SLOT
    return team, parse_seat(typed) or TEAM_SLOT
