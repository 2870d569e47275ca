"""The cost calculator screen: the engine's numbers for what was typed, a CSV, plain reasons."""

from __future__ import annotations

import csv

from textual.widgets import DataTable, Input, Select, Static, TabbedContent

from finops_tui.content.catalog import shipped_catalog
from finops_tui.content.saves import SaveStore
from finops_tui.engine import GPU_NAMES, PRICING_OPTIONS
from finops_tui.engine.calc import serve_estimate, train_estimate
from finops_tui.gameplay.cost_calculator import per_million, table_usd, wall_clock
from finops_tui.ui.app import create_app
from finops_tui.ui.commands import screen_commands
from finops_tui.ui.screens.briefing import BriefingScreen
from finops_tui.ui.screens.calculator import CalculatorScreen
from finops_tui.ui.screens.export import ExportScreen
from finops_tui.ui.screens.title import TitleScreen


async def type_into(pilot, input_id: str, text: str) -> None:
    """Clear a field and type `text` key by key, as a player would."""
    field = pilot.app.screen.query_one(f"#{input_id}", Input)
    field.focus()
    await pilot.pause()
    field.value = ""
    await pilot.press(*text)
    await pilot.pause()


def cell(table: DataTable, row: str, column: str) -> str:
    return str(table.get_cell(row, column)).strip()


async def open_calculator(pilot) -> CalculatorScreen:
    await pilot.pause()
    assert isinstance(pilot.app.screen, TitleScreen)
    await pilot.press("a")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CalculatorScreen)
    return screen


async def test_training_table_is_the_engines_estimate_for_the_typed_inputs() -> None:
    catalog = shipped_catalog()
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calculator(pilot)
        await type_into(pilot, "train-params", "13e9")
        await type_into(pilot, "train-tokens", "2.6e11")
        await type_into(pilot, "train-gpus", "64")
        await type_into(pilot, "train-mfu", "0.35")
        table = screen.query_one("#train-table", DataTable)
        assert table.row_count == len(GPU_NAMES)
        costs = {}
        for gpu in GPU_NAMES:
            for pricing in PRICING_OPTIONS:
                expected = train_estimate(catalog, 13e9, 2.6e11, gpu, 64, 0.35, pricing)
                assert screen.train.rows[GPU_NAMES.index(gpu)].estimates[pricing] == expected
                if not expected["fits"]:  # the T4 has no bf16: refused, never cheapest
                    assert cell(table, gpu, pricing) == "no fit"
                    continue
                assert cell(table, gpu, pricing).rstrip("*") == table_usd(expected["cost_usd"])
                costs[(gpu, pricing)] = expected["cost_usd"]
            assert cell(table, gpu, "wall") == wall_clock(expected["wall_clock_hours"])
        assert ("t4", "spot") not in costs and len(costs) == 4 * (len(GPU_NAMES) - 1)
        cheapest = min(costs, key=costs.__getitem__)
        assert screen.train.cheapest == cheapest
        assert cell(table, *cheapest).endswith("*")  # marked without colour, too
        starred = [k for k in costs if cell(table, *k).endswith("*")]
        assert starred == [cheapest]
        summary = str(screen.query_one("#train-summary", Static).content)
        assert "13B params x 260B tokens" in summary and "cheapest" in summary


async def test_serving_table_and_a_model_that_does_not_fit_says_why() -> None:
    catalog = shipped_catalog()
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calculator(pilot)
        await pilot.press("d")  # the serving tab
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "calc-serve"
        await type_into(pilot, "serve-params", "70B")
        await type_into(pilot, "serve-gpus", "2")
        await type_into(pilot, "serve-tokens-per-day", "1e9")
        table = screen.query_one("#serve-table", DataTable)
        for gpu in GPU_NAMES:
            for pricing in PRICING_OPTIONS:
                expected = serve_estimate(catalog, 70e9, gpu, 2, "fp16", 1e9, pricing)
                assert screen.serve.row(gpu).estimates[pricing] == expected
                shown = cell(table, gpu, pricing).rstrip("*")
                assert shown == per_million(expected["cost_per_million_tokens_usd"])
            assert cell(table, gpu, "fits") == ("yes" if expected["fits"] else "no")
        # 70B at fp16 (150 GB) fits two H200s, not two A100 40GB: the reason is in words.
        assert cell(table, "h200", "fits") == "yes"
        assert cell(table, "a100-40gb", "fits") == "no"
        table.focus()
        table.move_cursor(row=GPU_NAMES.index("a100-40gb"))
        await pilot.pause()
        detail = str(screen.query_one("#serve-detail", Static).content)
        reason = serve_estimate(catalog, 70e9, "a100-40gb", 2)["reason"]
        assert "A100 40GB does not fit" in detail and reason in detail
        assert "needs 150.7 GB" in detail

        # Quantized to int4 on one GPU, it fits an 80 GB card.
        screen.query_one("#serve-quant", Select).value = "int4"
        await type_into(pilot, "serve-gpus", "1")
        assert cell(table, "h100", "fits") == "yes"
        assert screen.serve.row("h100").first == serve_estimate(
            catalog, 70e9, "h100", 1, "int4", 1e9, "on-demand"
        )


async def test_a_model_too_big_for_any_gpu_is_explained() -> None:
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calculator(pilot)
        await pilot.press("d")
        await type_into(pilot, "serve-params", "2T")
        summary = str(screen.query_one("#serve-summary", Static).content)
        assert "fits on none of these GPUs" in summary
        assert screen.serve.cheapest is None
        assert "quantize it or use bigger GPUs" in str(
            screen.query_one("#serve-detail", Static).content
        )


async def test_bad_numbers_are_refused_with_a_reason_and_block_the_export() -> None:
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calculator(pilot)
        await type_into(pilot, "train-params", "7e")
        await type_into(pilot, "train-gpus", "2.5")
        summary = str(screen.query_one("#train-summary", Static).content)
        assert "Params: enter a number like 7e9 or 7B" in summary
        assert "GPUs: enter a whole number" in summary
        assert screen.query_one("#train-params", Input).has_class("-invalid")
        # The table keeps the last inputs that all worked: params "7" (before the "e"), 8 GPUs.
        before = screen.train
        assert before.inputs.params == 7 and before.inputs.gpus == 8
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, CalculatorScreen), "exported a table of bad inputs"
        await type_into(pilot, "train-mfu", "1.5")
        assert "MFU: at most 1" in str(screen.query_one("#train-summary", Static).content)
        # Fixed, the table follows again.
        await type_into(pilot, "train-params", "7e9")
        await type_into(pilot, "train-gpus", "16")
        await type_into(pilot, "train-mfu", "0.5")
        assert not screen.errors
        assert screen.train is not before and screen.train.inputs.gpus == 16


async def test_the_comparison_exports_as_csv_into_the_saves_folder(tmp_path) -> None:
    catalog = shipped_catalog()
    store = SaveStore(tmp_path)
    app = create_app(seed=1, store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calculator(pilot)
        await type_into(pilot, "train-params", "1e9")
        await type_into(pilot, "train-tokens", "2e10")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        path = tmp_path / "calc-train-1B-20B.csv"
        assert path.exists()
        status = str(app.screen.query_one("#export-status", Static).content)
        assert str(path) in status  # the player is told where it went
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == len(GPU_NAMES) * len(PRICING_OPTIONS)
        for row in rows:
            expected = train_estimate(catalog, 1e9, 2e10, row["gpu"], 8, 0.4, row["pricing"])
            assert float(row["cost_usd"]) == expected["cost_usd"]
            assert float(row["gpu_hours"]) == round(expected["gpu_hours"], 4)
        assert [r["cheapest"] for r in rows].count("yes") == 1
        cheapest = next(r for r in rows if r["cheapest"])
        assert (cheapest["gpu"], cheapest["pricing"]) == screen.train.cheapest

        # Again: a new name, never over the first file; then a typed path.
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (tmp_path / "calc-train-1B-20B-2.csv").exists()
        name = app.screen.query_one("#export-name", Input)
        name.focus()
        name.value = str(tmp_path / "elsewhere" / "mine")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (tmp_path / "elsewhere" / "mine.csv").exists()
        # A name that cannot be a CSV is refused in words, and nothing is written.
        name.value = "notes.txt"
        await pilot.press("enter")
        await pilot.pause()
        assert "must end in .csv" in str(app.screen.query_one("#export-status", Static).content)
        assert not (tmp_path / "notes.txt").exists()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_serving_csv_has_the_reason_a_model_does_not_fit(tmp_path) -> None:
    app = create_app(seed=1, store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_calculator(pilot)
        await pilot.press("d")
        await type_into(pilot, "serve-params", "70e9")
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        [path] = tmp_path.glob("calc-serve-*.csv")
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        t4 = next(r for r in rows if r["gpu"] == "t4")
        assert t4["fits"] == "no" and "the model needs" in t4["reason"]


async def test_the_calculator_is_in_the_palette_on_every_screen() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)

        class Probe:
            screen = app.screen

        Probe.app = app
        titles = {title: run for title, _, run in screen_commands(Probe())}  # type: ignore[arg-type]
        assert "Cost calculator" in titles
        titles["Cost calculator"]()
        await pilot.pause()
        assert isinstance(app.screen, CalculatorScreen)
        Probe.screen = app.screen
        titles = [title for title, _, _ in screen_commands(Probe())]  # type: ignore[arg-type]
        assert "Cost calculator" not in titles and "Export CSV" in titles
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)  # back where the player was


async def test_the_title_screen_offers_the_calculator_once() -> None:
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()

        class Probe:
            screen = app.screen

        Probe.app = app
        titles = [title for title, _, _ in screen_commands(Probe())]  # type: ignore[arg-type]
        assert titles.count("Calculator") == 1 and "Cost calculator" not in titles
