"""The validate command: formats, exit codes, which package it checks, that it writes nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from afpak_data._validate.cli import validate
from afpak_data._validate.problems import CHECKS
from validate.corpus import CSVS, csv_with, write_package, write_sources

GOLDEN = Path(__file__).parent / "golden"


def broken_package(root: Path) -> Path:
    """A package with several problems in two files (the golden outputs' input)."""
    csvs = csv_with("agreements", "study,signed,", "study,signd,")
    text = csvs["actors"].decode().replace(",Pakistan,", ", Pakistan,").replace("5000", "5k")
    csvs["actors"] = text.encode()
    return write_package(root, csvs)


def run(args: list[str], cwd: Path) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(validate, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


@pytest.mark.parametrize("fmt", ["text", "json", "github"], ids=["text", "json", "github"])
def test_output_matches_golden(fmt: str, tmp_path: Path) -> None:
    """Each format's whole output for a broken package equals its golden file (exit 1)."""
    broken_package(tmp_path / "pkg")
    code, output = run(["pkg", "--format", fmt], tmp_path)
    output = output.replace(str(tmp_path.resolve()), "<tmp>")
    golden = GOLDEN / f"broken.{ {'text': 'txt', 'json': 'json', 'github': 'github.txt'}[fmt] }"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(output, encoding="utf-8")
    assert (code, output) == (1, golden.read_text(encoding="utf-8"))


def test_json_records_have_the_six_fields(tmp_path: Path) -> None:
    """--format json gives (file, line, record_id, column, check, message) records."""
    broken_package(tmp_path / "pkg")
    _, output = run(["pkg", "--format", "json"], tmp_path)
    records = json.loads(output)["problems"]
    assert records and all(
        set(r) == {"file", "line", "record_id", "column", "check", "message"} for r in records
    )
    assert {
        "file": "data/agreements.csv",
        "line": 2,
        "record_id": "agr-railway",
        "column": "status",
        "check": "enum",
    }.items() <= records[-1].items()


def test_valid_package_exits_0_and_names_it(tmp_path: Path) -> None:
    """A valid package exits 0; the first line says which package, the last says VALID."""
    write_package(tmp_path / "pkg")
    code, output = run(["pkg", "--sources-dir", str(write_sources(tmp_path / "s"))], tmp_path)
    lines = output.splitlines()
    assert code == 0
    assert (
        lines[0] == f"Checking {(tmp_path / 'pkg' / 'datapackage.json').resolve()} (the given path)"
    )
    assert lines[-1].startswith("VALID: ")


def test_without_path_uses_local_descriptor(tmp_path: Path) -> None:
    """Without PATH, ./datapackage.json is checked and the output says so."""
    write_package(tmp_path)
    code, output = run([], tmp_path)
    assert code == 0
    assert "(the datapackage.json in the current directory)" in output.splitlines()[0]


def test_without_path_or_local_descriptor_uses_bundled(tmp_path: Path) -> None:
    """Without PATH or ./datapackage.json, the bundled package is checked (and is valid)."""
    code, output = run([], tmp_path)
    assert "(the package bundled with afpak-data)" in output.splitlines()[0]
    assert code == 0, output


@pytest.mark.parametrize(
    "args",
    [["does-not-exist"], ["--format", "xml"], ["--sources-dir", "nowhere"]],
    ids=["missing-path", "bad-format", "missing-sources-dir"],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    """A PATH or option that cannot be used exits 2."""
    assert run(args, tmp_path)[0] == 2


def test_unreadable_descriptor_exits_2(tmp_path: Path) -> None:
    """A descriptor that is not JSON exits 2 with a located message."""
    (tmp_path / "datapackage.json").write_text("{ not json", encoding="utf-8")
    code, output = run([], tmp_path)
    assert code == 2
    assert "datapackage.json:1: not valid JSON" in output


def test_list_checks_names_every_check(tmp_path: Path) -> None:
    """--list-checks prints every check of the vocabulary with its meaning."""
    code, output = run(["--list-checks"], tmp_path)
    assert code == 0
    assert [line.split()[0] for line in output.splitlines()] == list(CHECKS)


def test_contributing_documents_every_check() -> None:
    """CONTRIBUTING.md lists every check name (the vocabulary is documented)."""
    text = (Path(__file__).parents[2] / "CONTRIBUTING.md").read_text(encoding="utf-8")
    missing = [name for name in CHECKS if f"`{name}`" not in text]
    assert missing == []


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_validation_never_writes(tmp_path: Path) -> None:
    """Validating (all formats, with sources) leaves every byte and mtime of the package as is."""
    descriptor = broken_package(tmp_path / "pkg")
    sources = write_sources(tmp_path / "s")
    before = _snapshot(tmp_path)
    for fmt in ("text", "json", "github"):
        run([str(descriptor), "--format", fmt, "--sources-dir", str(sources)], tmp_path)
    assert _snapshot(tmp_path) == before


def test_frozen_package_is_readable(tmp_path: Path) -> None:
    """A read-only package validates: files are only opened for reading."""
    descriptor = write_package(tmp_path / "pkg", csv_with("actors", "5000", "50"))
    paths = [*tmp_path.rglob("*")]
    for p in paths:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        assert run([str(descriptor)], tmp_path)[0] == 0
    finally:
        for p in paths:
            p.chmod(0o755 if p.is_dir() else 0o644)
    assert CSVS  # the corpus module stays importable


def test_validation_never_imports_pandas(tmp_path: Path) -> None:
    """Validating a package (valid or not) leaves pandas unimported: its import alone is slow."""
    import subprocess
    import sys

    good = write_package(tmp_path / "good")
    bad = broken_package(tmp_path / "bad")
    probe = (
        "import sys\nfrom pathlib import Path\n"
        "from afpak_data._validate import validate_package\n"
        f"for d in ({str(good)!r}, {str(bad)!r}):\n"
        "    validate_package(Path(d))\n"
        "print('pandas' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
