"""`finops-tui` argument parsing and dispatch."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable
from typing import Any

from finops_tui import __version__
from finops_tui.engine.catalog import GPU_NAMES, PRICING_OPTIONS

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A bad command line: one line of explanation, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def number(text: str) -> float:
    """A positive number in plain or scientific notation: 7e9, 7000000000, 1.5e12."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number like 7e9, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {text!r}")
    return value


MAX_TOURNAMENT_SEEDS = 20_000  # every plan's batch is held at once: about 250 MB at this many


def tournament_seeds(text: str) -> int:
    value = count(text)
    if value > MAX_TOURNAMENT_SEEDS:
        raise argparse.ArgumentTypeError(
            f"expected at most {MAX_TOURNAMENT_SEEDS:,} seeds, got {text}"
        )
    return value


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= 2**32 - 1:
        raise argparse.ArgumentTypeError(f"expected a seed between 0 and 4294967295, got {text}")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port between 0 and 65535, got {text}")
    return value


def fraction(text: str) -> float:
    value = number(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got {text!r}")
    return value


def quiz_seconds(text: str) -> float:
    """Seconds for each quiz question: above 0, at most an hour."""
    return _seconds(text, low=0.0, open_low=True)


def quiz_extra_seconds(text: str) -> float:
    """Extra seconds for one learner on each question: 0 to an hour."""
    return _seconds(text, low=0.0, open_low=False)


def _seconds(text: str, low: float, open_low: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    above = value > low if open_low else value >= low
    if not (above and value <= 3600):
        bound = "above 0" if open_low else "0 or more"
        raise argparse.ArgumentTypeError(f"expected seconds {bound} and at most 3600, got {text!r}")
    return value


def player(text: str) -> str:
    """A player or team name: the rules of save names (letters, digits, spaces, - _ .)."""
    from finops_tui.content.errors import ContentError
    from finops_tui.content.saves import checked_player_name

    try:
        return checked_player_name(text)
    except ContentError as exc:
        raise argparse.ArgumentTypeError("; ".join(exc.problems)) from None


Subparsers = argparse._SubParsersAction  # what add_subparsers returns


class _ArgumentsUnread:
    """A command's parser while another command runs: whatever is added to it is dropped
    (its arguments are never read), so a command starts without building every other's."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


class _OnlyCommand:
    """`add_subparsers`' result, building the arguments of `command` only (all if None).
    Every command is still listed, with its help line, in `finops-tui --help`."""

    def __init__(self, sub: Subparsers, command: str | None) -> None:
        self._sub, self._command = sub, command

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        parser = self._sub.add_parser(name, **kwargs)
        return parser if self._command in (None, name) else _ArgumentsUnread()


def build_parser(command: str | None = None) -> Parser:
    """The command line's parser; with `command`, only that command's arguments."""
    parser = Parser(
        prog="finops-tui",
        description="A turn-based terminal game that teaches FinOps for AI projects.",
    )
    parser.add_argument("--version", action="version", version=f"finops-tui {__version__}")
    sub: Any = _OnlyCommand(parser.add_subparsers(dest="command", parser_class=Parser), command)
    for add_commands in (
        _add_play,
        _add_level_commands,
        _add_replay_commands,
        _add_bill_commands,
        _add_class_commands,
        _add_calc,
    ):
        add_commands(sub)
    return parser


def _add_play(sub: Subparsers) -> None:
    """`play`: the game in this terminal (the default command)."""
    play = sub.add_parser("play", help="play a level in the terminal (the default)")
    play.add_argument("level", nargs="?", help="level id or path; omit for the title screen")
    play.add_argument("--seed", type=seed, default=None)
    play.add_argument(
        "--advanced", action="store_true", help="the advanced setting: tighter, more events"
    )
    play.add_argument(
        "--player", type=player, default="", help="player or team name, kept in saves"
    )
    play.add_argument("--class-dir", metavar="DIR", help="play as a team of a hosted class")
    play.add_argument(
        "--seat",
        metavar="SEAT",
        help="in a hosted class, play this seat of the team: team, it, finance, data-science",
    )
    play.add_argument(
        "--watch", metavar="PLAN", help="watch a plan (par, naive or a file) play turn by turn"
    )
    play.add_argument(
        "--quiz-seconds",
        type=quiz_seconds,
        default=None,
        metavar="S",
        help="time for each quiz question (default: no time limit)",
    )
    play.add_argument(
        "--quiz-extra-seconds",
        type=quiz_extra_seconds,
        default=0.0,
        metavar="S",
        help="extra time for this learner on each question, with --quiz-seconds",
    )
    play.add_argument(
        "--saves-dir", metavar="DIR", help="where saves go (default: saves/, or $FINOPS_TUI_SAVES)"
    )
    play.add_argument(
        "--keymap",
        metavar="FILE",
        help="your keys, binding id = key (default: ~/.config/finops-tui/keymap.toml,"
        " or $FINOPS_TUI_KEYMAP)",
    )


def _add_level_commands(sub: Subparsers) -> None:
    """Levels and plans, headless: list, validate, schema, simulate, tournament, balance."""
    levels = sub.add_parser("levels", help="list the shipped levels")
    levels.add_argument("--json", action="store_true")

    validate = sub.add_parser("validate", help="check level and course files")
    validate.add_argument("paths", nargs="+", metavar="PATH")

    sub.add_parser("schema", help="print the JSON Schema of the level format")

    simulate = sub.add_parser("simulate", help="play a plan headless and print the result")
    simulate.add_argument("level", help="level id or path")
    simulate.add_argument("--plan", required=True, help="par, naive, or a plan TOML file")
    simulate.add_argument("--seed", type=seed, default=0)
    simulate.add_argument(
        "--advanced", action="store_true", help="the advanced setting: tighter, more events"
    )
    simulate.add_argument("--json", action="store_true")
    simulate.add_argument("--replay-out", metavar="FILE", help="write the finished game")
    simulate.add_argument(
        "--seeds",
        type=count,
        default=None,
        help="play N seeds from --seed on and print the score distribution",
    )

    tournament = sub.add_parser(
        "tournament", help="plans on the same seeds, ranked by mean score (P10 for risk)"
    )
    tournament.add_argument("level", help="level id or path")
    tournament.add_argument(
        "plans", nargs="+", metavar="PLAN", help="a plan the level ships (par, naive...) or a file"
    )
    tournament.add_argument(
        "--seeds", type=tournament_seeds, default=1000, help="seeds each plan plays (1-20,000)"
    )
    tournament.add_argument("--seed", type=seed, default=0, help="first seed")
    tournament.add_argument(
        "--advanced", action="store_true", help="the advanced setting: tighter, more events"
    )
    tournament.add_argument("--json", action="store_true")

    balance = sub.add_parser("balance", help="par against naive over many seeds")
    balance.add_argument("level", help="level id or path")
    balance.add_argument("--seeds", type=count, default=1000)
    balance.add_argument("--seed", type=seed, default=0, help="first seed")
    balance.add_argument(
        "--advanced", action="store_true", help="the advanced setting: tighter, more events"
    )
    balance.add_argument("--json", action="store_true")


def _add_replay_commands(sub: Subparsers) -> None:
    """Finished games: verify, leaderboard, and the performance bench."""
    verify = sub.add_parser("verify", help="re-simulate replays and check their claims")
    verify.add_argument("replays", nargs="+", metavar="REPLAY")

    board = sub.add_parser("leaderboard", help="verify replays, then rank them")
    board.add_argument("replays", nargs="+", metavar="REPLAY")
    board.add_argument("--json", action="store_true")
    board.add_argument("--csv", metavar="FILE", help="also write the ranking as CSV")
    board.add_argument(
        "--allow-mixed",
        action="store_true",
        help="rank replays of different levels or seeds together",
    )

    bench = sub.add_parser("bench", help="measure the performance bars (run by hand)")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--seeds", type=count, default=10_000, help="seeds for the batch figures")
    bench.add_argument("--quick", action="store_true", help="fewer repeats, for a sanity check")


def _add_bill_commands(sub: Subparsers) -> None:
    """Bills out and in: export, analyze, level-from-bill."""
    export = sub.add_parser("export", help="a game's bill as FOCUS CSV, or a report")
    export.add_argument("save", metavar="SAVE_OR_REPLAY")
    export.add_argument("--focus", metavar="FILE.csv", help="the bill as FOCUS 1.2 rows")
    export.add_argument("--report", metavar="FILE.md", help="an executive summary (.md or .html)")

    analyze = sub.add_parser("analyze", help="read any FOCUS cost export like a practitioner")
    analyze.add_argument("file", metavar="FOCUS.csv")
    analyze.add_argument("--json", action="store_true")
    analyze.add_argument(
        "--require-tag", action="append", metavar="KEY", help="a tag key cost must carry"
    )
    analyze.add_argument(
        "--basis", choices=("effective", "billed"), default="effective", help="rank on this cost"
    )

    from_bill = sub.add_parser("level-from-bill", help="a sandbox level calibrated on a bill")
    from_bill.add_argument("file", metavar="FOCUS.csv")
    from_bill.add_argument("--out", required=True, metavar="FILE.toml")
    from_bill.add_argument("--require-tag", action="append", metavar="KEY")
    from_bill.add_argument(
        "--keep-names", action="store_true", help="keep resource ids and tag values in the level"
    )


def _add_class_commands(sub: Subparsers) -> None:
    """A hosted class: the SSH host, the web server, the scoreboard, the console."""
    host = sub.add_parser("host", help="host a class over SSH")
    host.add_argument("--bind", default="127.0.0.1", help="address to listen on (loopback)")
    host.add_argument("--port", type=port, default=2222)
    host.add_argument("--level", default="tutorial", help="level id or path for the class")
    host.add_argument("--seed", type=seed, default=0)
    host.add_argument("--advanced", action="store_true")
    host.add_argument("--class-dir", default="class", metavar="DIR", help="the class's folder")
    host.add_argument(
        "--facilitator-password", metavar="PW", help="or $FINOPS_TUI_FACILITATOR_PASSWORD"
    )
    host.add_argument(
        "--facilitator-key", action="append", metavar="FILE", help="authorized public key(s)"
    )
    host.add_argument("--max-connections", type=count, default=40)
    host.add_argument("--idle-minutes", type=count, default=30)
    host.add_argument("--course", metavar="FILE", help="the run sheet (default: finops-3h)")

    scoreboard = sub.add_parser("scoreboard", help="a hosted class's live scoreboard")
    scoreboard.add_argument("--class-dir", default="class", metavar="DIR")
    facilitate = sub.add_parser("facilitate", help="the facilitator's console for a class")
    facilitate.add_argument("--class-dir", default="class", metavar="DIR")
    facilitate.add_argument(
        "--course", metavar="FILE", help="the run sheet (default: the class's, or finops-3h)"
    )
    report = sub.add_parser("class-report", help="a class's report, as Markdown and HTML")
    report.add_argument("class_dir", metavar="CLASS_DIR")
    report.add_argument("--out", metavar="DIR", help="where (default: CLASS_DIR/report)")

    web = sub.add_parser("web", help="host a class in the browser: each visitor is a team")
    web.add_argument("level_arg", nargs="?", metavar="LEVEL", help="the same as --level")
    web.add_argument("--level", help="level id or path for the class (default: tutorial)")
    web.add_argument("--seed", type=seed, default=0)
    web.add_argument("--advanced", action="store_true")
    web.add_argument("--class-dir", default="class", metavar="DIR", help="the class's folder")
    web.add_argument(
        "--bind", "--host", dest="bind", default="127.0.0.1", help="address (loopback)"
    )
    web.add_argument("--port", type=port, default=8000)
    web.add_argument("--max-connections", type=count, default=40, help="teams playing at once")
    web.add_argument("--idle-minutes", type=count, default=30)
    web.add_argument("--course", metavar="FILE", help="the run sheet (default: finops-3h)")


def _add_calc(sub: Subparsers) -> None:
    """`calc`: the AI project cost calculator (train, serve, optimal)."""
    calc = sub.add_parser("calc", help="the AI project cost calculator")
    calc_sub = calc.add_subparsers(dest="calc_command", parser_class=Parser, required=True)
    train = calc_sub.add_parser("train", help="cost of a training run")
    train.add_argument("--params", type=number, required=True)
    train.add_argument("--tokens", type=number, required=True)
    train.add_argument("--gpu", choices=GPU_NAMES, required=True)
    train.add_argument("--gpus", type=count, default=8)
    train.add_argument("--mfu", type=fraction, default=None)
    train.add_argument("--pricing", choices=PRICING_OPTIONS, default="on-demand")
    train.add_argument("--json", action="store_true")
    serve = calc_sub.add_parser("serve", help="memory, throughput and cost of serving")
    serve.add_argument("--params", type=number, required=True)
    serve.add_argument("--gpu", choices=GPU_NAMES, required=True)
    serve.add_argument("--gpus", type=count, default=1)
    serve.add_argument("--quant", choices=("fp16", "int8", "int4"), default="fp16")
    serve.add_argument("--tokens-per-day", type=number, default=None, help="output tokens")
    serve.add_argument("--pricing", choices=PRICING_OPTIONS, default="on-demand")
    serve.add_argument(
        "--latency",
        choices=("interactive", "batch"),
        default="interactive",
        help="interactive: the catalog's share of the offline maximum; batch: the maximum",
    )
    serve.add_argument("--input-tokens", type=number, default=1000, help="per request")
    serve.add_argument("--output-tokens", type=number, default=1000, help="per request")
    serve.add_argument("--json", action="store_true")
    optimal = calc_sub.add_parser("optimal", help="compute-optimal size for a FLOP budget")
    optimal.add_argument("--flops", type=number, required=True)
    optimal.add_argument("--json", action="store_true")


# Each command's module and function: only the command run is imported, so a headless
# command never pays for another's imports (asyncssh, the exporters, the bench...).
COMMANDS: dict[str, tuple[str, str]] = {
    "levels": ("content", "levels"),
    "validate": ("content", "validate"),
    "schema": ("content", "schema"),
    "simulate": ("simulate", "simulate"),
    "calc": ("calc", "calc"),
    "bench": ("bench", "bench"),
    "balance": ("balance", "balance"),
    "tournament": ("tournament", "tournament"),
    "export": ("export", "export"),
    "host": ("host", "host"),
    "web": ("web", "web"),
    "class-report": ("classroom", "class_report"),
    "analyze": ("export", "analyze"),
    "level-from-bill": ("export", "level_from_bill"),
    "verify": ("replays", "verify"),
    "leaderboard": ("replays", "leaderboard"),
}


def command_function(command: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs `command`, its module imported only now.

    As in `finops_tui.__main__`, the collector rests while the module and what it
    imports (more pydantic models) load: they live as long as the process.
    """
    module, function = COMMANDS[command]
    enabled = gc.isenabled()
    gc.disable()
    try:
        loaded = importlib.import_module(f"finops_tui.cli.{module}")
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return getattr(loaded, function)


def _command_named(argv: list[str]) -> str | None:
    """The command `argv` runs, if it names one first (else every command is built)."""
    first = argv[0] if argv else ""
    return first if first in COMMANDS or first in ("play", "scoreboard", "facilitate") else None


def run(argv: list[str]) -> int:
    """Run the command line; returns the exit status. Never lets a traceback out."""
    from finops_tui.content.errors import ContentError

    try:
        args = build_parser(_command_named(argv)).parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    command = args.command or "play"
    try:
        if command == "play":
            from finops_tui.ui.launch import play

            return play(args)
        if command in ("scoreboard", "facilitate"):
            from finops_tui.cli.classroom import classroom_app

            return classroom_app(command, args)
        return command_function(command)(args)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"finops-tui: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROBLEMS
