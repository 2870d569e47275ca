"""The headless command line. It never imports Textual, so it starts fast."""
