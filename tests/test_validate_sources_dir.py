"""``validate --sources-dir DIR``: a directory with none of the source texts is exit 2."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from validate.corpus import SOURCE_TEXT, write_package, write_sources

from afpak_data.cli.validate import validate

GOLDEN = Path(__file__).parent / "golden" / "validate-sources-dir-empty.txt"


def run(package: Path, sources: Path) -> tuple[int, str, str]:
    """Validate ``package`` with ``--sources-dir sources``: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(
        validate, [str(package), "--sources-dir", str(sources)], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_empty_sources_dir_is_a_usage_error(tmp_path: Path) -> None:
    """An empty --sources-dir exits 2 with one line naming the file and sha256 it looked for."""
    write_package(tmp_path / "pkg")
    (tmp_path / "empty").mkdir()
    code, out, err = run(tmp_path / "pkg", tmp_path / "empty")
    err = err.replace(str(tmp_path), "<tmp>")
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(err, encoding="utf-8")
    assert (code, out, err) == (2, "", GOLDEN.read_text(encoding="utf-8"))


def _unrelated(directory: Path) -> None:
    (directory / "notes.txt").write_text("something else entirely\n", encoding="utf-8")


def _renamed(directory: Path) -> None:
    (directory / "renamed.txt").write_text(SOURCE_TEXT, encoding="utf-8")


def _by_name(directory: Path) -> None:
    write_sources(directory)


@pytest.mark.parametrize(
    ("fill", "refused"),
    [(_unrelated, True), (_renamed, False), (_by_name, False)],
    ids=["unrelated-file", "renamed-text-found-by-sha256", "text-found-by-name"],
)
def test_directory_must_hold_at_least_one_source(
    tmp_path: Path, fill: Callable[[Path], None], refused: bool
) -> None:
    """Only a directory matching no source row by file_name or sha256 is refused (exit 2)."""
    write_package(tmp_path / "pkg")
    sources = tmp_path / "sources"
    sources.mkdir()
    fill(sources)
    code, out, err = run(tmp_path / "pkg", sources)
    assert ("holds none of the package's source texts" in err) is refused
    assert (code == 2) is refused, (code, out, err)
    if not refused:
        assert "SKIPPED evidence" not in out
