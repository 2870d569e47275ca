"""The command palette: every action valid on this screen, found by typing its name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.app import App
from textual.await_complete import AwaitComplete
from textual.command import DiscoveryHit, Hit, Hits, Provider

from finops_tui.gameplay.codex import codex
from finops_tui.ui.navigator import navigator
from finops_tui.ui.textual_fixes import NoMatchesSafePalette

Command = tuple[str, str, Callable[[], object]]

# The tools offered on every screen but their own, unless a key there already opens them:
# (action, the tool's screen, the Navigator method that opens it, title, help).
TOOLS = (
    (
        "calculator",
        "CalculatorScreen",
        "open_calculator",
        "Cost calculator",
        "Training and serving costs on every GPU and purchase option",
    ),
    (
        "analysis",
        "AnalysisScreen",
        "open_analysis",
        "Analyse a FOCUS bill",
        "Open a cost export and walk through what it says",
    ),
    (
        "studio",
        "StudioScreen",
        "open_studio",
        "Strategy studio",
        "Write a whole-game strategy and see it play 1,000 seeds beside par and naive",
    ),
)


def screen_commands(provider: Provider) -> Iterator[Command]:
    """The screen's and the app's bindings that are enabled now, then the screen's extras."""
    screen, app = provider.screen, provider.app
    seen: set[tuple[int, str]] = set()
    for _key, active in screen.active_bindings.items():
        binding, node = active.binding, active.node
        if node is not screen and node is not app:
            continue  # a widget's own keys (cursor moves) are not commands
        if not active.enabled or not binding.description or binding.system or not binding.show:
            continue
        if (id(node), binding.action) in seen:
            continue
        seen.add((id(node), binding.action))
        shown = app.get_key_display(binding)
        help_text = f"{binding.tooltip or binding.description} (key: {shown})"
        yield binding.description, help_text, partial(app.run_action, binding.action, node)
    extras = getattr(screen, "palette_commands", None)
    if extras is not None:
        yield from extras()
    actions = {action for _, action in seen}  # the title screen's `a` opens the calculator
    for action, screen_name, opener, title, help_text in TOOLS:
        if action not in actions and type(screen).__name__ != screen_name and hasattr(app, opener):
            yield title, help_text, getattr(navigator(app), opener)
    for item in codex().values():
        yield (
            f"Codex: {item.title}",
            "Read this concept",
            partial(navigator(app).open_codex, item.id),
        )


class GameCommands(Provider):
    async def discover(self) -> Hits:
        for title, help_text, callback in screen_commands(self):
            if not title.startswith("Codex: "):
                yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in screen_commands(self):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


def open_palette(app: App) -> None:
    """The command palette, hardened; one at most (every app of finops-tui opens it so).

    A screen pushed over an open palette (a class poll) must not let ctrl+p open a
    second with the same id, which stops the app.
    """
    if app.use_command_palette and not any(isinstance(s, GamePalette) for s in app.screen_stack):
        app.push_screen(GamePalette(id="--command-palette"))


class GamePalette(NoMatchesSafePalette):
    """Textual's palette, hardened against keys that arrive after it has closed.

    A quick double enter selects a command and dismisses the palette; the second key
    must neither stop the app (see textual_fixes) nor dismiss the screen below.
    """

    def dismiss(self, result: object = None) -> AwaitComplete:
        # A second enter may select again after the palette has closed: never pop the
        # screen below in its place.
        if self.app.screen is not self:
            return AwaitComplete.nothing()
        return super().dismiss(result)
