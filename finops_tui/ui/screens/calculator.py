"""The AI project cost calculator: a training run or a served model on every GPU, every way.

The same engine as `finops-tui calc`; one row per GPU, one column per purchase option,
the cheapest marked; `x` exports the comparison as CSV for a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Select, Static, TabbedContent, TabPane

from finops_tui.content.catalog import shipped_catalog
from finops_tui.engine.catalog import PRICING_OPTIONS, Catalog
from finops_tui.gameplay.cost_calculator import (
    MAX_GPUS,
    QUANTS,
    ServeComparison,
    ServeInputs,
    ServeRow,
    TrainComparison,
    TrainInputs,
    compare_serving,
    compare_training,
    default_csv_name,
    parse_amount,
    per_million,
    serving_csv,
    serving_summary,
    short_number,
    table_count,
    train_cost_cell,
    training_csv,
    training_summary,
    wall_clock,
    why_not,
)
from finops_tui.gameplay.exports import ExportKind, write_text_export
from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.widgets.amount_input import AmountInput
from finops_tui.ui.widgets.footer import GameFooter

CALC_TABS = ("calc-train", "calc-serve")
PRICING_HEADERS = {
    "on-demand": "On-demand",
    "spot": "Spot",
    "commit-1y": "1-year",
    "commit-3y": "3-year",
}
CHEAPEST = "bold reverse"
TRAIN_DEFAULTS = {"params": "7B", "tokens": "140B", "gpus": "8"}
SERVE_DEFAULTS = {"params": "8B", "gpus": "1", "tokens-per-day": "100M"}


def _right(text: str, style: str = "") -> Text:
    return Text(text, style=style, justify="right")


class CalculatorScreen(LateKeySafe, Screen):
    """Type a model and a workload; read what it costs on every GPU, bought every way."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "x",
            "export",
            "Export CSV",
            id="calc.export",
            tooltip="Write this comparison as CSV, for a spreadsheet",
        ),
        Binding(
            "d",
            "next_tab",
            "Train/Serve",
            id="calc.tab",
            tooltip="Switch between a training run and serving a model",
        ),
        Binding("escape", "close", "Back", id="calc.back", tooltip="Close the calculator"),
    ]

    def __init__(self, catalog: Catalog | None = None) -> None:
        super().__init__()
        self.catalog = catalog or shipped_catalog()
        self.train: TrainComparison | None = None
        self.serve: ServeComparison | None = None
        self.errors: dict[str, str] = {}  # input id -> why it is not a number we can use

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(
            " Cost calculator · same engine as `finops-tui calc` · type 7e9 or 7B",
            classes="status-bar",
        )
        mfu = f"{self.catalog.training.mfu:g}"
        with TabbedContent(id="calc-tabs"):
            with TabPane("Train", id="calc-train"):
                with Grid(classes="calc-form"):
                    yield Label("Params", classes="calc-label")
                    yield AmountInput(TRAIN_DEFAULTS["params"], id="train-params")
                    yield Label("Tokens", classes="calc-label")
                    yield AmountInput(TRAIN_DEFAULTS["tokens"], id="train-tokens")
                    yield Label("GPUs", classes="calc-label")
                    yield AmountInput(TRAIN_DEFAULTS["gpus"], id="train-gpus")
                    yield Label("MFU", classes="calc-label")
                    yield AmountInput(mfu, id="train-mfu")
                yield Static(id="train-summary", classes="calc-summary", markup=False)
                yield DataTable(id="train-table", cursor_type="row", classes="calc-table")
                yield Static(id="train-detail", classes="calc-detail", markup=False)
            with TabPane("Serve", id="calc-serve"):
                with Grid(classes="calc-form"):
                    yield Label("Params", classes="calc-label")
                    yield AmountInput(SERVE_DEFAULTS["params"], id="serve-params")
                    yield Label("Precision", classes="calc-label")
                    yield Select(
                        [(q, q) for q in QUANTS],
                        value="fp16",
                        allow_blank=False,
                        compact=True,
                        id="serve-quant",
                    )
                    yield Label("GPUs", classes="calc-label")
                    yield AmountInput(SERVE_DEFAULTS["gpus"], id="serve-gpus")
                    yield Label("Tokens/day", classes="calc-label")
                    yield AmountInput(
                        SERVE_DEFAULTS["tokens-per-day"],
                        placeholder="optional",
                        id="serve-tokens-per-day",
                    )
                yield Static(id="serve-summary", classes="calc-summary", markup=False)
                yield DataTable(id="serve-table", cursor_type="row", classes="calc-table")
                yield Static(id="serve-detail", classes="calc-detail", markup=False)
        yield GameFooter()

    def on_mount(self) -> None:
        train = self.query_one("#train-table", DataTable)
        train.add_column("GPU", key="gpu")
        train.add_column(_right("Wall clock"), key="wall")
        train.add_column(_right("GPU-h"), key="gpu_hours")
        for pricing in PRICING_OPTIONS:
            train.add_column(_right(PRICING_HEADERS[pricing]), key=pricing)
        serve = self.query_one("#serve-table", DataTable)
        serve.add_column("GPU", key="gpu")
        serve.add_column("Fits", key="fits")
        serve.add_column(_right("Per copy"), key="per_copy")
        serve.add_column(_right("Tok/s"), key="tps")
        serve.add_column(_right("Need"), key="needed")
        for pricing in PRICING_OPTIONS:
            serve.add_column(_right(PRICING_HEADERS[pricing]), key=pricing)
        self.update_training()
        self.update_serving()
        self.query_one("#train-params", Input).focus()

    # -- reading the inputs ---------------------------------------------------------------

    def _amount(self, input_id: str, **rules) -> float | None:
        """The number in a field, or None (and the field marked) when it is not one."""
        field = self.query_one(f"#{input_id}", Input)
        optional = rules.pop("optional", False)
        if optional and not field.value.strip():
            self.errors.pop(input_id, None)
            field.set_class(False, "-invalid")
            return None
        try:
            value = parse_amount(field.value, **rules)
        except ValueError as exc:
            self.errors[input_id] = str(exc)
            field.set_class(True, "-invalid")
            return None
        self.errors.pop(input_id, None)
        field.set_class(False, "-invalid")
        return value

    def training_inputs(self) -> TrainInputs | None:
        params = self._amount("train-params")
        tokens = self._amount("train-tokens")
        gpus = self._amount("train-gpus", integer=True, maximum=MAX_GPUS)
        mfu = self._amount("train-mfu", maximum=1.0)
        if params is None or tokens is None or gpus is None or mfu is None:
            return None
        return TrainInputs(params, tokens, int(gpus), mfu)

    def serving_inputs(self) -> ServeInputs | None:
        params = self._amount("serve-params")
        gpus = self._amount("serve-gpus", integer=True, maximum=MAX_GPUS)
        per_day = self._amount("serve-tokens-per-day", optional=True)
        quant = self.query_one("#serve-quant", Select).value
        if params is None or gpus is None or "serve-tokens-per-day" in self.errors:
            return None
        return ServeInputs(params, int(gpus), str(quant), per_day)

    def _problems(self, prefix: str) -> Text | None:
        labels = {
            "params": "Params",
            "tokens": "Tokens",
            "gpus": "GPUs",
            "mfu": "MFU",
            "tokens-per-day": "Tokens/day",
        }
        lines = [
            f"{labels.get(key.removeprefix(prefix), key)}: {message}"
            for key, message in self.errors.items()
            if key.startswith(prefix)
        ]
        if not lines:
            return None
        text = Text("Fix: " + "; ".join(lines), style="bold")
        text.append("\n(the table still shows the last numbers that worked)", style="dim")
        return text

    # -- training -------------------------------------------------------------------------

    def update_training(self) -> None:
        inputs = self.training_inputs()
        summary = self.query_one("#train-summary", Static)
        if inputs is None:
            summary.update(self._problems("train-") or "")
            self.refresh_bindings()
            return
        self.train = compare_training(self.catalog, inputs)
        summary.update("\n".join(training_summary(self.train)))
        self._fill_training(self.train)
        self.refresh_bindings()

    def _fill_training(self, c: TrainComparison) -> None:
        table = self.query_one("#train-table", DataTable)
        row_index = table.cursor_row
        table.clear()
        for r in c.rows:
            cells: list[Text | str] = [
                r.label,
                _right(wall_clock(r.wall_clock_hours)),
                _right(table_count(r.gpu_hours)),
            ]
            for pricing in PRICING_OPTIONS:
                cheapest = (r.gpu, pricing) == c.cheapest
                shown = train_cost_cell(r, pricing) + ("*" if cheapest else " ")
                cells.append(_right(shown, CHEAPEST if cheapest else ""))
            table.add_row(*cells, key=r.gpu)
        table.move_cursor(row=min(max(row_index, 0), len(c.rows) - 1))
        self._show_training_detail()

    @on(DataTable.RowHighlighted, "#train-table")
    def _train_row(self, event: DataTable.RowHighlighted) -> None:
        self._show_training_detail()

    def _show_training_detail(self) -> None:
        c = self.train
        table = self.query_one("#train-table", DataTable)
        if c is None or not table.row_count:
            return
        r = c.rows[table.cursor_row]
        e = r.estimates[PRICING_OPTIONS[0]]
        if not r.fits:  # what it would cost matters less than why it cannot run
            self.query_one("#train-detail", Static).update(f"{r.label} does not fit: {r.reason}.")
            return
        self.query_one("#train-detail", Static).update(
            f"{r.label}: {e['gpu_hours']:,.0f} GPU-hours, {wall_clock(r.wall_clock_hours)} on "
            f"{c.inputs.gpus} GPUs, {e['energy_kwh']:,.0f} kWh, {e['co2e_kg']:,.0f} kg CO2e. "
            "Spot can be taken back mid-run: checkpoint."
        )

    # -- serving --------------------------------------------------------------------------

    def update_serving(self) -> None:
        inputs = self.serving_inputs()
        summary = self.query_one("#serve-summary", Static)
        if inputs is None:
            summary.update(self._problems("serve-") or "")
            self.refresh_bindings()
            return
        self.serve = compare_serving(self.catalog, inputs)
        summary.update("\n".join(serving_summary(self.serve)))
        self._fill_serving(self.serve)
        self.refresh_bindings()

    def _fill_serving(self, c: ServeComparison) -> None:
        table = self.query_one("#serve-table", DataTable)
        row_index = table.cursor_row
        table.clear()
        for r in c.rows:
            e = r.first
            per_copy = int(e["gpus_per_replica"])  # type: ignore[call-overload]
            cells: list[Text | str] = [
                r.label,
                "yes" if r.fits else "no",
                _right(str(per_copy) if per_copy else "> 8"),
                _right(f"{e['tokens_per_second']:,.0f}" if r.fits else "-"),
                _right("-" if e["gpus_needed"] is None else str(e["gpus_needed"])),
            ]
            for pricing in PRICING_OPTIONS:
                cost = r.estimates[pricing]["cost_per_million_tokens_usd"]
                cheapest = (r.gpu, pricing) == c.cheapest
                shown = per_million(cost) + ("*" if cheapest else " ")  # type: ignore[arg-type]
                cells.append(_right(shown, CHEAPEST if cheapest else ""))
            table.add_row(*cells, key=r.gpu)
        table.move_cursor(row=min(max(row_index, 0), len(c.rows) - 1))
        self._show_serving_detail()

    @on(DataTable.RowHighlighted, "#serve-table")
    def _serve_row(self, event: DataTable.RowHighlighted) -> None:
        self._show_serving_detail()

    def _show_serving_detail(self) -> None:
        c = self.serve
        table = self.query_one("#serve-table", DataTable)
        if c is None or not table.row_count:
            return
        self.query_one("#serve-detail", Static).update(serving_detail(c, c.rows[table.cursor_row]))

    # -- what the player does -----------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """A letter no field took does only what the footer offers here, or nothing.

        A word typed with a table focused, or letters an amount field refuses ("lots"),
        would otherwise reach the app's hidden keys (`o` turns the lens).
        """
        if not (event.is_printable and event.character and event.character.isalpha()):
            return
        shown = self.active_bindings.get(event.key)
        if shown is not None and shown.binding.show:
            return
        event.stop()
        event.prevent_default()
        self.app.bell()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("train-"):
            self.update_training()
        elif event.input.id and event.input.id.startswith("serve-"):
            self.update_serving()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    @on(Select.Changed, "#serve-quant")
    def _quant(self, event: Select.Changed) -> None:
        self.update_serving()

    def _training_shown(self) -> bool:
        return self.query_one(TabbedContent).active != "calc-serve"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            prefix = "train-" if self._training_shown() else "serve-"
            if any(key.startswith(prefix) for key in self.errors):
                return None  # shown, dimmed: fix the inputs first
        return True

    def action_export(self) -> None:
        from finops_tui.ui.screens.export import ExportScreen, export_folder, exports_confined

        kind = self.export_kind()
        if kind is None:
            return
        folder, confined = export_folder(self.app), exports_confined(self.app)
        self.app.push_screen(ExportScreen("Export the comparison", [kind], folder, confined))

    def export_kind(self) -> ExportKind | None:
        """The comparison on screen, frozen now, as a CSV export."""
        if self._training_shown():
            c = self.train
            if c is None:
                return None
            text, rows = training_csv(c), len(c.rows) * len(PRICING_OPTIONS)
            name, label = default_csv_name(c.inputs), "Training comparison (CSV)"
        else:
            s = self.serve
            if s is None:
                return None
            text, rows = serving_csv(s), len(s.rows) * len(PRICING_OPTIONS)
            name, label = default_csv_name(s.inputs), "Serving comparison (CSV)"
        return ExportKind(label, (".csv",), name, lambda path: write_text_export(path, text, rows))

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        current = CALC_TABS.index(tabs.active) if tabs.active in CALC_TABS else -1
        tabs.active = CALC_TABS[(current + 1) % len(CALC_TABS)]
        self.query_one("#train-params" if tabs.active == "calc-train" else "#serve-params").focus()
        self.refresh_bindings()

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    def action_close(self) -> None:
        self.dismiss(None)

    def codex_topic(self) -> str | None:
        return "training-compute" if self._training_shown() else "inference-memory"

    def palette_commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        tabs = self.query_one(TabbedContent)
        yield (
            "Calculator: training",
            "Cost of a training run on every GPU",
            lambda: setattr(tabs, "active", "calc-train"),
        )
        yield (
            "Calculator: serving",
            "Memory, speed and cost of serving a model on every GPU",
            lambda: setattr(tabs, "active", "calc-serve"),
        )


def serving_detail(c: ServeComparison, r: ServeRow) -> str:
    """The highlighted GPU, in words: why it does not fit, or how the copies add up."""
    if not r.fits:
        return why_not(r)
    e = r.first
    per_copy = int(e["gpus_per_replica"])  # type: ignore[call-overload]
    copies = c.inputs.gpus // per_copy
    text = (
        f"{r.label}: a copy takes {per_copy} GPU{'s' if per_copy != 1 else ''}; "
        f"{copies} cop{'ies' if copies != 1 else 'y'} on {c.inputs.gpus} serve "
        f"{e['tokens_per_second']:,.0f} tokens/s."
    )
    if e["gpus_needed"] is not None and c.inputs.tokens_per_day is not None:
        text += (
            f" {short_number(c.inputs.tokens_per_day)} tokens a day need "
            f"{e['gpus_needed']} GPUs; $ per 1M tokens are at that size."
        )
    else:
        text += " Prices are $ per 1M tokens at full load."
    return text
