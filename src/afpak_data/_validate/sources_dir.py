"""``--sources-dir DIR`` that holds none of the package's source texts is a usage error (exit 2).

Pointing the validator at the wrong directory used to print ``SKIPPED`` lines and exit 0, so a
typo in CI or a pre-commit hook silently turned the quote check off. When DIR matches *none* of
the rows of the ``sources`` table (by ``file_name``, or by ``sha256`` for a renamed file), the
command stops with one line naming what it looked for. When some texts are there and others are
not, validation runs and the absent ones are reported as skipped, as before.

Standard library only, and deliberately forgiving: when the descriptor or the ``sources`` table
cannot be read, this says nothing and the validator reports the problem in its own words.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

SOURCES = "sources"
#: Files larger than this are not hashed when looking for a renamed source text.
MAX_HASHED_BYTES = 64 * 1024 * 1024


def cited_sources(descriptor_file: Path) -> list[tuple[str, str, str]] | None:
    """``(source_id, file_name, sha256)`` of each row of ``sources``; None if unreadable."""
    try:
        descriptor = json.loads(descriptor_file.read_text(encoding="utf-8"))
        resource = next(
            r for r in descriptor["resources"] if isinstance(r, dict) and r.get("name") == SOURCES
        )
        path = descriptor_file.parent / resource["path"]
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, ValueError, KeyError, TypeError, StopIteration, csv.Error):
        return None
    found = []
    for row in rows:
        source_id = (row.get("source_id") or "").strip()
        name = (row.get("file_name") or "").strip()
        sha256 = (row.get("sha256") or "").strip().lower().removeprefix("sha256:")
        if name or sha256:
            found.append((source_id, name, sha256))
    return found or None


def _digests(directory: Path) -> set[str]:
    digests = set()
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.stat().st_size <= MAX_HASHED_BYTES:
            digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
    return digests


def missing_all_sources(descriptor_file: Path, directory: Path) -> str | None:
    """The error message when ``directory`` holds none of the source texts, else None."""
    sources = cited_sources(descriptor_file)
    if sources is None or not directory.is_dir():
        return None
    if any(name and "/" not in name and (directory / name).is_file() for _, name, _ in sources):
        return None
    digests = _digests(directory)
    if any(sha256 and sha256 in digests for _, _, sha256 in sources):
        return None
    looked_for = "; ".join(
        f"{source_id or '?'}: {name or '-'} or a file with sha256 {sha256 or '-'}"
        for source_id, name, sha256 in sources
    )
    return (
        f"{directory}: --sources-dir holds none of the package's source texts, so no quote "
        f"could be checked (looked for {looked_for})"
    )
