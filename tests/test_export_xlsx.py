"""Excel export: a sheet per table with typed cells, a codebook sheet, and no formula injection."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from _packages import field, write_package

import afpak_data
from afpak_data._model.descriptor import read_package
from afpak_data._publish.export import export, rows
from afpak_data._publish.export.codebook import vocabularies
from afpak_data._publish.export.xlsx import sheet_names

pytest.importorskip("xlsxwriter", reason="the xlsx export needs xlsxwriter (afpak-data[export])")
openpyxl = pytest.importorskip("openpyxl", reason="reading the workbook back needs openpyxl")

PACKAGE = read_package()
NAMES = PACKAGE.names


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory):
    """The bundled package exported once to Excel and reopened with openpyxl."""
    (path,) = export("xlsx", tmp_path_factory.mktemp("xlsx"))
    return openpyxl.load_workbook(path)


def plain(value: object) -> object:
    """A cell value as openpyxl reads it back, made comparable with the exported value."""
    return value.date() if isinstance(value, dt.datetime) else value


def ooxml_text(value: str) -> str:
    """Undo the ``_xHHHH_`` escape OOXML uses for control characters (Excel does; openpyxl not)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), value)


def test_sheets(workbook) -> None:
    """An about sheet, one sheet per table in descriptor order, the codebook, the vocabularies."""
    assert workbook.sheetnames == ["about", *NAMES, "codebook", "vocabularies"]


def about_facts(workbook) -> dict[str, str]:
    sheet = workbook["about"]
    return {r[0]: r[1] for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] and r[1]}


def test_about_sheet_has_the_citation(workbook) -> None:
    """The about sheet has a "how to cite" line with the citation ``afpak-data info`` prints."""
    from afpak_data._publish.citation import citation

    facts = about_facts(workbook)
    assert facts["how to cite"] == citation(PACKAGE.descriptor)
    assert PACKAGE.version in facts["how to cite"]
    assert facts["licence"].startswith(PACKAGE.descriptor["licenses"][0]["name"])


def test_about_sheet_text_is_not_clipped(workbook) -> None:
    """Every text cell of the about sheet wraps in a column wide enough, on a row tall enough."""
    from afpak_data._publish.export.xlsx import ABOUT_WIDTH, LINE_HEIGHT, lines_needed

    sheet = workbook["about"]
    assert sheet.column_dimensions["B"].width >= ABOUT_WIDTH
    checked = 0
    for row in sheet.iter_rows(min_row=3, max_col=2):
        cell = row[1]
        if not isinstance(cell.value, str) or cell.font.b:  # text, not a bold header
            continue
        assert cell.alignment.wrap_text, cell.coordinate
        height = sheet.row_dimensions[cell.row].height or LINE_HEIGHT  # None: the default
        # at most ~95 characters a line in a 100-character column
        assert height >= LINE_HEIGHT * max(1, -(-len(cell.value) // 95)), cell.coordinate
        assert height == LINE_HEIGHT * lines_needed(cell.value, ABOUT_WIDTH)
        checked += 1
    assert checked >= len(NAMES) + 5


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_table_round_trip(workbook, name: str) -> None:
    """Header = field names; rows equal the loader's values, with numbers and dates typed."""
    schema = PACKAGE.resource(name).schema
    sheet = workbook[name]
    values = [[plain(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert tuple(values[0]) == schema.field_names
    expected = [list(r) for r in rows(afpak_data.load(name), schema)]
    assert values[1:] == expected, f"declared={len(expected)} xlsx={len(values) - 1}"
    for row in sheet.iter_rows(min_row=2):
        for cell, spec in zip(row, schema.fields, strict=True):
            if cell.value is None:
                continue
            kind = {"integer": "n", "year": "n", "number": "n", "date": "d", "boolean": "b"}
            assert cell.data_type == kind.get(spec.type, "s"), (spec.name, cell.coordinate)


def test_codebook_sheet_lists_every_field(workbook) -> None:
    """Every table.field appears once, required as yes/no, constraints in words not regexes."""
    sheet = workbook["codebook"]
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0] == (
        "table",
        "field",
        "type",
        "required",
        "vocabulary",
        "constraints",
        "description",
    )
    body = cells[1:]
    assert sorted((r[0], r[1]) for r in body) == sorted(
        (r.name, f.name) for r in PACKAGE.resources for f in r.schema.fields
    )
    required = {(r[0], r[1]): r[3] for r in body}
    assert set(required.values()) == {"yes", "no"}
    assert required[("agreements", "agreement_id")] == "yes"
    constraints = {(r[0], r[1]): r[5] or "" for r in body}
    assert not any("^" in text or "[a-z" in text for text in constraints.values())
    assert constraints[("agreements", "agreement_id")].startswith("an ID: agr- then")
    # the filter covers the fields only
    assert sheet.auto_filter.ref == f"A1:G{len(body) + 1}"


def test_vocabularies_sheet_defines_every_value(workbook) -> None:
    """Every vocabulary value with its definition, on its own sheet under its own filter."""
    sheet = workbook["vocabularies"]
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0] == ("vocabulary", "value", "definition")
    definitions = {(r[0], r[1]): r[2] for r in cells[1:] if r[1] is not None}
    for vocabulary in vocabularies(PACKAGE):
        for value, definition in vocabulary.values:
            assert definitions[(vocabulary.name, value)] == (definition or None)
    assert definitions[("engagement_kind", "pledge")] == "A commitment the note calls a pledge."
    assert sheet.auto_filter.ref == f"A1:C{len(cells)}"


FORMULA_TEXTS = ["=1+1", "@SUM(A1)", "+1", "-2+3", '=HYPERLINK("http://x")', "\t=1", "\r=1"]


@pytest.mark.parametrize(
    "text", FORMULA_TEXTS, ids=["eq", "at", "plus", "minus", "hyperlink", "tab", "cr"]
)
def test_formula_text_stays_text(tmp_path: Path, text: str) -> None:
    """A cell whose text starts with a formula character is a string cell with the same text."""
    schema = {
        "fields": [field("id", required=True), field("note", maxLength=100)],
        "primaryKey": ["id"],
        "missingValues": [""],
    }
    quoted = '"' + text.replace('"', '""') + '"'
    root = write_package(tmp_path / "pkg", {"notes": (schema, f"id,note\nn1,{quoted}\n")})
    (path,) = export("xlsx", tmp_path / "out", root)
    cell = openpyxl.load_workbook(path)["notes"]["B2"]
    assert (cell.data_type, ooxml_text(cell.value)) == ("s", text)


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (["a" * 40], ["a" * 31]),
        (["x" * 35, "x" * 36], ["x" * 31, "x" * 29 + "~2"]),
        (["codebook", "codebook"], ["codebook", "codebook~2"]),
    ],
    ids=["truncated", "unique-after-truncation", "table-named-codebook"],
)
def test_sheet_names(wanted: list[str], expected: list[str]) -> None:
    """Sheet names are at most 31 characters and unique (a table may be named codebook)."""
    assert sheet_names(wanted) == expected


def test_codebook_without_vocabulary_definitions_lists_values(tmp_path: Path) -> None:
    """A package whose descriptor has no x-vocabularies still lists every value, undefined."""
    root = write_package(tmp_path / "pkg")
    (kind,) = [v for v in vocabularies(read_package(root)) if v.name == "kind"]
    assert kind.values == (("state", ""), ("group", ""), ("person", ""))


def test_codebook_definitions_come_from_the_descriptor(repo_root: Path) -> None:
    """The bundled descriptor carries every vocabulary definition (the wheel has no metadata/)."""
    found = {v.name: dict(v.values) for v in vocabularies(read_package(repo_root))}
    assert found["engagement_status"]["signed"] == "The note reports that it was signed."
    assert all(definition for values in found.values() for definition in values.values())
