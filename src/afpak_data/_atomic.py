"""Write files, or publish a whole folder, so that a reader sees the old or the new, never a mix.

Standard library only (``scripts/build_datapackage.py`` loads this file by path).
:func:`write_files` writes each file complete beside its target, then ``os.replace``-s them in
order. :func:`staged_directory` yields an empty folder that becomes OUT on a clean exit: files of
OUT the new output lacks (a user's notes) are hard-linked into it, then the folders are swapped by
one ``renameat2(RENAME_EXCHANGE)`` (Linux); elsewhere OUT is renamed aside first (briefly missing,
never mixed; a kill in between is undone by the next run); a mount point is filled file by file.
Temporary entries, ``.<name>.afpak-<kind>-<random>``, hold an ``flock`` while in use;
:func:`clean_stale` removes those whose lock is free (without ``fcntl``: a day old). Modes follow
the umask; atomic against a kill, not durable against power loss (no fsync). A failed write (an
errno in the exception's chain, or SQLite's disk full) becomes :class:`PublishError`. Hand-written
because no dependency does the folder swap (``atomicwrites``, archived, wrote single files only).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: Marker in the names of temporary files and folders (``.<name>.afpak-<kind>-<random>``).
MARK = ".afpak-"
#: Without ``fcntl``, leftovers older than this many seconds are treated as stale.
STALE_AGE = 24 * 3600.0
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_KINDS = ("tmp", "stage", "old")


class PublishError(OSError):
    """The output could not be written; the target was left as it was."""


def write_files(contents: dict[Path, bytes | str]) -> None:
    """Write all files complete first, then rename them in order: a failure leaves every target
    untouched, a kill each old or new (put the file that marks the set complete last)."""
    staged: list[tuple[int, str, Path]] = []
    path = Path(".")
    try:
        for path, data in contents.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            clean_stale(path.parent, path.name)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{MARK}tmp-")
            staged.append((fd, temporary, path))
            _lock(fd)
            with os.fdopen(os.dup(fd), "wb") as handle:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            os.chmod(temporary, 0o666 & ~_umask())
        for _fd, temporary, target in staged:
            os.replace(temporary, target)
    except BaseException as exc:
        _reraise(path, exc)
    finally:
        for fd, temporary, _path in staged:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temporary)  # only those not renamed are still there


@contextlib.contextmanager
def staged_directory(out: Path) -> Iterator[Path]:
    """Yield an empty staging folder that becomes ``out`` on a clean exit (on an exception it is
    removed and ``out`` left as it was)."""
    out = Path(os.path.abspath(out))
    out = out.resolve() if out.is_symlink() else out  # the link stays, its folder is replaced
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out}: exists and is not a directory")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(out.parent, out.name)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{MARK}stage-", dir=out.parent))
    except OSError as exc:
        raise _publish_error(out, exc) from exc
    lock = os.open(staging, os.O_RDONLY) if fcntl is not None else None
    try:
        if lock is not None:
            _lock(lock)
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; OUT should look ordinary
        yield staging
        _publish(staging, out)
    except BaseException as exc:
        _reraise(out, exc)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after a swap it holds the old output
        if lock is not None:
            os.close(lock)


def _publish(staging: Path, out: Path) -> None:
    if not out.exists():
        try:
            os.rename(staging, out)
            return
        except OSError:
            if not out.is_dir():
                raise
    _carry_over(out, staging)
    if _exchange(staging, out):
        return
    aside = Path(tempfile.mktemp(prefix=f".{out.name}{MARK}old-", dir=out.parent))
    try:
        os.rename(out, aside)
    except OSError:  # OUT cannot be renamed (a mount point): file by file, each one atomic
        for path in sorted(staging.rglob("*")):
            if not path.is_dir() or path.is_symlink():
                target = out / path.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
        return
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(aside, out)
        raise
    os.rename(aside, staging)  # the caller removes staging, which now holds the old output


def clean_stale(parent: Path, name: str | None = None) -> None:
    """Remove what a killed run left beside ``parent / name`` (None: every name);
    an ``old`` folder whose target is missing (a kill between the two renames) is put back."""
    pattern = f".{glob.escape(name) if name is not None else '*'}{MARK}*"
    try:
        entries = sorted(parent.glob(pattern))
    except OSError:
        return
    for entry in entries:
        base, _, rest = entry.name[1:].rpartition(MARK)
        kind = rest.split("-", 1)[0]
        if not base or name not in (None, base) or kind not in _KINDS or not is_stale(entry):
            continue
        if kind == "old" and not os.path.lexists(parent / base):
            with contextlib.suppress(OSError):
                os.rename(entry, parent / base)
                continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def is_stale(entry: Path) -> bool:
    """True when no live process holds ``entry``'s lock (or, without fcntl, it is a day old)."""
    if fcntl is None:
        try:
            return time.time() - entry.lstat().st_mtime > STALE_AGE
        except OSError:
            return False
    if entry.is_symlink():
        return True
    try:
        fd = os.open(entry, os.O_RDONLY)
        try:
            _lock(fd)
        finally:
            os.close(fd)
    except OSError:
        return False
    return True


def _carry_over(out: Path, staging: Path) -> None:
    """Hard-link (else copy) into ``staging`` every file of ``out`` the new output lacks."""
    for dirpath, dirnames, filenames in os.walk(out):
        here = Path(dirpath)
        links = [d for d in dirnames if (here / d).is_symlink()]
        dirnames[:] = [d for d in dirnames if d not in links]  # never descend through a link
        for name in [*filenames, *links]:
            source, target = here / name, staging / here.relative_to(out) / name
            if os.path.lexists(target):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_symlink():
                os.symlink(os.readlink(source), target)
                continue
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one system call (Linux ``renameat2``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV, errno.EBUSY):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _reraise(target: Path, exc: BaseException) -> NoReturn:
    """Raise :class:`PublishError` naming ``target`` when a failed write is behind ``exc`` (an
    ``OSError`` with an errno, or SQLite's disk full, searched through the chain), else ``exc``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and not isinstance(current, PublishError):
        seen.add(id(current))
        if isinstance(current, OSError):  # a system error has an errno; a library's message not
            if current.errno is not None:
                raise _publish_error(target, current) from exc
            break
        if type(current).__module__ == "sqlite3" and "full" in str(current):
            raise _publish_error(target, OSError(errno.ENOSPC, f"{current}")) from exc
        current = current.__cause__ or current.__context__
    raise exc


def _publish_error(target: Path, error: OSError) -> PublishError:
    reason = error.strerror or str(error)
    where = f" ({error.filename})" if error.filename and str(error.filename) != str(target) else ""
    return PublishError(f"{target}: cannot write the output: {reason}{where}; left as it was")


def _umask() -> int:
    """The process umask (reading it means setting it, so it is put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
