"""A player's keymap changes the game's keys; a bad one is said once and set aside."""

from __future__ import annotations

import pytest
from textual.widgets import Markdown

from finops_tui.cli.main import build_parser
from finops_tui.ui.app import FinOpsApp, create_app
from finops_tui.ui.keymap import check_keymap, load_keymap, normalize_key
from finops_tui.ui.launch import _keymap
from finops_tui.ui.screens.help import HelpScreen
from finops_tui.ui.screens.report import ReportScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.textual_fixes import FooterKey, notification_messages


def keymap_file(tmp_path, text: str):
    path = tmp_path / "finops-tui" / "keymap.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def app_with(status) -> FinOpsApp:
    return create_app(level="tutorial", seed=1, animate=False, keymap=status)


async def test_a_changed_key_ends_the_turn_shows_in_the_footer_and_in_help(tmp_path) -> None:
    keymap_file(tmp_path, '"turn.end" = "e"\n"turn.undo" = ["u", "ctrl+z"]\n')
    status = load_keymap(FinOpsApp, env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert status.problem is None and status.keymap == {"turn.end": "e", "turn.undo": "u,ctrl+z"}
    app = app_with(status)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")  # past the briefing
        await pilot.pause()
        assert isinstance(app.screen, TurnScreen)
        shown = {k.action: k.key_display for k in app.screen.query(FooterKey)}
        assert shown["end_turn"] == "e"
        await pilot.press("n")  # the old key does nothing now
        await pilot.pause()
        assert isinstance(app.screen, TurnScreen) and app.session.state.turn == 0
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(Markdown).source
        assert str(status.path) in text
        assert "| e (yours) | " in text and "| u / ctrl+z (yours) | " in text
        assert "`turn.end`" in text and "`app.help`" in text  # the ids to write keys for
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen) and app.session.state.turn == 1
        assert notification_messages(app) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"turn.end" = \n', "keymap.toml: toml: "),
        ('"turn.ende" = "e"\n', "turn.ende: no key binding has this id (did you mean turn.end?)"),
        ('"turn.end" = "ctrl+nope"\n', "turn.end: 'ctrl+nope' is not a key"),
        ('"turn.end" = "z"\n', "turn.end: 'z' is already turn.undo on TurnScreen"),
        ('"turn.end" = "question_mark"\n', "turn.end: 'question_mark' is already app.help"),
        ('"app.help" = "h"\n', "app.help: 'h' is already codex.list on CodexScreen"),
        ('"[b]turn\\u0007" = "e"\n', "[b]turn\\x07: no key binding has this id"),
    ],
)
async def test_a_bad_keymap_is_one_message_and_the_defaults_play_on(
    tmp_path, text, expected
) -> None:
    path = keymap_file(tmp_path, text)
    status = load_keymap(FinOpsApp, env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert status.keymap == {} and status.problem is not None
    assert status.problem.startswith(f"{path}: ") and expected in status.problem
    assert "The default keys are in use" in status.problem
    app = app_with(status)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert notification_messages(app) == [status.problem]  # one message, as typed
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("n")  # the default key still ends the turn
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        await pilot.press("enter", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Not applied, the default keys are in use" in app.screen.query_one(Markdown).source


def test_keys_are_checked_against_textuals_names() -> None:
    assert normalize_key("?") == "question_mark"
    assert normalize_key("ctrl+E") == "ctrl+E" and normalize_key("CTRL+e") == "ctrl+e"
    assert normalize_key("F5") == "f5" and normalize_key("PageDown") == "pagedown"
    assert normalize_key("dollar_sign") == "dollar_sign" and normalize_key("$") == "dollar_sign"
    assert normalize_key(" ") == "space" and normalize_key("+") == "plus_sign"
    for bad in ("ctrl+", "hyperspace", "ctrl+bogus", "\x07", "cmd+e", "ctrl++", "f99x"):
        assert normalize_key(bad) is None, bad


def test_a_swap_of_two_keys_is_not_a_clash(tmp_path) -> None:
    from finops_tui.ui.keymap import binding_scopes

    applied, problems = check_keymap(
        tmp_path / "k.toml",
        {"turn.end": ["z"], "turn.undo": ["n"]},
        binding_scopes(FinOpsApp),
    )
    assert problems == [] and applied == {"turn.end": "z", "turn.undo": "n"}


def test_the_command_line_names_a_keymap_and_a_class_game_ignores_the_default(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    keymap_file(tmp_path, '"turn.end" = "e"\n')
    named = tmp_path / "mine.toml"
    named.write_text('"turn.end" = "g"\n', encoding="utf-8")
    parse = build_parser().parse_args
    assert _keymap(parse(["play"])).keymap == {"turn.end": "e"}
    assert _keymap(parse(["play", "--keymap", str(named)])).keymap == {"turn.end": "g"}
    assert _keymap(parse(["play", "tutorial", "--class-dir", "c", "--player", "t"])) is None
    missing = _keymap(parse(["play", "--keymap", str(tmp_path / "nope.toml")]))
    assert missing.problem is not None and "nope.toml: file not found" in missing.problem
