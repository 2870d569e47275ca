"""Open a FOCUS bill and walk through what it says: the course's "analyse an existing AI
project" activity. The reading is `finops_tui.content.findings`, the same as `analyze`.

Everything from the file is shown as Text, never parsed as markup. A hosted player (SSH
team, web visitor) may only open files in its own folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from finops_tui.content.bill_summary import BillSummary
from finops_tui.content.errors import ContentError
from finops_tui.content.findings import Finding, bill_findings
from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.widgets.footer import GameFooter

INTRO = (
    "Type the path of a FOCUS cost export (CSV), yours or a game's, and press enter. "
    "Nothing leaves this machine. Then n and p walk through the findings."
)


class AnalysisScreen(LateKeySafe, Screen):
    """A bill, read finding by finding: cost bases, services, commitments, owners, units."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "step(1)", "Next", id="analysis.next", tooltip="The next finding"),
        Binding("p", "step(-1)", "Previous", id="analysis.previous", tooltip="The finding before"),
        Binding(
            "g",
            "level",
            "Level from bill",
            id="analysis.level",
            tooltip="Write a sandbox level calibrated on this bill",
        ),
        Binding("escape", "close", "Back", id="analysis.back", tooltip="Close the analysis"),
    ]

    DEFAULT_CSS = """
    AnalysisScreen .analysis-note { color: $text-muted; padding: 0 1; }
    AnalysisScreen #analysis-open { height: 1; margin: 1 0 0 0; }
    AnalysisScreen #analysis-title { margin-top: 1; }
    AnalysisScreen #analysis-lesson { margin-top: 1; }
    AnalysisScreen #analysis-tags-row { height: 1; }
    AnalysisScreen #analysis-label, AnalysisScreen #analysis-tags-label { width: 12; }
    AnalysisScreen #analysis-scroll { height: 1fr; }
    AnalysisScreen #analysis-buttons { height: 1; }
    AnalysisScreen #analysis-buttons Button { margin-right: 2; }
    """

    class Analysed(Message):
        """The worker's answer: a summary, or the one line saying why not."""

        def __init__(
            self, request: int, path: Path, summary: BillSummary | None, problem: str
        ) -> None:
            super().__init__()
            self.request, self.path, self.summary, self.problem = request, path, summary, problem

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.initial = path
        self.path: Path | None = None
        self.summary: BillSummary | None = None
        self.findings: list[Finding] = []
        self.index = 0
        self.request = 0  # the latest file asked for: an older answer arriving late is dropped

    def compose(self) -> ComposeResult:
        with Vertical(id="analysis-box"):
            yield Static(" Analyse a FOCUS bill · esc closes", classes="status-bar")
            yield Static(INTRO, id="analysis-intro", classes="analysis-note")
            with Horizontal(id="analysis-open"):
                yield Label("FOCUS file", id="analysis-label")
                yield Input(self.initial, id="analysis-path", max_length=1000, compact=True)
            with Horizontal(id="analysis-tags-row"):
                yield Label("Owner tags", id="analysis-tags-label")
                yield Input(
                    id="analysis-tags",
                    max_length=400,
                    compact=True,
                    placeholder="e.g. Owner, CostCenter (empty: any tag is an owner)",
                )
            yield Static("", id="analysis-status")
            with VerticalScroll(id="analysis-scroll", can_focus=True):
                yield Static("", id="analysis-title")
                yield Static("", id="analysis-body")
                yield Static("", id="analysis-lesson", classes="analysis-note")
            with Horizontal(id="analysis-buttons"):
                yield Button("Previous", id="analysis-prev", compact=True)
                yield Button("Next", id="analysis-next", compact=True)
                yield Button("Level from this bill", id="analysis-level", compact=True)
        yield GameFooter()

    def on_mount(self) -> None:
        self.query_one("#analysis-path", Input).focus()
        if self.initial:
            self.open(self.initial)

    # -- opening ------------------------------------------------------------------------

    @on(Input.Submitted, "#analysis-path, #analysis-tags")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.open(self.query_one("#analysis-path", Input).value)

    def required_tags(self) -> tuple[str, ...]:
        """The tag keys typed, comma-separated: what counts as an owner."""
        typed = self.query_one("#analysis-tags", Input).value
        return tuple(dict.fromkeys(key.strip() for key in typed.split(",") if key.strip()))

    def open(self, typed: str) -> None:
        status = self.query_one("#analysis-status", Static)
        try:
            path = self._readable(typed)
        except ValueError as exc:
            status.update(Text(f"Not opened: {exc}.", style="bold"))
            return
        status.update(Text(f"Reading {path}...", style="dim"))
        self.request += 1
        self._analyse(self.request, path, self.required_tags())

    def _readable(self, typed: str) -> Path:
        from finops_tui.gameplay.exports import confine
        from finops_tui.ui.screens.export import export_folder, exports_confined

        text = typed.strip()
        if not text:
            raise ValueError("type the path of a FOCUS CSV file")
        path = Path(text).expanduser()
        if exports_confined(self.app):
            folder = export_folder(self.app)
            return confine(folder / path, folder)
        return path

    @work(thread=True, exclusive=True, group="analysis")
    def _analyse(self, request: int, path: Path, required: tuple[str, ...]) -> None:
        from finops_tui.content.analyze import analyze_focus

        try:
            summary, problem = analyze_focus(path, required), ""
        except ContentError as exc:
            summary, problem = None, exc.problems[0]
        except (OSError, ValueError) as exc:  # a NUL byte in a name, a vanished disk
            summary, problem = None, f"{path}: cannot read: {exc}"
        self.post_message(self.Analysed(request, path, summary, problem))

    @on(Analysed)
    def _analysed(self, message: Analysed) -> None:
        if message.request != self.request:
            return
        status = self.query_one("#analysis-status", Static)
        if message.summary is None:
            status.update(Text(message.problem, style="bold"))
            return
        self.path, self.summary = message.path, message.summary
        self.findings = bill_findings(message.summary)
        self.index = 0
        status.update(Text(f"{message.path}: {message.summary.rows:,} rows"))
        self._show()
        # Out of the path field, so that n and p walk the findings instead of typing.
        self.query_one("#analysis-scroll").focus()
        self.refresh_bindings()

    # -- walking through ----------------------------------------------------------------

    def _show(self) -> None:
        finding = self.findings[self.index]
        heading = f"{self.index + 1}/{len(self.findings)}  {finding.title}"
        self.query_one("#analysis-title", Static).update(Text(heading, style="bold"))
        self.query_one("#analysis-body", Static).update(Text("\n".join(finding.lines)))
        self.query_one("#analysis-lesson", Static).update(Text(finding.lesson))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("step", "level"):
            return bool(self.findings)
        return True

    def action_step(self, delta: int) -> None:
        if self.findings:
            self.index = max(0, min(len(self.findings) - 1, self.index + delta))
            self._show()

    @on(Button.Pressed, "#analysis-prev")
    def _prev(self) -> None:
        self.action_step(-1)

    @on(Button.Pressed, "#analysis-next")
    def _next(self) -> None:
        self.action_step(1)

    @on(Button.Pressed, "#analysis-level")
    def _level(self) -> None:
        self.action_level()

    def action_level(self) -> None:
        """The export dialog, offering one file: the level calibrated on this bill."""
        from finops_tui.content.bill_level import write_bill_level
        from finops_tui.gameplay.exports import ExportKind
        from finops_tui.ui.screens.export import ExportScreen, export_folder, exports_confined

        summary, source = self.summary, self.path
        if summary is None or source is None:
            self.query_one("#analysis-status", Static).update("Open a bill first.")
            return

        def write(path: Path) -> list[str]:
            level_id = write_bill_level(path, summary, source)
            return [f"{path} (level {level_id}: finops-tui simulate {path.name} --plan naive)"]

        kind = ExportKind("Sandbox level (TOML)", (".toml",), "my-org.toml", write)
        folder, confined = export_folder(self.app), exports_confined(self.app)
        self.app.push_screen(ExportScreen("A level from this bill", [kind], folder, confined))

    def action_close(self) -> None:
        self.dismiss()

    def codex_topic(self) -> str | None:
        return "allocation"
