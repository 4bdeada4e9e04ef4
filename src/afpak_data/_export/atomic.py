"""Publish a set of files all at once or not at all, so a failed export leaves no half-written file.

Writers work in a staging directory created next to OUT (same file system, so ``os.replace`` is a
rename, never a copy). Only when the writer returns are the files moved in: when OUT does not exist
yet the whole staging directory is renamed to OUT; otherwise each file replaces its namesake in OUT
one ``os.replace`` at a time (each file is then either the old one or the complete new one). On any
exception the staging directory is deleted and OUT is untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_directory(out: Path) -> Iterator[Path]:
    """Yield an empty staging directory; on a clean exit, move its contents into ``out``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out}: exists and is not a directory")
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name or 'out'}.", suffix=".tmp", dir=parent))
    staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; OUT should look like any new dir
    try:
        yield staging
        publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, out: Path) -> None:
    """Move every file under ``staging`` to the same relative place under ``out``."""
    if not out.exists():
        try:
            os.replace(staging, out)
            return
        except OSError:
            pass  # created meanwhile, or cannot rename a directory: go file by file
    for path in sorted(staging.rglob("*")):
        if path.is_dir():
            continue
        target = out / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


def _umask() -> int:
    """The process umask (reading it means setting it, so it is put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
