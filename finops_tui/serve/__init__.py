"""Hosting a class: the game over SSH (asyncssh) and in a browser (textual-serve)."""
