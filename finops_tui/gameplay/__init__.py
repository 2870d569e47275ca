"""The game's rules of play without a screen: sessions, decision fields, the calculator,
the advisor, the lenses, exports, the codex and number formatting.

Nothing here imports Textual or Rich, so all of it is tested without an app
(tests/unit_tests) and an import-linter contract in pyproject.toml keeps it that way.
"""
