"""A package version as one zip for archiving (Zenodo, a library), with a checksum file.

The same package gives the same bytes (sorted entries, one timestamp: ``created`` or 1980-01-01,
one permission and compression level, one folder), so an archive can be checked against a rebuilt
one. Each CSV must match its declared ``bytes`` and ``hash``: a stale archive is worse than none.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from afpak_data._atomic import write_files
from afpak_data._errors import AfpakDataError
from afpak_data._model.descriptor import SAFE_VERSION, Package, declared_sha256, sha256_of
from afpak_data._model.resources import DESCRIPTOR

#: Folders copied whole, and single files copied when present, relative to the package root.
FOLDERS = ("data", "schemas")
OPTIONAL_FILES = ("docs/codebook.md", "CHANGELOG.md", "CITATION.cff", "README.md")
#: Licence files at the root (``LICENSE``, ``LICENSE-DATA.md``, ...) are copied too.
LICENSE_GLOB = "LICENSE*"
_EPOCH = (1980, 1, 1, 0, 0, 0)


class BundleError(AfpakDataError, ValueError):
    """The package cannot be bundled as it is (a stale hash, no usable version)."""


class Bundle(NamedTuple):
    """The zip, its ``sha256sum`` file, and the zip's hex digest."""

    archive: Path
    checksum: Path
    sha256: str


def bundle(package: Package, outdir: Path) -> Bundle:
    """Write ``afpak-data-<version>.zip`` and ``.zip.sha256`` into ``outdir``, atomically."""
    version = package.version
    if not SAFE_VERSION.fullmatch(version):
        raise BundleError(
            f"{package.descriptor_file}: version {version!r} cannot name a file "
            "(expected a version such as 1.0.0)"
        )
    check_hashes(package)
    stem = f"afpak-data-{version}"
    timestamp = _timestamp(package.descriptor.get("created"))
    outdir.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for relative in members(package.root):
            info = zipfile.ZipInfo(f"{stem}/{relative}", date_time=timestamp)
            info.create_system = 3  # Unix, so that external_attr means permissions everywhere
            info.external_attr = 0o644 << 16
            zf.writestr(info, (package.root / relative).read_bytes(), zipfile.ZIP_DEFLATED, 9)
    data = buffer.getvalue()
    hexdigest = hashlib.sha256(data).hexdigest()
    archive = outdir / f"{stem}.zip"
    checksum = outdir / f"{archive.name}.sha256"
    line = f"{hexdigest}  {archive.name}\n".encode()
    # Both staged complete, then renamed zip first: a failure (a full disk) changes neither.
    write_files({archive: data, checksum: line})
    return Bundle(archive, checksum, hexdigest)


def members(root: Path) -> list[str]:
    """Relative POSIX paths to archive, sorted: the descriptor, data/, schemas/, docs and notes."""
    found = {DESCRIPTOR, *(name for name in OPTIONAL_FILES if (root / name).is_file())}
    found.update(path.name for path in root.glob(LICENSE_GLOB) if path.is_file())
    for path in (path for folder in FOLDERS for path in (root / folder).rglob("*")):
        relative = path.relative_to(root)
        hidden = any(part.startswith(".") for part in relative.parts)
        if path.is_file() and not hidden and "__pycache__" not in relative.parts:
            found.add(relative.as_posix())
    return sorted(found)


def check_hashes(package: Package) -> None:
    """Each CSV must match the ``bytes`` and ``sha256`` hash its descriptor declares."""
    problems = []
    for resource in package.resources:
        try:
            size, sha256 = sha256_of(resource.file)
        except OSError as exc:
            problems.append(f"{resource.file}: cannot be read ({exc.strerror})")
            continue
        declared, where = declared_sha256(resource.hash), resource.file
        if resource.bytes is not None and resource.bytes != size:
            problems.append(f"{where}: {size} bytes, datapackage.json declares {resource.bytes}")
        if resource.hash is not None and declared is None:
            problems.append(f"{where}: hash {resource.hash!r} is not 'sha256:<hex>'")
        elif declared is not None and declared != sha256:
            problems.append(f"{where}: sha256 {sha256}, datapackage.json declares {declared}")
    if problems:
        raise BundleError(
            "; ".join(problems) + " (regenerate: python scripts/build_datapackage.py)"
        )


def _timestamp(created: object) -> tuple[int, int, int, int, int, int]:
    """The descriptor's ``created`` as a zip timestamp (1980-01-01 when absent or unusable)."""
    try:
        moment = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        moment = None
    if moment is None or not 1980 <= moment.year <= 2107:
        return _EPOCH
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, 0)
