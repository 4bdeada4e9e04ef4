"""The public loading API: sources, table names, errors that say where and what."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from _packages import (
    ACTORS,
    ACTORS_CSV,
    AGREEMENTS,
    AGREEMENTS_CSV,
    TABLES,
    replace_csv,
    write_package,
)

import afpak_data
from afpak_data import DataError, PackageError, UnknownTableError
from afpak_data._model.resources import PackageNotFoundError


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A small package with every field type, enums and keys of every kind."""
    return write_package(tmp_path / "mini")


def test_all_is_sorted_and_complete() -> None:
    """``__all__`` is sorted and names only attributes that exist."""
    assert afpak_data.__all__ == sorted(afpak_data.__all__)
    assert all(hasattr(afpak_data, name) for name in afpak_data.__all__)


@pytest.mark.parametrize("name", list(TABLES))
def test_load_returns_schema_columns_and_all_rows(mini: Path, name: str) -> None:
    """A loaded table has the schema's fields as columns, in order, and one row per CSV record."""
    schema, text = TABLES[name]
    frame = afpak_data.load(name, source=mini)
    assert list(frame.columns) == [f["name"] for f in schema["fields"]]
    assert len(frame) == text.count("\n") - 1


@pytest.mark.parametrize(
    "as_source",
    [
        pytest.param(lambda root: root, id="directory-path"),
        pytest.param(lambda root: str(root), id="directory-str"),
        pytest.param(lambda root: root / "datapackage.json", id="descriptor-path"),
        pytest.param(lambda root: str(root / "datapackage.json"), id="descriptor-str"),
    ],
)
def test_every_local_source_form_loads_the_same_table(mini: Path, as_source) -> None:
    """A directory or a descriptor path, as str or Path, designates the same package."""
    expected = afpak_data.load("agreements", source=mini)
    pd.testing.assert_frame_equal(afpak_data.load("agreements", source=as_source(mini)), expected)


def test_inline_schemas_load_like_schema_files(tmp_path: Path) -> None:
    """A resource may carry its schema inline instead of as a path."""
    inline = write_package(tmp_path / "inline", inline_schema=True)
    files = write_package(tmp_path / "files")
    pd.testing.assert_frame_equal(
        afpak_data.load("actors", source=inline), afpak_data.load("actors", source=files)
    )


def test_na_and_null_strings_stay_text(mini: Path) -> None:
    """Only an empty cell is missing: 'NA' and 'null' are names, not missing values."""
    actors = afpak_data.load("actors", source=mini)
    assert list(actors["name"]) == ["Pakistan", "NA", "null"]
    assert actors["part_of"].isna().tolist() == [True, False, True]


def test_tables_and_metadata_follow_the_descriptor(mini: Path) -> None:
    """``tables`` lists resources in descriptor order; ``metadata`` is the parsed descriptor."""
    descriptor = json.loads((mini / "datapackage.json").read_text(encoding="utf-8"))
    assert afpak_data.tables(mini) == [r["name"] for r in descriptor["resources"]]
    assert afpak_data.metadata(mini) == descriptor


def test_load_all_returns_every_table_in_order(mini: Path) -> None:
    """``load_all`` is keyed by table name, in descriptor order."""
    frames = afpak_data.load_all(mini)
    assert list(frames) == afpak_data.tables(mini)
    assert all(isinstance(f, pd.DataFrame) for f in frames.values())


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda src: afpak_data.load("treaties", source=src), id="load"),
        pytest.param(lambda src: afpak_data.pandera_schema("treaties", source=src), id="pandera"),
    ],
)
def test_unknown_table_lists_the_tables(mini: Path, call) -> None:
    """An unknown name raises an error (KeyError and ValueError) that lists the tables."""
    with pytest.raises(UnknownTableError) as info:
        call(mini)
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert "'treaties'" in str(info.value)
    assert "actors, agreements, agreement_actors, evidence" in str(info.value)


@pytest.mark.parametrize(
    ("column", "cell", "check", "expected"),
    [
        ("status", "signd", "enum", "'signd' is not one of signed, pledged"),
        ("status", "Signed", "enum", "'Signed' is not one of signed, pledged"),
        ("parties", "1.5", "type", "'1.5' is not an integer"),
        ("parties", "three", "type", "'three' is not an integer"),
        ("value_musd", "1.5.0", "type", "'1.5.0' is not a number"),
        ("binding", "yes", "type", "'yes' is not one of true, True, TRUE, 1, false"),
        ("date", "2025-13-01", "type", "'2025-13-01' is not a date (YYYY-MM-DD)"),
        ("date", "2025-7-17", "type", "'2025-7-17' is not a date (YYYY-MM-DD)"),
        ("date", "17/07/2025", "type", "'17/07/2025' is not a date (YYYY-MM-DD)"),
        ("year", "MMXXV", "type", "'MMXXV' is not a year (YYYY)"),
        ("year", "+2025", "type", "'+2025' is not a year (YYYY)"),
        ("parties", "9" * 19, "type", f"'{'9' * 19}' is not an integer from -2**63 to 2**63-1"),
        ("date", "1677-09-21", "type", "'1677-09-21' is not a date from 1677-09-22 to 2262-04-11"),
    ],
)
def test_a_bad_value_is_refused_with_its_location(
    mini: Path, column: str, cell: str, check: str, expected: str
) -> None:
    """A value that does not fit its type or vocabulary raises DataError at path:line, column."""
    header = AGREEMENTS_CSV.splitlines()[0].split(",")
    row = ["agr-bad", "Bad", "2025-01-01", "day", "signed", "true", "2", "1.0", "2025"]
    row[header.index(column)] = cell
    replace_csv(mini, "agreements", AGREEMENTS_CSV + ",".join(row) + "\n")
    with pytest.raises(DataError) as info:
        afpak_data.load("agreements", source=mini)
    error = info.value
    assert (error.path, error.line, error.column, error.check) == (
        "data/agreements.csv",
        4,
        column,
        check,
    )
    assert str(error).startswith(f"data/agreements.csv:4: column '{column}': {expected}")


def test_several_bad_values_name_the_first_and_the_next_lines(mini: Path) -> None:
    """The error points at the first bad line and lists the following ones."""
    bad = "".join(f"agr-b{i},B,,unknown,nope{i},,,,\n" for i in range(5))
    replace_csv(mini, "agreements", AGREEMENTS_CSV + bad)
    with pytest.raises(DataError) as info:
        afpak_data.load("agreements", source=mini)
    assert str(info.value) == (
        "data/agreements.csv:4: column 'status': 'nope0' is not one of signed, pledged "
        "(expected one of the field's enum) (also line 5: 'nope1'; line 6: 'nope2'; "
        "line 7: 'nope3' and 1 more)"
    )


@pytest.mark.parametrize(
    ("header", "check", "message"),
    [
        ("actor_id,name,kind", "missing-column", "column 'part_of': the header has no column"),
        ("actor_id,name,kind,part_of,extra", "extra-column", "column 5 'extra' is not a field"),
        ("name,actor_id,kind,part_of", "column-order", "columns are name, actor_id, kind"),
    ],
)
def test_header_must_match_the_schema(mini: Path, header: str, check: str, message: str) -> None:
    """A header with missing, extra or reordered columns is refused on line 1, in the words of
    ``afpak-data validate`` (the loader reads the CSV with the validator's reader)."""
    replace_csv(mini, "actors", header + "\n")
    with pytest.raises(DataError, match=rf"^data/actors\.csv:1:.*{message}") as info:
        afpak_data.load("actors", source=mini)
    assert info.value.check == check


@pytest.mark.parametrize(
    ("text", "check", "line"),
    [
        (ACTORS_CSV + "act-y,Y,group,,extra\n", "extra-cells", 5),
        (ACTORS_CSV + 'act-y,"Y\nZ",group\n', "missing-cells", 5),
        ("", "file-empty", None),
    ],
    ids=["extra-cells", "missing-cells", "empty"],
)
def test_a_row_that_does_not_line_up_is_refused_at_its_line(
    mini: Path, text: str, check: str, line: int | None
) -> None:
    """A row with too many or too few cells is named by its editor line, as validate names it."""
    replace_csv(mini, "actors", text)
    with pytest.raises(DataError) as info:
        afpak_data.load("actors", source=mini)
    assert (info.value.check, info.value.line) == (check, line)


def test_blank_rows_are_not_records(mini: Path) -> None:
    """A row of empty cells (a spreadsheet's) or an empty line loads as no row at all."""
    replace_csv(mini, "actors", ACTORS_CSV.replace("act-x", "\n,,,\nact-x") + ",,,\n")
    frame = afpak_data.load("actors", source=mini)
    assert frame["actor_id"].tolist() == ["act-pak", "act-isi", "act-x"]


@pytest.mark.parametrize("path", ["../outside.csv", "/etc/passwd", "data\\actors.csv", "c:x.csv"])
def test_resource_paths_outside_the_package_are_refused(mini: Path, path: str) -> None:
    """A resource path that could leave the package is refused before anything is opened."""
    descriptor = json.loads((mini / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["path"] = path
    (mini / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    refused = r"resource paths (must stay inside|must be relative to) the package|uses backslashes"
    with pytest.raises(PackageError, match=refused):
        afpak_data.load("actors", source=mini)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"datapackage\.json:1: not valid JSON"),
        ("[]", r"datapackage\.json:1: not a JSON object"),
        ('{"resources": {}}', "'resources' is missing or not a non-empty list"),
    ],
)
def test_broken_descriptor_is_a_package_error(mini: Path, content: str, message: str) -> None:
    """A descriptor that is not a usable JSON object raises PackageError naming the file."""
    (mini / "datapackage.json").write_text(content, encoding="utf-8")
    with pytest.raises(PackageError, match=message):
        afpak_data.tables(mini)


@pytest.mark.parametrize("where", ["missing-dir", "empty-dir"])
def test_missing_package_is_file_not_found(tmp_path: Path, where: str) -> None:
    """A path without a package raises FileNotFoundError (PackageNotFoundError) naming it."""
    target = tmp_path / where
    if where == "empty-dir":
        target.mkdir()
    with pytest.raises(PackageNotFoundError, match=where):
        afpak_data.load("actors", source=target)


def test_missing_csv_is_a_data_error(mini: Path) -> None:
    """A resource whose file is absent raises DataError naming the resource path."""
    (mini / "data" / "actors.csv").unlink()
    with pytest.raises(DataError, match=r"^data/actors\.csv: file not found"):
        afpak_data.load("actors", source=mini)


def test_url_source_is_fetched_through_remote(monkeypatch, mini: Path) -> None:
    """A URL source asks ``_remote.fetch`` for the table and loads the directory it returns."""
    calls = []

    def fetch(base_url: str, resources: list[str]) -> Path:
        calls.append((base_url, list(resources)))
        return mini

    monkeypatch.setitem(sys.modules, "afpak_data._model.remote", types.SimpleNamespace(fetch=fetch))
    url = "https://example.org/afpak-data/v1.0.0/"
    frame = afpak_data.load("actors", source=url)
    assert calls == [(url, ["actors"])]
    pd.testing.assert_frame_equal(frame, afpak_data.load("actors", source=mini))
    calls.clear()
    assert list(afpak_data.load_all(source=url)) == afpak_data.tables(mini)
    assert calls == [(url, []), (url, afpak_data.tables(mini))]


def test_schema_properties_are_read_into_fields(mini: Path) -> None:
    """Constraints and custom properties of the Table Schema reach the Field objects."""
    from afpak_data._model.descriptor import read_package

    package = read_package(mini)
    actors = package.resource("actors").schema
    assert actors.primary_key == ("actor_id",)
    assert actors.field("kind").enum == tuple(ACTORS["fields"][2]["constraints"]["enum"])
    assert actors.field("kind").vocabulary == "kind"
    assert actors.foreign_keys[0].resource is None
    agreements = package.resource("agreements").schema
    assert [r.kind for r in agreements.rules] == [r["kind"] for r in AGREEMENTS["x-rules"]]
    evidence = package.resource("evidence").schema
    assert evidence.field("quote").max_words == 5
    assert evidence.polymorphic_references[0].resources == ("agreements", "actors")


# --- the bundled package -------------------------------------------------------------------


def test_bundled_package_loads_every_table() -> None:
    """Every table of the bundled package loads, with one row per CSV record."""
    import csv

    from afpak_data._model.descriptor import read_package

    package = read_package()
    assert package.names, "the bundled descriptor lists no resources"
    frames = afpak_data.load_all()
    assert list(frames) == package.names
    for resource in package.resources:
        with resource.file.open(encoding="utf-8", newline="") as handle:
            records = sum(1 for row in csv.reader(handle) if any(row)) - 1  # the csv module's
        assert len(frames[resource.name]) == records, resource.name
