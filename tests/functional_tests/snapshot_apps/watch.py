"""The tutorial's naive plan, watched on a fixed seed: what the watch snapshots look at."""

from finops_tui.ui.app import create_app

app = create_app(level="tutorial", seed=1, watch="naive", animate=False)

if __name__ == "__main__":
    app.run()
