"""Write the package in the formats people already use: Parquet, SQLite, Excel and JSON.

Each format lives in its own module with one public ``write(package, frames, staging)`` function
that writes its files into a staging directory; :func:`export` loads the tables once (through the
loader, so every format sees the same typed values), hands them to the writer, and only then moves
the finished files into place (see :mod:`afpak_data._atomic`). Heavy libraries (pyarrow,
xlsxwriter) are imported inside the writers, so importing this package costs nothing.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from afpak_data._errors import AfpakDataError
from afpak_data._resources import Source

#: Format name -> module (under ``afpak_data._export``) whose ``write`` produces it.
FORMATS: dict[str, str] = {
    "json": "json_export",
    "parquet": "parquet",
    "sqlite": "sqlite",
    "xlsx": "xlsx",
}

#: Format name -> the third-party modules its writer needs (installed by the ``export`` extra).
REQUIRES: dict[str, tuple[str, ...]] = {
    "json": (),
    "parquet": ("pyarrow",),
    "sqlite": (),
    "xlsx": ("xlsxwriter",),
}

INSTALL_HINT = 'pip install "afpak-data[export]"'


class ExportError(AfpakDataError, ValueError):
    """The package cannot be written faithfully (for example its foreign keys do not hold)."""


class MissingDependencyError(AfpakDataError, RuntimeError):
    """A format needs a library that is not installed; the message says how to install it."""


def check_dependencies(fmt: str) -> None:
    """Fail early, before any loading, when ``fmt`` needs a library that is missing."""
    for module in REQUIRES[fmt]:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise MissingDependencyError(
                f"--format {fmt} needs {module}, which is not installed: {INSTALL_HINT}"
            ) from exc


def export(fmt: str, out: str | Path, source: Source = None) -> list[Path]:
    """Write the package at ``source`` as ``fmt`` into directory ``out``; return the files written.

    ``out`` is created if needed. Files are written to a staging directory beside ``out`` and moved
    in only when all of them are complete, so a failure leaves ``out`` as it was.
    """
    from afpak_data._atomic import staged_directory
    from afpak_data._loader import read_resource, whole_package

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(sorted(FORMATS))})")
    check_dependencies(fmt)
    package = whole_package(source)
    frames = {r.name: read_resource(r) for r in package.resources}
    writer = importlib.import_module(f"afpak_data._export.{FORMATS[fmt]}")
    with staged_directory(Path(out)) as staging:
        writer.write(package, frames, staging)
        written = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
    return [Path(out) / p for p in written]
