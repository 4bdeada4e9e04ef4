"""Write a file, or publish a whole folder, so that a reader sees the old or the new, never a mix.

One helper for every command that writes: ``export`` (every format), ``site``, ``bundle``, the
download cache and ``scripts/build_datapackage.py`` (which loads this module by file path, so it
must stay standard-library only and import nothing from ``afpak_data``).

* :func:`write_file` writes into a temporary file beside the target (same folder, same file
  system), then ``os.replace``-s it over the target: one rename.
* :func:`staged_directory` yields an empty staging folder beside OUT; when the block returns, the
  staging folder becomes OUT by one rename. When OUT already exists, files in OUT that the new
  output does not contain (a user's own notes) are first hard-linked into the staging folder, and
  the two folders are then swapped by one ``renameat2(RENAME_EXCHANGE)`` (Linux). Where that call
  does not exist (macOS, Windows, a file system without it), OUT is renamed aside and the staging
  folder renamed to OUT: two renames, between which OUT is briefly missing (never mixed); the next
  run puts the old folder back if a kill hit exactly there. A folder that cannot be renamed at all
  (a mount point) is filled file by file, each file old or new but the set possibly mixed.

Temporary files and staging folders are named ``.<name>.afpak-<kind>-<random>`` and hold an
exclusive ``flock`` while in use. :func:`clean_stale` (called before each write) removes those
whose lock is free: what a killed run left behind. Without ``fcntl`` (Windows) only entries older
than a day are removed. Files get the mode a plain ``open()`` would give (``0o666`` less the
umask), folders ``0o777`` less the umask. Atomicity is against a killed process; durability
against power loss is not promised (nothing is fsync-ed).

Errors: a failure while writing (a system ``OSError``, with an errno, first in the exception's
chain, or SQLite's "database or disk is full") becomes :class:`PublishError`, whose message names
the target and says it was left as it was; the staging folder is removed. Other exceptions pass
unchanged.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

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


class PublishError(OSError):
    """The output could not be written; the target was left as it was."""


def file_mode() -> int:
    """The mode ``open()`` gives a new file: ``0o666`` less the process umask."""
    return 0o666 & ~_umask()


def write_file(path: Path, data: bytes | str | Callable[[IO[bytes]], object]) -> None:
    """Write ``data`` (bytes, UTF-8 text, or a function given the open file) to ``path`` atomically.

    Readers of ``path`` see the old file or the complete new one. On failure the temporary file
    is removed and :class:`PublishError` raised (the target untouched).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(path.parent, path.name)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{MARK}tmp-")
    except OSError as exc:
        raise _publish_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            _lock(handle.fileno())
            if callable(data):
                data(handle)
            else:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(temporary, file_mode())
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        error = _write_failure(exc)
        if error is not None:
            raise _publish_error(path, error) from exc
        raise


def write_files(contents: dict[Path, bytes | str]) -> None:
    """Write several files: all complete in temporary files first, then renamed one by one.

    Files are renamed in the order given (put the one that marks the set complete last). A
    failure before the renames leaves every target untouched; a kill during the renames (one
    ``os.replace`` per file, microseconds apart) leaves each target old or new, and the
    temporary files not yet renamed are removed by the next call.
    """
    staged: list[tuple[int, str, Path]] = []
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
            os.chmod(temporary, file_mode())
        for _fd, temporary, path in staged:
            os.replace(temporary, path)
    except BaseException as exc:
        error = _write_failure(exc)
        if error is not None:
            target = staged[-1][2] if staged else Path(".")
            raise _publish_error(target, error) from exc
        raise
    finally:
        for fd, temporary, _path in staged:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temporary)  # only those not renamed are still there


#: The name ``atomic_write`` is kept for callers written before this module existed.
atomic_write = write_file


@contextlib.contextmanager
def staged_directory(out: Path) -> Iterator[Path]:
    """Yield an empty staging folder beside ``out``; on a clean exit it becomes ``out``.

    On an exception ``out`` is left exactly as it was and the staging folder is removed.
    """
    out = _target(Path(out))
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out}: exists and is not a directory")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(out.parent, out.name)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{MARK}stage-", dir=out.parent))
    except OSError as exc:
        raise _publish_error(out, exc) from exc
    lock = _lock_path(staging)
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; OUT should look ordinary
        yield staging
        publish(staging, out)
    except BaseException as exc:
        error = _write_failure(exc)
        if error is not None:
            raise _publish_error(out, error) from exc
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after a swap it holds the old output
        if lock is not None:
            os.close(lock)


def publish(staging: Path, out: Path) -> None:
    """Make the complete folder ``staging`` become ``out`` (see the module docstring)."""
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
        _replace_file_by_file(staging, out)
        return
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(aside, out)
        raise
    os.rename(aside, staging)  # the caller removes staging, which now holds the old output


def clean_stale(parent: Path, name: str | None = None) -> list[Path]:
    """Remove what a killed run left beside ``parent / name`` (every name: None); return it.

    Temporary files and staging folders whose lock is free are deleted. If the target is missing
    and an ``old`` folder is left (a kill between the two renames of the fallback), it is put
    back in its place instead.
    """
    removed: list[Path] = []
    pattern = f".{_glob_escape(name)}{MARK}*" if name is not None else f".*{MARK}*"
    try:
        entries = sorted(parent.glob(pattern))
    except OSError:
        return removed
    for entry in entries:
        base, _, rest = entry.name[1:].rpartition(MARK)
        kind = rest.split("-", 1)[0]
        if not base or (name is not None and base != name):
            continue
        if kind not in ("tmp", "stage", "old") or not is_stale(entry):
            continue
        target = parent / base
        if kind == "old" and not os.path.lexists(target):
            with contextlib.suppress(OSError):
                os.rename(entry, target)
                continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


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
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _target(out: Path) -> Path:
    """``out`` made absolute; a symlink to a folder is followed (the link itself stays)."""
    out = Path(os.path.abspath(out))
    return out.resolve() if out.is_symlink() else out


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


def _replace_file_by_file(staging: Path, out: Path) -> None:
    for path in sorted(staging.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        target = out / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _lock_path(path: Path) -> int | None:
    """Open ``path`` (a folder) and hold an exclusive lock on it until the fd is closed."""
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        _lock(fd)
    except OSError:
        os.close(fd)
        raise
    return fd


def _write_failure(exc: BaseException) -> OSError | None:
    """The ``OSError`` behind a failed write (searched through the chain), else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, PublishError):
            return None  # already explained
        if isinstance(current, OSError):  # a system error has an errno; a library's message not
            return current if current.errno is not None else None
        if type(current).__module__ == "sqlite3" and "full" in str(current):
            return OSError(errno.ENOSPC, f"{current}")
        current = current.__cause__ or current.__context__
    return None


def _publish_error(target: Path, error: OSError) -> PublishError:
    reason = error.strerror or str(error)
    where = f" ({error.filename})" if error.filename and str(error.filename) != str(target) else ""
    return PublishError(f"{target}: cannot write the output: {reason}{where}; left as it was")


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _umask() -> int:
    """The process umask (reading it means setting it, so it is put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
