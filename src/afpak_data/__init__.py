"""afpak-data: Pakistan's relations with the Taliban government of Afghanistan, as typed tables.

``load(name)`` is one table as a DataFrame typed from its Table Schema, ``load_all()`` every table,
``tables()`` their names, ``metadata()`` the parsed ``datapackage.json``. Importing is cheap: every
public name is imported on first use (PEP 562), pandas by the first load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandera.pandas as pa

    from afpak_data._errors import (
        AfpakDataError,
        DataError,
        PackageError,
        PackageNotFoundError,
        Problem,
        UnknownTableError,
    )
    from afpak_data._load.loader import load, load_all, metadata, tables
    from afpak_data._model.remote import RemoteDataError, release_url
    from afpak_data._model.resources import Source
    from afpak_data._names import TableName

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

#: Module -> the public names it defines; each is imported when one of its names is first used.
_MODULES = {
    "afpak_data._errors": "AfpakDataError DataError PackageError PackageNotFoundError Problem "
    "UnknownTableError",
    "afpak_data._load.loader": "load load_all metadata tables",
    "afpak_data._names": "TableName",
    "afpak_data._model.remote": "RemoteDataError release_url",
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names.split()}


def __getattr__(name: str) -> object:
    if name == "__version__":  # read on first use: importlib.metadata scans site-packages
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("afpak-data")  # the one source is metadata/package.toml
        except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
            found = "0+unknown"
    elif name in _LAZY:
        found = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'afpak_data' has no attribute {name!r}")
    globals()[name] = found
    return found


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def pandera_schema(name: str, source: Source = None) -> pa.DataFrameSchema:
    """The pandera schema of table ``name``, from its Table Schema: ``schema.validate(load(name),
    lazy=True)`` checks types, vocabularies, patterns, lengths, keys and table-local rules."""
    from afpak_data._load.loader import package_for
    from afpak_data._load.pandera import build_schema

    return build_schema(package_for(source, []).resource(name))
