"""afpak-data: Pakistan's relations with the Taliban government of Afghanistan, as typed tables.

``load("agreements")`` returns one table as a pandas DataFrame typed from its Table Schema;
``load_all()`` returns every table; ``tables()`` names them; ``metadata()`` is the parsed
``datapackage.json``. Importing this module is cheap: pandas is imported by the first load, and
pandera only by ``pandera_schema`` (validation is opt-in, loading does not need it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from afpak_data._errors import (
    AfpakDataError,
    DataError,
    PackageError,
    PackageNotFoundError,
    Problem,
    UnknownTableError,
)
from afpak_data._loader import load, load_all, metadata, tables
from afpak_data._names import TableName
from afpak_data._resources import Source

if TYPE_CHECKING:
    import pandera.pandas as pa

__all__ = [
    "AfpakDataError",
    "DataError",
    "PackageError",
    "PackageNotFoundError",
    "Problem",
    "RemoteDataError",
    "TableName",
    "UnknownTableError",
    "__version__",
    "load",
    "load_all",
    "metadata",
    "pandera_schema",
    "release_url",
    "tables",
]

#: Public names served from modules that are imported only when first used (urllib for remote
#: loading costs import time that most users never need).
_LAZY = {"RemoteDataError": "afpak_data._remote", "release_url": "afpak_data._remote"}


def _installed_version() -> str:
    """The installed distribution's version: the one source is metadata/package.toml, which the
    build writes into the wheel's metadata. Read on first use (importlib.metadata scans
    site-packages, a cost every `import afpak_data` would otherwise pay)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("afpak-data")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "0+unknown"


def __getattr__(name: str) -> object:
    if name == "__version__":
        globals()["__version__"] = found = _installed_version()
        return found
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'afpak_data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def pandera_schema(name: str, source: Source = None) -> pa.DataFrameSchema:
    """Return the pandera schema of table ``name``, built from its Table Schema.

    ``schema.validate(load(name), lazy=True)`` checks types, vocabularies, patterns, lengths, keys
    and the table-local rules Table Schema cannot express. Imports pandera (loading does not).
    """
    from afpak_data import _pandera

    return _pandera.pandera_schema(name, source)
