"""The shipped price catalog."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import ValidationError

from finops_tui.content.errors import ContentError, describe_validation
from finops_tui.content.files import read_toml
from finops_tui.engine.catalog import Catalog

CATALOG_PATH = Path(__file__).with_name("prices.toml")


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    try:
        return Catalog.model_validate(read_toml(path))
    except ValidationError as exc:
        raise ContentError(describe_validation(path, exc)) from None


@functools.cache
def shipped_catalog() -> Catalog:
    return load_catalog()
