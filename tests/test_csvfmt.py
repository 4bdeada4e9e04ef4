"""The canonical CSV form: robust to readers splitting on semicolons; reached from a spreadsheet."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from afpak_data._csvfmt import CsvFormatError, canonical, render
from afpak_data.cli import cli

ROOT = Path(__file__).resolve().parent.parent
TABLES = sorted(p.stem for p in (ROOT / "data").glob("*.csv"))


def split_like_libreoffice(text: str, separators: str = ",;") -> list[list[str]]:
    """Parse CSV as LibreOffice's import does by default: ',' and ';' both separate, '"' quotes."""
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"' and text[i + 1 : i + 2] == '"':
                cell.append('"')
                i += 1
            elif char == '"':
                quoted = False
            else:
                cell.append(char)
        elif char == '"':
            quoted = True
        elif char in separators:
            row.append("".join(cell))
            cell = []
        elif char == "\n":
            row.append("".join(cell))
            rows.append(row)
            row, cell = [], []
        else:
            cell.append(char)
        i += 1
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    return rows


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("table", TABLES)
def test_every_csv_parses_to_the_same_cells_with_semicolon_as_extra_separator(table: str) -> None:
    """Each shipped CSV gives the same cells when ';' separates too (LibreOffice's default)."""
    text = (ROOT / "data" / f"{table}.csv").read_text(encoding="utf-8")
    assert split_like_libreoffice(text) == cells(text)


def test_the_check_would_fail_on_an_unquoted_semicolon() -> None:
    """The emulated import does split an unquoted cell holding ';' (so the test above can fail)."""
    text = "id,description\nx,one; two\n"
    assert split_like_libreoffice(text) != cells(text)


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(st.lists(st.tuples(texts, st.integers(0, 999).map(str)), min_size=1, max_size=5))
def test_render_is_robust_to_any_text(rows: list[tuple[str, str]]) -> None:
    """Any text cells survive both parsers unchanged (empty stays empty, CR LF and quotes too)."""
    body = [[t.replace("\r", ""), n] for t, n in rows]
    text = render(["description", "paragraph"], body, {"description"})
    assert cells(text)[1:] == body
    assert split_like_libreoffice(text)[1:] == body


REORDERED = 'quote,record_id,paragraph\n"it\u2019s one; two",agr-a,3\n"say ""x""",agr-b,\n'
FIELDS = [("record_id", "string"), ("paragraph", "integer"), ("quote", "string")]
CANONICAL = '''record_id,paragraph,quote
"agr-a",3,"it\u2019s one; two"
"agr-b",,"say ""x"""
'''


@pytest.mark.parametrize(
    "saved",
    [
        pytest.param(CANONICAL.encode(), id="already-canonical"),
        pytest.param(b"\xef\xbb\xbf" + CANONICAL.encode(), id="bom"),
        pytest.param(CANONICAL.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(
            'record_id,paragraph,quote\nagr-a,3,it\u2019s one; two\nagr-b,,"say ""x"""\n'.encode(),
            id="minimal-quoting",
        ),
        pytest.param(REORDERED.encode(), id="columns-reordered"),
        pytest.param((CANONICAL + ",,\n,,\n").encode(), id="trailing-empty-rows"),
        pytest.param(CANONICAL.rstrip("\n").encode(), id="no-final-newline"),
    ],
)
def test_a_spreadsheet_save_comes_back_to_the_canonical_bytes(saved: bytes) -> None:
    """BOM, CRLF, other quoting, column order and empty rows are undone; values are kept."""
    assert canonical(saved, FIELDS, "data/t.csv") == CANONICAL


@pytest.mark.parametrize(
    ("saved", "message"),
    [
        (
            "record_id,paragraph,quote\nagr-a,3,it\u2019s\n".encode().replace(
                b"\xe2\x80\x99", b"\x92"
            ),
            "data/t.csv:2: byte 0x92 at offset 36 is not valid UTF-8 (save the file as UTF-8)",
        ),
        (
            b"record_id,quote\nagr-a,x\n",
            "data/t.csv:1: the columns ['record_id', 'quote'] are not the schema's "
            "['record_id', 'paragraph', 'quote'] (expected the same names, in any order; "
            "run afpak-data validate)",
        ),
        (
            b'record_id,paragraph,quote\n"agr-a",3,"x\ny"\nagr-b,4\n',
            "data/t.csv:4: 2 cells where the header has 3 (expected one cell per column; "
            "run afpak-data validate)",
        ),
        (b"", "data/t.csv:1: the file is empty (expected a header row)"),
    ],
    ids=["windows-1252", "missing-column", "short-row-after-multiline-cell", "empty"],
)
def test_what_cannot_be_formatted_safely_is_refused_with_its_line(
    saved: bytes, message: str
) -> None:
    """Not UTF-8, other columns, ragged rows: a located message, nothing guessed."""
    with pytest.raises(CsvFormatError) as caught:
        canonical(saved, FIELDS, "data/t.csv")
    assert str(caught.value) == message


def _copy_package(tmp_path: Path) -> Path:
    for name in ("datapackage.json",):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    for folder in ("data", "schemas"):
        (tmp_path / folder).mkdir()
        for file in (ROOT / folder).iterdir():
            (tmp_path / folder / file.name).write_bytes(file.read_bytes())
    return tmp_path


def test_fmt_rewrites_a_spreadsheet_save_and_check_then_passes(tmp_path: Path) -> None:
    """`fmt --check` names the file, exits 1; `fmt` restores the shipped bytes exactly."""
    package = _copy_package(tmp_path)
    target = package / "data" / "agreements.csv"
    original = target.read_bytes()
    rows = cells(original.decode())
    spreadsheet = io.StringIO(newline="")
    csv.writer(spreadsheet, lineterminator="\r\n").writerows(rows)
    target.write_bytes(b"\xef\xbb\xbf" + spreadsheet.getvalue().encode())
    runner = CliRunner()
    checked = runner.invoke(cli, ["fmt", "--check", str(package)])
    assert checked.exit_code == 1
    assert checked.output.endswith(
        "agreements.csv: not in the canonical form (run afpak-data fmt)\n"
    )
    assert runner.invoke(cli, ["fmt", str(package)]).exit_code == 0
    assert target.read_bytes() == original
    assert runner.invoke(cli, ["fmt", "--check", str(package)]).exit_code == 0


def test_fmt_writes_nothing_when_a_file_is_not_utf8(tmp_path: Path) -> None:
    """A Windows-1252 file is named with its line; no other CSV is rewritten either."""
    package = _copy_package(tmp_path)
    bad = package / "data" / "actors.csv"
    bad.write_bytes(bad.read_bytes().replace("\u2019".encode(), b"\x92"))
    other = package / "data" / "risks.csv"
    other.write_bytes(other.read_bytes().replace(b"\n", b"\r\n"))
    before = other.read_bytes()
    result = CliRunner().invoke(cli, ["fmt", str(package)])
    assert result.exit_code == 1
    assert "is not valid UTF-8 (save the file as UTF-8)" in result.output
    assert other.read_bytes() == before


def test_build_script_refuses_a_windows_1252_csv_and_writes_nothing(tmp_path: Path) -> None:
    """The build script gives the validator's located message, exits non-zero, writes nothing."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for folder in ("metadata", "data", "schemas", "docs"):
        subprocess.run(["cp", "-r", str(ROOT / folder), str(repo / folder)], check=True)
    for name in ("datapackage.json", "README.md", "CITATION.cff"):
        (repo / name).write_bytes((ROOT / name).read_bytes())
    bad = repo / "data" / "actors.csv"
    bad.write_bytes(bad.read_bytes().replace("\u2019".encode(), b"\x92"))
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_datapackage.py"), "--root", str(repo)],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "data/actors.csv:" in result.stderr
    assert "is not valid UTF-8 (save the file as UTF-8)" in result.stderr
    after = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    assert after == before
