"""The keymap file: where it is looked for, and its shape (no Textual needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from finops_tui.content.errors import ContentError
from finops_tui.content.keymap import config_dir, keymap_path, read_keymap


def test_the_keymap_is_in_the_xdg_config_folder_then_in_dot_config(tmp_path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert keymap_path(env=env) == (tmp_path / "finops-tui" / "keymap.toml", False)
    assert config_dir({}) == Path.home() / ".config" / "finops-tui"
    # The XDG spec: a relative XDG_CONFIG_HOME is to be ignored.
    assert config_dir({"XDG_CONFIG_HOME": "relative/dir"}) == config_dir({})


def test_a_named_keymap_wins_and_must_exist(tmp_path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "FINOPS_TUI_KEYMAP": str(tmp_path / "env.toml")}
    assert keymap_path(env=env) == (tmp_path / "env.toml", True)
    assert keymap_path(tmp_path / "cli.toml", env) == (tmp_path / "cli.toml", True)
    with pytest.raises(ContentError, match=r"cli\.toml: file not found"):
        read_keymap(tmp_path / "cli.toml", required=True)
    assert read_keymap(tmp_path / "absent.toml") == {}  # the default file is optional


def test_ids_are_read_from_quoted_dotted_and_table_keys(tmp_path) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text(
        '"turn.end" = "e"\ndebrief.export = ["ctrl+e", "f5"]\n[app]\nhelp = "h,f1"\n',
        encoding="utf-8",
    )
    assert read_keymap(path) == {
        "turn.end": ["e"],
        "debrief.export": ["ctrl+e", "f5"],
        "app.help": ["h", "f1"],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"turn.end" = 5', 'turn.end: expected a key ("e") or a list of keys'),
        ('"turn.end" = []', "turn.end: expected a key"),
        ('"turn.end" = ["e", 1]', "turn.end: expected a key"),
        ('"turn.end" = ""', "turn.end: expected a key"),
        (f'"turn.end" = "{"x" * 41}"', "turn.end: expected a key"),
        ('"turn.end" = [' + ", ".join(['"e"'] * 9) + "]", "turn.end: expected a key"),
        ('"turn.end" = ', "keymap.toml: toml: "),
    ],
)
def test_a_badly_shaped_keymap_names_the_file_and_the_id(tmp_path, text, expected) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        read_keymap(path)
    assert caught.value.problems[0].startswith(f"{path}: ")
    assert expected in caught.value.problems[0]


def test_a_keymap_that_is_not_utf8_or_is_a_folder_is_a_message(tmp_path) -> None:
    path = tmp_path / "keymap.toml"
    path.write_bytes(b'"turn.end" = "\xff"\n')
    with pytest.raises(ContentError, match="not UTF-8"):
        read_keymap(path)
    with pytest.raises(ContentError, match="is a folder"):
        read_keymap(tmp_path, required=True)
