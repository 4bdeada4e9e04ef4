"""``afpak-data diff``: records by key, schema changes, three formats (golden), unreadable input."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from _release_fixtures import (
    add_table,
    copy_package,
    edit_csv,
    edit_schema,
    field,
    make_package,
    remove_table,
    schema_field,
    set_csv,
)
from click.testing import CliRunner

from afpak_data._release.diff import DiffInputError, diff_paths, sort_key
from afpak_data._release.render import MARKDOWN_ROW_LIMIT, render
from afpak_data.cli import cli

GOLDEN = Path(__file__).parent / "golden" / "diff"
EXTENSIONS = {"text": "txt", "markdown": "md", "json": "json"}
#: Set AFPAK_UPDATE_GOLDEN=1 to rewrite the golden files from the current output (then review).
UPDATE = os.environ.get("AFPAK_UPDATE_GOLDEN") == "1"

DRIVERS = {
    "fields": [field("driver_id", required=True), field("title", required=True)],
    "primaryKey": ["driver_id"],
    "missingValues": [""],
}
RISKS = {
    "fields": [field("risk_id", required=True), field("title", required=True)],
    "primaryKey": ["risk_id"],
    "missingValues": [""],
}


def release_pair(tmp: Path) -> tuple[Path, Path]:
    """OLD 1.0.0 and NEW 2.0.0 differing in every way the diff reports."""
    old = make_package(tmp / "old")
    add_table(old, "drivers", DRIVERS, "driver_id,title\ndrv-security,Security worries\n")
    new = copy_package(old, tmp / "new", "2.0.0")
    remove_table(new, "drivers")
    add_table(new, "risks", RISKS, "risk_id,title\nrsk-ttp,TTP attacks\nrsk-border,Border\n")

    def agreements_schema(schema: dict) -> None:
        schema["fields"].append(field("notes"))
        status = schema_field(schema, "status")
        status["constraints"]["enum"] = ["signed", "announced"]
        schema_field(schema, "parties")["type"] = "number"
        schema_field(schema, "title")["constraints"]["maxLength"] = 80

    edit_schema(new, "agreements", agreements_schema)
    set_csv(
        new,
        "agreements",
        "agreement_id,title,date,status,parties,notes\n"
        'agr-port,Port access | transit <draft>,,announced,,"first line\nsecond line"\n'
        "agr-rail,Railway feasibility study,2025-07-17,signed,3,\n"
        "agr-visit,Visit to Kabul,2025-08-02,signed,2,\n",
    )
    edit_csv(new, "agreement_actors", "agr-trade,act-pak,party\n", "agr-port,act-pak,host\n")
    edit_csv(new, "evidence", "2,agr-trade,a pledge\n", "2,agr-port,a pledge renewed\n")
    visit = "10,agr-visit,the visit\n"
    edit_csv(new, "evidence", visit, "3,agr-port,port talks\n" + visit)
    edit_csv(new, "withdrawn", "reason\n", "reason\nagr-trade,agreements,2.0.0,Duplicate.\n")
    return old, new


def same_pair(tmp: Path) -> tuple[Path, Path]:
    """Two copies of one version: no differences."""
    old = make_package(tmp / "old")
    return old, copy_package(old, tmp / "new")


PAIRS: dict[str, Callable[[Path], tuple[Path, Path]]] = {
    "release": release_pair,
    "same": same_pair,
}


@pytest.mark.parametrize("fmt", list(EXTENSIONS), ids=list(EXTENSIONS))
@pytest.mark.parametrize("pair", list(PAIRS), ids=list(PAIRS))
def test_golden_output(tmp_path: Path, pair: str, fmt: str) -> None:
    """The command's whole output for each version pair and format equals the golden file."""
    old, new = PAIRS[pair](tmp_path)
    result = CliRunner().invoke(cli, ["diff", str(old), str(new), "--format", fmt])
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"{pair}.{EXTENSIONS[fmt]}"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_json_structure(tmp_path: Path) -> None:
    """JSON names each change as (table, key, field, before, after), and each schema change."""
    old, new = release_pair(tmp_path)
    document = json.loads(render(diff_paths(old, new), "json"))
    tables = {t["name"]: t for t in document["tables"]}
    assert [t["name"] for t in document["tables"]] == [
        "agreements",
        "agreement_actors",
        "evidence",
        "withdrawn",
        "risks",
        "drivers",
    ]
    assert document["unchanged"] == ["sources"]
    changed = [
        (tuple(c["key"]), f["field"], f["before"], f["after"])
        for c in tables["agreements"]["changed"]
        for f in c["fields"]
    ]
    assert changed == [
        (("agr-rail",), "title", "Railway study", "Railway feasibility study"),
        (("agr-visit",), "date", "2025-08-01", "2025-08-02"),
    ]
    kinds = [(c["kind"], c["field"]) for c in tables["agreements"]["schema_changes"]]
    assert kinds == [
        ("field_added", "notes"),
        ("field_retyped", "parties"),
        ("enum_added", "status"),
        ("enum_removed", "status"),
        ("field_changed", "title"),
    ]
    actors = tables["agreement_actors"]
    assert [a["key"] for a in actors["added"]] == [["agr-port", "act-pak", "host"]]
    assert [r["key"] for r in actors["removed"]] == [["agr-trade", "act-pak", "party"]]
    assert (tables["risks"]["status"], len(tables["risks"]["added"])) == ("added", 2)
    assert (tables["drivers"]["status"], len(tables["drivers"]["removed"])) == ("removed", 1)


def test_cells_compared_as_text(tmp_path: Path) -> None:
    """'3' and '3.0' differ although equal as numbers: the diff compares the CSV text exactly."""
    old = make_package(tmp_path / "old")
    new = copy_package(old, tmp_path / "new")
    edit_csv(new, "agreements", "signed,3\n", "signed,3.0\n")
    table = diff_paths(old, new).tables[1]
    assert [(c.key, c.cells[0].before, c.cells[0].after) for c in table.changed] == [
        (("agr-rail",), "3", "3.0")
    ]


def test_values_in_a_new_field_are_shown(tmp_path: Path) -> None:
    """Values filled into a new column show as changes from empty; empty ones are not listed."""
    old = make_package(tmp_path / "old")
    new = copy_package(old, tmp_path / "new")
    edit_schema(new, "sources", lambda s: s["fields"].append(field("url")))
    set_csv(new, "sources", "source_id,title,url\nsrc-note,Review of Afghanistan developments,x\n")
    table = diff_paths(old, new).tables[0]
    assert [(c.key, [(x.field, x.before, x.after) for x in c.cells]) for c in table.changed] == [
        (("src-note",), [("url", "", "x")])
    ]


def test_natural_key_order() -> None:
    """Integer keys sort as numbers (2 before 10), and integer keys before text keys."""
    assert sorted([("10",), ("b",), ("2",), ("a",)], key=sort_key) == [
        ("2",),
        ("10",),
        ("a",),
        ("b",),
    ]


def test_primary_key_change_matches_by_old_key(tmp_path: Path) -> None:
    """When NEW's key does not identify OLD's rows, records are matched by OLD's key."""
    old = make_package(tmp_path / "old")
    new = copy_package(old, tmp_path / "new")
    edit_schema(new, "agreement_actors", lambda s: s.update(primaryKey=["agreement_id"]))
    edit_csv(new, "agreement_actors", "agr-rail,act-pak,party\n", "")
    table = diff_paths(old, new).tables[2]
    assert [(c.kind, c.before, c.after) for c in table.schema_changes] == [
        ("primary_key_changed", "agreement_id, actor_id, role", "agreement_id")
    ]
    assert table.key_fields == ("agreement_id", "actor_id", "role")
    assert [r.key for r in table.removed] == [("agr-rail", "act-pak", "party")]


def test_markdown_rows_are_capped(tmp_path: Path) -> None:
    """A huge change lists MARKDOWN_ROW_LIMIT rows and counts the rest, so a comment stays small."""
    old = make_package(tmp_path / "old")
    new = copy_package(old, tmp_path / "new")
    extra = "".join(f"{i},agr-rail,q{i}\n" for i in range(100, 100 + MARKDOWN_ROW_LIMIT + 5))
    edit_csv(new, "evidence", "10,agr-visit,the visit\n", "10,agr-visit,the visit\n" + extra)
    text = render(diff_paths(old, new), "markdown")
    assert "… and 5 more (run `afpak-data diff` for all)." in text
    assert text.count("| agr-rail | q1") == MARKDOWN_ROW_LIMIT


def break_missing_dir(old: Path, new: Path) -> str:
    """NEW does not exist."""
    os.rename(new, new.with_name("gone"))
    return "no such file or directory"


def break_json(old: Path, new: Path) -> str:
    """NEW's descriptor is not JSON."""
    (new / "datapackage.json").write_text("{not json", encoding="utf-8")
    return "datapackage.json:1: not valid JSON"


def break_csv(old: Path, new: Path) -> str:
    """A CSV of NEW is missing."""
    (new / "data" / "agreements.csv").unlink()
    return "agreements.csv: file not found"


def break_row(old: Path, new: Path) -> str:
    """A row of NEW has too few cells."""
    edit_csv(new, "agreements", "agr-trade,Trade pledge,,pledged,\n", "agr-trade,Trade\n")
    return "agreements.csv:3: row has 2 cells, the header has 5"


def break_duplicate(old: Path, new: Path) -> str:
    """Two rows of OLD share a key even by whole row."""
    row = "src-note,Review of Afghanistan developments\n"
    edit_csv(old, "sources", row, row + row)
    return "sources.csv:3: duplicate key"


BREAKS = {
    f.__name__.removeprefix("break_"): f
    for f in (break_missing_dir, break_json, break_csv, break_row, break_duplicate)
}


@pytest.mark.parametrize("breaker", list(BREAKS), ids=list(BREAKS))
def test_unreadable_input_exit_2(tmp_path: Path, breaker: str) -> None:
    """Unreadable input exits 2 with one located line on stderr and nothing on stdout."""
    old = make_package(tmp_path / "old")
    new = copy_package(old, tmp_path / "new")
    expected = BREAKS[breaker](old, new)
    result = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert expected in result.stderr
    with pytest.raises(DiffInputError):
        diff_paths(old, new)


@pytest.mark.parametrize("command", ["diff", "release-check", "fmt"])
def test_a_cell_of_any_size_is_read(tmp_path: Path, command: str) -> None:
    """A 200,000-character cell (over the csv module's default limit) is read by every command
    that reads a package's CSVs, as by load: diff shows the change, fmt checks the file."""
    old = make_package(tmp_path / "old")
    new = copy_package(old, tmp_path / "new", "1.0.1")
    edit_csv(new, "agreements", "Trade pledge", "Trade pledge " + "x" * 200_000)
    args = {"fmt": ["fmt", "--check", new]}.get(command, [command, old, new])
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "not a readable CSV" not in result.output and "Error" not in result.output
    if command == "fmt":  # read: only its quoting may be off the canonical form
        assert result.exit_code == 0 or "not in the canonical form" in result.output
    else:
        assert result.exit_code == 0, result.output
    if command == "diff":
        assert "1 changed" in result.output and "x" * 1000 in result.output


def test_a_blank_row_is_no_record(tmp_path: Path) -> None:
    """A row of empty cells (a spreadsheet's) in NEW is no record: no difference, as in load."""
    old = make_package(tmp_path / "old")
    new = copy_package(old, tmp_path / "new")
    text = (new / "data" / "agreements.csv").read_text(encoding="utf-8")
    width = text.splitlines()[0].count(",")
    (new / "data" / "agreements.csv").write_text(text + "," * width + "\n", encoding="utf-8")
    assert diff_paths(old, new).differing == ()
