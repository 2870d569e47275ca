"""The title screen over the test levels (FINOPS_TUI_LEVELS is set by the test)."""

from finops_tui.ui.app import create_app

app = create_app(seed=1, animate=False)

if __name__ == "__main__":
    app.run()
