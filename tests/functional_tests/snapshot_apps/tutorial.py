"""The tutorial on a fixed seed, without animations: what the snapshot tests look at."""

from finops_tui.ui.app import create_app

app = create_app(level="tutorial", seed=1, animate=False)

if __name__ == "__main__":
    app.run()
