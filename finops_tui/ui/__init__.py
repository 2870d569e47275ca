"""The Textual game: the only package that imports Textual."""
