"""Write the package as Parquet, SQLite, Excel or JSON: a module per format, each with ``write``.

:func:`publish` (shared with the site) loads the tables once and moves the files in only when all
are written; :func:`rows` gives every writer the same plain values. Heavy imports are deferred.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afpak_data._errors import AfpakDataError
from afpak_data._model.resources import Source

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._model.descriptor import Field, Package, Schema

#: Format name -> (module under ``afpak_data._publish.export`` whose ``write`` produces it, the
#: third-party modules it needs, installed by the ``export`` extra).
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "json": ("json_export", ()),
    "parquet": ("parquet", ("pyarrow",)),
    "sqlite": ("sqlite", ()),
    "xlsx": ("xlsx", ("xlsxwriter",)),
}


class ExportError(AfpakDataError, ValueError):
    """The package cannot be written faithfully (for example its foreign keys do not hold)."""


class MissingDependencyError(AfpakDataError, RuntimeError):
    """An output needs a library that is not installed; the message says how to install it."""


def require(module: str, what: str, extra: str) -> None:
    """Fail early, before any loading, when ``what`` needs ``module`` and it is missing."""
    try:
        __import__(module)  # through builtins.__import__, as an import statement does
    except ImportError as exc:
        raise MissingDependencyError(
            f'{what} needs {module}, which is not installed: pip install "afpak-data[{extra}]"'
        ) from exc


def publish(
    out: str | Path, source: Source, write: Callable[[Package, dict[str, pd.DataFrame], Path], None]
) -> list[Path]:
    """Load ``source``; ``write`` fills a staging folder that becomes ``out`` once complete."""
    from afpak_data._atomic import staged_directory
    from afpak_data._load.loader import read_resource, whole_package

    package = whole_package(source)
    frames = {r.name: read_resource(r) for r in package.resources}
    with staged_directory(Path(out)) as staging:
        write(package, frames, staging)
        written = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
    return [Path(out) / p for p in written]


def export(fmt: str, out: str | Path, source: Source = None) -> list[Path]:
    """Write the package at ``source`` as ``fmt`` into directory ``out``; the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(sorted(FORMATS))})")
    module, needs = FORMATS[fmt]
    for name in needs:
        require(name, f"--format {fmt}", "export")
    writer = importlib.import_module(f"afpak_data._publish.export.{module}")
    return publish(out, source, writer.write)


def dump(value: Any) -> bytes:
    """Pretty, stable, UTF-8 JSON (non-ASCII text such as typographic quotes kept readable)."""
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def enum_json(field: Field) -> str | None:
    """A field's allowed values as a JSON list, in order (None when it has no ``enum``)."""
    return None if field.enum is None else json.dumps(list(field.enum), ensure_ascii=False)


def rows(frame: pd.DataFrame, schema: Schema, iso_dates: bool = False) -> Iterator[tuple[Any, ...]]:
    """``frame``'s rows as tuples of plain values (None if missing), dates as dates or ISO text."""
    import pandas as pd

    def date(value: Any) -> Any:
        day = pd.Timestamp(value).date()
        return day.isoformat() if iso_dates else day

    plain: dict[str, Callable[[Any], Any]] = {"date": date, "number": float, "boolean": bool}
    plain |= dict.fromkeys(("integer", "year"), int)
    columns = []
    for field in schema.fields:
        convert = plain.get(field.type, str)
        values = frame[field.name].astype(object).tolist()
        columns.append([None if pd.isna(v) else convert(v) for v in values])
    return zip(*columns, strict=True)
