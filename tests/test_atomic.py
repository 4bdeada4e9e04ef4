"""The one atomic-write helper: files and folders are old or new, never half or mixed."""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from afpak_data import _atomic
from afpak_data._atomic import MARK, PublishError, staged_directory, write_files


@pytest.fixture
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Run the test under the umask given as parameter, then restore the old one."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def debris(folder: Path) -> list[str]:
    """Temporary files and staging folders left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if MARK in p.name)


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002], indirect=True)
def test_written_files_and_folders_keep_the_umask_mode(tmp_path: Path, umask: int) -> None:
    """Files get 0o666 and folders 0o777 less the umask, as open() and mkdir() would give."""
    write_files({tmp_path / "a.txt": "x"})
    write_files({tmp_path / "b.txt": b"y"})
    with staged_directory(tmp_path / "out") as staging:
        (staging / "c.txt").write_text("z", encoding="utf-8")
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o777 & ~umask


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half-way (the disk full) leaves the old file and no temporary file."""
    target = tmp_path / "a.txt"
    target.write_text("old", encoding="utf-8")
    real = os.fdopen

    class Full:
        def __init__(self, fd: int, mode: str) -> None:
            self.handle = real(fd, mode)

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> None:
            self.handle.write(data[:3])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", Full)
    with pytest.raises(PublishError, match=r"a.txt: cannot write the output: No space left"):
        write_files({target: "new, but"})
    assert target.read_text(encoding="utf-8") == "old"
    assert debris(tmp_path) == []


def test_write_files_is_all_or_nothing_before_the_renames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the last file cannot be staged, no target has been replaced."""
    targets = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for target in targets:
        target.write_text("old", encoding="utf-8")
    real = os.chmod

    def chmod(path: str, mode: int) -> None:
        if "b.txt" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, mode)

    monkeypatch.setattr(os, "chmod", chmod)
    with pytest.raises(PublishError):
        write_files({t: "new" for t in targets})
    assert [t.read_text(encoding="utf-8") for t in targets] == ["old", "old"]
    assert debris(tmp_path) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_publish_replaces_the_folder_and_keeps_unrelated_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    """The new output replaces the old one; files of OUT it does not contain are kept."""
    if not exchange:
        monkeypatch.setattr(_atomic, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    with staged_directory(out) as staging:
        (staging / "a.json").write_text("1", encoding="utf-8")
        (staging / "gone.json").write_text("1", encoding="utf-8")
    (out / "notes").mkdir()
    (out / "notes" / "mine.txt").write_text("mine", encoding="utf-8")
    (out / "link").symlink_to("notes")
    with staged_directory(out) as staging:
        (staging / "a.json").write_text("2", encoding="utf-8")
    assert (out / "a.json").read_text(encoding="utf-8") == "2"
    assert (out / "notes" / "mine.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "link").is_symlink() and os.readlink(out / "link") == "notes"
    assert (out / "gone.json").read_text(encoding="utf-8") == "1"  # not ours to delete
    assert debris(tmp_path) == []


def test_failure_inside_the_block_leaves_out_untouched(tmp_path: Path) -> None:
    """An exception in the block leaves OUT byte for byte and removes the staging folder."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_text("old", encoding="utf-8")

    class Boom(RuntimeError):
        """Not a write failure: passed on unchanged."""

    with pytest.raises(Boom), staged_directory(out) as staging:
        (staging / "a.json").write_text("new", encoding="utf-8")
        raise Boom
    assert (out / "a.json").read_text(encoding="utf-8") == "old"
    assert debris(tmp_path) == []


@pytest.mark.parametrize(
    ("error", "translated"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (sqlite3.OperationalError("database or disk is full"), True),
        (OSError("a library's message, no errno"), False),
        (ValueError("not a write failure"), False),
    ],
    ids=["enospc", "sqlite-full", "oserror-without-errno", "valueerror"],
)
def test_write_failures_become_publish_errors(
    tmp_path: Path, error: Exception, translated: bool
) -> None:
    """System write errors and SQLite's "disk is full" become PublishError naming OUT."""
    with pytest.raises(Exception) as caught, staged_directory(tmp_path / "out"):
        raise error
    assert isinstance(caught.value, PublishError) == translated
    if translated:
        assert str(caught.value).startswith(f"{tmp_path / 'out'}: cannot write the output")
        assert str(caught.value).endswith("left as it was")
    assert list(tmp_path.iterdir()) == []


def test_stale_staging_is_cleaned_and_live_staging_kept(tmp_path: Path) -> None:
    """Leftovers whose lock is free go; one a live process holds stays; a lone 'old' folder
    (a kill between the two renames) is put back as OUT."""
    stale = tmp_path / f".out{MARK}stage-dead"
    stale.mkdir()
    (stale / "a.json").write_text("half", encoding="utf-8")
    (tmp_path / f".out{MARK}tmp-dead").write_text("half", encoding="utf-8")
    live = tmp_path / f".out{MARK}stage-live"
    live.mkdir()
    other = tmp_path / f".other{MARK}stage-dead"
    other.mkdir()
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with staged_directory(tmp_path / "out") as staging:
            (staging / "a.json").write_text("new", encoding="utf-8")
        assert debris(tmp_path) == sorted([live.name, other.name])
    finally:
        os.close(fd)
    old = tmp_path / f".site{MARK}old-dead"
    old.mkdir()
    (old / "index.html").write_text("old", encoding="utf-8")
    _atomic.clean_stale(tmp_path, "site")
    assert (tmp_path / "site" / "index.html").read_text(encoding="utf-8") == "old"
    _atomic.clean_stale(tmp_path)
    assert not live.exists() and not other.exists()


def read_at(folder_fd: int, name: str) -> str:
    """The text of ``name`` inside the folder open as ``folder_fd`` (not by path)."""
    fd = os.open(name, os.O_RDONLY, dir_fd=folder_fd)
    try:
        return os.read(fd, 1 << 16).decode("utf-8")
    finally:
        os.close(fd)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_reader_sees_one_complete_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    """A reader that opens OUT once sees all old or all new files, never a mix, while OUT is
    republished 150 times (bounded; the reader stops when the writer does). With the two-rename
    fallback OUT is briefly absent, which the reader sees as such."""
    if not exchange:
        monkeypatch.setattr(_atomic, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    names = [f"f{i}.txt" for i in range(8)]
    with staged_directory(out) as staging:
        for name in names:
            (staging / name).write_text("0", encoding="utf-8")
    done = threading.Event()
    seen: list[set[str]] = []
    withdrawn = 0

    def reader() -> None:
        nonlocal withdrawn
        while not done.is_set():
            try:
                fd = os.open(out, os.O_RDONLY)
            except FileNotFoundError:
                withdrawn += 1  # between the two renames of the fallback
                continue
            try:
                versions = set()
                for name in names:
                    versions.add(read_at(fd, name))
                seen.append(versions)
            except FileNotFoundError:
                withdrawn += 1  # the old version being removed after the swap: read again
            finally:
                os.close(fd)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for version in range(1, 151):
            with staged_directory(out) as staging:
                for name in names:
                    (staging / name).write_text(str(version), encoding="utf-8")
    finally:
        done.set()
        thread.join(timeout=30)
    assert seen, "the reader never completed a read"
    mixed = [v for v in seen if len(v) != 1]
    assert mixed == [], f"{len(mixed)} of {len(seen)} reads mixed versions ({withdrawn} retried)"
    assert debris(tmp_path) == []
