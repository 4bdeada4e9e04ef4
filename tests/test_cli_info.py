"""The command line: group, version, lazy command table, and ``info`` (whole outputs)."""

from __future__ import annotations

import importlib
from pathlib import Path

import click
import pytest
from _packages import write_package
from click.testing import CliRunner

import afpak_data
from afpak_data.cli import COMMANDS, cli


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A small package (4 tables) without CITATION.cff."""
    return write_package(tmp_path / "mini", homepage="https://example.org/home")


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), prog_name="afpak-data")


def test_version_option() -> None:
    """``--version`` prints the distribution's version in click's usual form."""
    result = run("--version")
    assert (result.exit_code, result.output) == (
        0,
        f"afpak-data, version {afpak_data.__version__}\n",
    )


def test_info_whole_output_citing_the_descriptor(mini: Path) -> None:
    """Without CITATION.cff, info builds the citation from title, version, creators, created."""
    result = run("info", "--source", str(mini))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"afpak-data {afpak_data.__version__}\n"
        "package: Mini package\n"
        "data version: 0.1.0\n"
        f"location: {mini}\n"
        "\n"
        "tables (4, rows):\n"
        "  actors            3\n"
        "  agreements        2\n"
        "  agreement_actors  2\n"
        "  evidence          2\n"
        "\n"
        "cite as:\n"
        "  Test Team (2025). Mini package (Version 0.1.0) [Data set]. https://example.org/home\n"
    )


def test_info_counts_records_not_lines(mini: Path) -> None:
    """A quoted cell spanning two lines is one row."""
    (mini / "data" / "evidence.csv").write_text(
        'evidence_id,record_id,quote\n1,agr-rail,"two\nlines"\n', encoding="utf-8"
    )
    assert "  evidence          1\n" in run("info", "--source", str(mini)).stdout


def _invalid_json(root: Path) -> Path:
    root.joinpath("datapackage.json").write_text("{oops", encoding="utf-8")
    return root


def _missing_csv(root: Path) -> Path:
    write_package(root)
    (root / "data" / "actors.csv").unlink()
    return root


def _huge_cell(root: Path) -> Path:
    write_package(root)
    huge = 'actor_id,name,kind,part_of\n"act-a","' + "x" * 200_000 + '",state,\n'
    (root / "data" / "actors.csv").write_text(huge, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda root: root / "nowhere", "no such file or directory"),
        (lambda root: root, "no datapackage.json in this directory"),
        (_invalid_json, "not valid JSON"),
        (_missing_csv, "actors.csv"),
    ],
    ids=["missing-path", "no-descriptor", "invalid-json", "missing-csv"],
)
def test_info_unreadable_input_exits_2_with_one_line(tmp_path: Path, setup, message: str) -> None:
    """Unreadable input: exit 2, one 'Error:' line on stderr, no traceback."""
    source = setup(tmp_path)
    result = run("info", "--source", str(source))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.output


def test_usage_error_exits_2() -> None:
    """An unknown option is a usage error (exit 2)."""
    assert run("info", "--no-such-option").exit_code == 2


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_importable_documented_and_listed(name: str) -> None:
    """Each COMMANDS entry imports, is a click command with a docstring, and appears in --help;
    every option has help text."""
    module_name, _, attribute = COMMANDS[name].partition(":")
    command = getattr(importlib.import_module(module_name), attribute)
    assert isinstance(command, click.Command)
    assert (command.help or "").strip(), f"{name} has no docstring"
    options = [p for p in command.params if isinstance(p, click.Option)]
    assert all(p.help for p in options), f"{name}: an option lacks help="
    assert f"  {name}  " in run("--help").output or f"  {name} " in run("--help").output


def test_bundled_package_info_smoke() -> None:
    """``info`` on the bundled package names every table and a citation."""
    result = run("info")
    assert result.exit_code == 0, result.output
    for table in afpak_data.tables():
        assert f"  {table} " in result.stdout
    assert "cite as:\n" in result.stdout and "[Data set]" in result.stdout


def test_info_reads_a_cell_of_any_size(tmp_path: Path) -> None:
    """A 200,000-character cell is read, as by ``load`` (``validate`` reports it as cell-size)."""
    result = run("info", "--source", str(_huge_cell(tmp_path)))
    assert result.exit_code == 0, result.stderr
    assert next(line.split() for line in result.stdout.splitlines() if "actors" in line) == [
        "actors",
        "1",
    ]


def test_info_an_unusable_csv_is_one_located_line(tmp_path: Path) -> None:
    """A CSV load would refuse (here a ragged row) is exit 2, one line, with its file and line."""
    write_package(tmp_path)
    ragged = "actor_id,name,kind,part_of\nact-a,A,state,\nact-b,B,group,,extra\n"
    (tmp_path / "data" / "actors.csv").write_text(ragged, encoding="utf-8")
    result = run("info", "--source", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert "actors.csv:3: row has 5 cells, the header has 4" in result.stderr


def test_info_counts_the_records_load_gives(tmp_path: Path) -> None:
    """A blank row (a spreadsheet's ``,,,``) is no record: info's count is load's."""
    write_package(tmp_path)
    with (tmp_path / "data" / "actors.csv").open("a", encoding="utf-8") as handle:
        handle.write(",,,\n")
    result = run("info", "--source", str(tmp_path))
    counted = next(line.split() for line in result.stdout.splitlines() if "actors" in line)
    assert (
        counted
        == ["actors", str(len(afpak_data.load("actors", source=tmp_path)))]
        == [
            "actors",
            "3",
        ]
    )
