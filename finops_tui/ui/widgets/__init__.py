"""Self-contained widgets: they show what they are given and post what the player wants."""
