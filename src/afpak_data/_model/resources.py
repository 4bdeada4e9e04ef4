"""Find the data package a caller means: the bundled one, a local directory, or a published URL.

The wheel carries a copy of the repository's ``datapackage.json``, ``data/`` and ``schemas/``
under ``afpak_data/_package/`` (hatch ``force-include``), so an installed package works offline;
an editable install reads the repository root instead, so git never holds a second copy.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

from afpak_data._errors import PackageNotFoundError

DESCRIPTOR = "datapackage.json"
#: What ``source`` may be: None (bundled package), a directory, a ``datapackage.json`` path, a URL.
Source = str | os.PathLike[str] | None


def bundled_root() -> Path:
    """The package shipped with this installation: a wheel's ``afpak_data/_package``, else (an
    editable install) the repository root when it holds ``datapackage.json`` and ``metadata/``."""
    packaged = importlib.resources.files("afpak_data") / "_package"
    if packaged.is_dir() and (packaged / DESCRIPTOR).is_file():
        if not isinstance(packaged, Path):
            # A zip import: the CSVs would have to be extracted first; wheels install unzipped.
            raise PackageNotFoundError(
                f"{packaged}: the bundled package is inside an archive; install afpak-data unzipped"
            )
        return packaged
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / DESCRIPTOR).is_file() and (checkout / "metadata").is_dir():
        return checkout
    raise PackageNotFoundError(
        f"no bundled data package: neither {packaged} nor a repository checkout at {checkout} "
        f"holds {DESCRIPTOR} (reinstall afpak-data, or pass source=<package directory>)"
    )


def is_url(source: Source) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://"))


def descriptor_path(source: Source = None) -> Path:
    """The ``datapackage.json`` a local ``source`` designates (None: the bundled package; a
    directory holding it; the descriptor's own path). URLs are ``remote.fetch``'s."""
    if source is None:
        return bundled_root() / DESCRIPTOR
    if is_url(source):
        raise ValueError(f"{source}: a URL, not a local path")
    path = Path(source).expanduser()
    if path.is_dir():
        candidate = path / DESCRIPTOR
        if not candidate.is_file():
            raise PackageNotFoundError(f"{path}: no {DESCRIPTOR} in this directory")
        return candidate
    if path.is_file():
        if path.suffix.lower() != ".json":
            # a data file (agreements.csv): name the nearest folder above it that is a package
            parents = list(path.absolute().parents)[:3]
            folder = next((p for p in parents if (p / DESCRIPTOR).is_file()), path.parent)
            raise PackageNotFoundError(not_a_descriptor(str(path), str(folder)))
        return path
    raise PackageNotFoundError(f"{path}: no such file or directory (expected a data package)")


def not_a_descriptor(given: str, folder: str) -> str:
    """The message for a source that names a data file (``agreements.csv``), not a package."""
    return (
        f"{given}: a data file, not a data package; expected a {DESCRIPTOR} or the "
        f"directory (or URL) that holds it, for example source={folder!r}"
    )
