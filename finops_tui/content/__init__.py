"""Files in and out: levels, prices, plans, saves, FOCUS exports, reports, the class folder.

Pydantic models over TOML; no Textual. A regular package (not a namespace one) so that
import-linter can hold it to its layer.
"""
