"""``afpak-data export``: files listed, one-line errors, install hint for missing deps."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from afpak_data.cli import cli


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), prog_name="afpak-data")


def test_json_export_lists_files(tmp_path: Path) -> None:
    """A successful export exits 0 and prints each file written, one per line."""
    result = run("export", "--format", "json", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    listed = result.stdout.splitlines()
    assert str(tmp_path / "out" / "datapackage.json") in listed
    assert all(Path(line).is_file() for line in listed)


def test_quiet(tmp_path: Path) -> None:
    """``--quiet`` prints nothing on success."""
    result = run("export", "--format", "json", "--quiet", str(tmp_path / "out"))
    assert (result.exit_code, result.stdout) == (0, "")


def test_missing_source_is_one_line_error(tmp_path: Path) -> None:
    """An unreadable --source exits 2 with one line on stderr and no traceback."""
    missing = tmp_path / "nowhere"
    result = run("export", "--format", "sqlite", "--source", str(missing), str(tmp_path / "out"))
    assert result.exit_code == 2
    assert (
        result.stderr == f"Error: {missing}: no such file or directory (expected a data package)\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("fmt", "module"), [("parquet", "pyarrow"), ("xlsx", "xlsxwriter")], ids=["parquet", "xlsx"]
)
def test_missing_dependency_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, module: str
) -> None:
    """Without the export extra, the error is one line naming pip install "afpak-data[export]"."""
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    result = run("export", "--format", fmt, str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --format {fmt} needs {module}, which is not installed: "
        'pip install "afpak-data[export]"\n'
    )


def test_unknown_format_is_usage_error(tmp_path: Path) -> None:
    """An unknown --format is a click usage error (exit 2) naming the choices."""
    result = run("export", "--format", "csv", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "'json', 'parquet', 'sqlite', 'xlsx'" in result.stderr
