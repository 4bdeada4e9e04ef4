"""A full disk: every writing command says so in one line, exits 2 and leaves its target as it was.

The disk is a real one: a 16 MB tmpfs mounted for the test (root only; the test skips with the
reason where mounting is not permitted), holding an earlier output, then filled to the last byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from afpak_data._atomic import MARK

#: Command (after ``afpak-data``) -> the output it writes under the disk.
COMMANDS: dict[str, list[str]] = {
    "export-json": ["export", "--format", "json", "-q", "{out}"],
    "export-parquet": ["export", "--format", "parquet", "-q", "{out}"],
    "export-sqlite": ["export", "--format", "sqlite", "-q", "{out}"],
    "export-xlsx": ["export", "--format", "xlsx", "-q", "{out}"],
    "site": ["site", "-q", "{out}"],
    "bundle": ["bundle", "{out}"],
}
CLI = [sys.executable, "-c", "from afpak_data.cli import main; main()"]


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs at tmp_path/disk, unmounted afterwards."""
    mount = shutil.which("mount")
    if os.geteuid() != 0 or mount is None or not sys.platform.startswith("linux"):
        pytest.skip("a tmpfs needs root on Linux (mount -t tmpfs); not available here")
    point = tmp_path / "disk"
    point.mkdir()
    result = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(point)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {result.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def run(args: list[str], out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        CLI + [a.format(out=out) for a in args], capture_output=True, text=True, timeout=120
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def fill(disk: Path) -> None:
    """Write until the file system has no byte left."""
    try:
        with (disk / "filler").open("wb") as handle:
            for _ in range(1024):  # bounded: 16 MB is 256 of these
                handle.write(b"\0" * 65536)
                handle.flush()
    except OSError:
        pass
    with pytest.raises(OSError):
        (disk / "probe").write_bytes(b"\0" * 65536)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_full_disk_is_a_clear_error_and_the_target_is_untouched(disk: Path, command: str) -> None:
    """On a full disk: exit 2, one `Error: <target>: cannot write the output: No space left ...`
    line (no traceback), the earlier output byte for byte, no staging left."""
    out = disk / "out"
    first = run(COMMANDS[command], out)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    fill(disk)
    result = run(COMMANDS[command], out)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {out}")
    assert "cannot write the output" in lines[0] and "left as it was" in lines[0]
    assert "space" in lines[0] or "full" in lines[0]
    assert snapshot(out) == before
    leftovers = [p for p in disk.rglob("*") if MARK in p.name]
    assert leftovers == []
