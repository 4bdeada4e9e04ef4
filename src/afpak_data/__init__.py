"""afpak-data: Pakistan's relations with the Taliban government of Afghanistan, as typed tables.

``load("agreements")`` returns one table as a pandas DataFrame typed from its Table Schema;
``load_all()`` returns every table; ``tables()`` names them; ``metadata()`` is the parsed
``datapackage.json``. Importing this module is cheap: pandas is imported by the first load, and
pandera only by ``pandera_schema`` (validation is opt-in, loading does not need it).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from afpak_data._descriptor import PackageError, UnknownTableError
from afpak_data._loader import DataError, load, load_all, metadata, tables
from afpak_data._resources import Source

if TYPE_CHECKING:
    import pandera.pandas as pa

try:
    __version__ = version("afpak-data")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"

__all__ = [
    "DataError",
    "PackageError",
    "UnknownTableError",
    "__version__",
    "load",
    "load_all",
    "metadata",
    "pandera_schema",
    "tables",
]


def pandera_schema(name: str, source: Source = None) -> pa.DataFrameSchema:
    """Return the pandera schema of table ``name``, built from its Table Schema.

    ``schema.validate(load(name), lazy=True)`` checks types, vocabularies, patterns, lengths, keys
    and the table-local rules Table Schema cannot express. Imports pandera (loading does not).
    """
    from afpak_data import _pandera

    return _pandera.pandera_schema(name, source)
