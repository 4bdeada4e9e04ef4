"""The data package on disk: files, keys, evidence and generated docs agree with each other.

These tests read the files with the standard library only, so they check the package itself and do
not depend on the loader or the validator they are meant to keep honest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

from afpak_data._paragraphs import split_paragraphs

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in DESCRIPTOR["resources"]}
NAMES = list(RESOURCES)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@cache
def schema(name: str) -> dict:
    return json.loads((ROOT / RESOURCES[name]["schema"]).read_text(encoding="utf-8"))


@cache
def rows(name: str) -> list[dict[str, str]]:
    text = (ROOT / RESOURCES[name]["path"]).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def evidence_rows() -> list[tuple[str, int, dict[str, str]]]:
    """Every row of every table that carries a quote, with its table and CSV line."""
    found = []
    for name in NAMES:
        fields = {f["name"] for f in schema(name)["fields"]}
        if {"source_id", "paragraph", "quote"} <= fields:
            found += [(name, line, row) for line, row in enumerate(rows(name), start=2)]
    return found


def row_id(name: str, row: dict[str, str]) -> str:
    return "/".join(row[k] for k in schema(name)["primaryKey"])


EVIDENCE = evidence_rows()
EVIDENCE_IDS = [f"{name}:{row_id(name, row)}" for name, _, row in EVIDENCE]


@pytest.mark.parametrize("name", NAMES)
def test_bytes_and_hash_match_file(name: str) -> None:
    """Each resource's declared bytes and sha256 equal the file on disk."""
    data = (ROOT / RESOURCES[name]["path"]).read_bytes()
    declared = (RESOURCES[name]["bytes"], RESOURCES[name]["hash"])
    disk = (len(data), "sha256:" + hashlib.sha256(data).hexdigest())
    assert declared == disk, f"declared={declared} disk={disk}"


@pytest.mark.parametrize("name", NAMES)
def test_csv_is_utf8_lf_without_bom_and_header_matches_schema(name: str) -> None:
    """CSVs are UTF-8 without BOM, LF-only, with exactly the schema's fields as header."""
    data = (ROOT / RESOURCES[name]["path"]).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data
    assert data.endswith(b"\n")
    header = next(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert header == [f["name"] for f in schema(name)["fields"]]


@pytest.mark.parametrize("name", NAMES)
def test_no_cell_would_run_as_a_spreadsheet_formula(name: str) -> None:
    """No cell starts with a character a spreadsheet would execute, or has stray whitespace."""
    for line, row in enumerate(rows(name), start=2):
        for column, value in row.items():
            assert not value.startswith(FORMULA_START), f"{name}:{line} {column}={value!r}"
            assert value == value.strip(), f"{name}:{line} {column}: surrounding whitespace"


@pytest.mark.parametrize("name", NAMES)
def test_primary_key_is_unique_and_complete(name: str) -> None:
    """Primary keys are filled in and unique."""
    keys = [row_id(name, row) for row in rows(name)]
    assert all(keys), f"{name}: empty key part"
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates, f"{name}: duplicate keys {sorted(duplicates)}"


@pytest.mark.parametrize("name", NAMES)
def test_every_foreign_key_resolves(name: str) -> None:
    """Every foreign key, self-references included, points at an existing row."""
    for fk in schema(name).get("foreignKeys", []):
        target = fk["reference"].get("resource") or name
        existing = {tuple(r[f] for f in fk["reference"]["fields"]) for r in rows(target)}
        for line, row in enumerate(rows(name), start=2):
            value = tuple(row[f] for f in fk["fields"])
            if all(value):
                assert value in existing, f"{name}:{line}: {fk['fields']}={value} not in {target}"


def test_polymorphic_references_resolve_by_prefix() -> None:
    """evidence.record_id names a record of the table its prefix belongs to."""
    prefix_to_table = {}
    for name in NAMES:
        key = schema(name)["primaryKey"]
        pattern = next(f for f in schema(name)["fields"] if f["name"] == key[0])["constraints"]
        match = re.match(r"\^(\w+)-", pattern.get("pattern", ""))
        if len(key) == 1 and match:
            prefix_to_table[match.group(1)] = (name, key[0])
    for name in NAMES:
        for ref in schema(name).get("x-polymorphicReferences", []):
            (field,) = ref["fields"]
            for line, row in enumerate(rows(name), start=2):
                table, key = prefix_to_table[row[field].split("-", 1)[0]]
                assert table in ref["resources"], f"{name}:{line}: {row[field]} -> {table}"
                assert row[field] in {r[key] for r in rows(table)}, f"{name}:{line}: {row[field]}"


@pytest.mark.parametrize("name", NAMES)
def test_enum_values_and_cross_field_rules_hold(name: str) -> None:
    """Categorical cells use their vocabulary; paired / ordered / date-precision rules hold."""
    enums = {
        f["name"]: f["constraints"]["enum"]
        for f in schema(name)["fields"]
        if "enum" in f["constraints"]
    }
    for line, row in enumerate(rows(name), start=2):
        for column, allowed in enums.items():
            assert row[column] == "" or row[column] in allowed, f"{name}:{line} {column}"
        for rule in schema(name).get("x-rules", []):
            a, b = (row[f] for f in rule["fields"])
            if rule["kind"] == "paired":
                assert bool(a) == bool(b), f"{name}:{line}: {rule['description']}"
            elif rule["kind"] == "ordered":
                assert not (a and b) or int(a) <= int(b), f"{name}:{line}: {rule['description']}"
            elif rule["kind"] in ("unknown_when_empty", "empty_when"):
                value = rule.get("value", "unknown")
                assert (a == "") == (b == value), f"{name}:{line}: {rule['description']}"
            else:
                pytest.fail(f"unknown rule kind {rule['kind']!r}")


def test_every_vocabulary_value_is_defined_in_the_codebook() -> None:
    """Each enum value in the schemas appears, with a definition, in docs/codebook.md."""
    codebook = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    vocabularies = tomllib.loads((ROOT / "metadata" / "vocabularies.toml").read_text("utf-8"))
    for name in NAMES:
        for field in schema(name)["fields"]:
            if "enum" not in field["constraints"]:
                continue
            voc = vocabularies[field["x-vocabulary"]]["values"]
            assert field["constraints"]["enum"] == list(voc)
            for value in field["constraints"]["enum"]:
                assert f"| `{value}` | {voc[value]}" in codebook.replace("\\|", "|"), value


def test_generated_files_are_up_to_date() -> None:
    """datapackage.json, schemas, codebook and CITATION.cff equal what metadata/ generates."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_datapackage.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("name", "line", "row"), EVIDENCE, ids=EVIDENCE_IDS)
def test_quote_is_short(name: str, line: int, row: dict[str, str]) -> None:
    """Quotes are at most 40 words: evidence, not a copy of the source."""
    assert len(row["quote"].split()) <= 40, f"{name}:{line}"


@pytest.mark.parametrize(("name", "line", "row"), EVIDENCE, ids=EVIDENCE_IDS)
def test_quote_occurs_verbatim_in_its_paragraph(
    source_text: str, name: str, line: int, row: dict[str, str]
) -> None:
    """Each quote is an exact substring of the paragraph its row names."""
    paragraphs = split_paragraphs(source_text)
    number = int(row["paragraph"])
    assert 1 <= number <= len(paragraphs), f"{name}:{line}: no paragraph {number}"
    assert row["quote"] in paragraphs[number - 1], f"{name}:{line}: quote not in paragraph {number}"


@pytest.mark.parametrize("column", ["salience_signal", "timing_as_stated"])
def test_verbatim_phrases_occur_in_their_paragraph(source_text: str, column: str) -> None:
    """Signal words and timing phrases are the source's own words, from the row's paragraph."""
    paragraphs = split_paragraphs(source_text)
    checked = 0
    for name in NAMES:
        for line, row in enumerate(rows(name), start=2):
            if row.get(column):
                checked += 1
                assert row[column] in paragraphs[int(row["paragraph"]) - 1], f"{name}:{line}"
    assert checked > 0


def test_actor_names_occur_where_stated(source_text: str) -> None:
    """Every name in actor_names is written, as given, in the paragraph it cites."""
    paragraphs = split_paragraphs(source_text)
    for line, row in enumerate(rows("actor_names"), start=2):
        assert row["name"] in paragraphs[int(row["paragraph"]) - 1], f"actor_names:{line}"


def test_sources_row_describes_the_received_file(sources_dir: Path) -> None:
    """The source's sha256 and paragraph count are those of the file in ../shared/sources."""
    for row in rows("sources"):
        data = (sources_dir / row["file_name"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert int(row["paragraph_count"]) == len(split_paragraphs(data.decode("utf-8")))


def test_unknowns_stay_empty() -> None:
    """What the note does not state (author, publisher, any date) is empty, never guessed."""
    for row in rows("sources"):
        assert (row["author"], row["publisher"], row["publication_date"]) == ("", "", "")
        assert row["publication_date_precision"] == "unknown"
    assert {row["date"] for row in rows("agreements")} == {""}


def test_version_is_semver_and_matches_metadata() -> None:
    """The descriptor's version is MAJOR.MINOR.PATCH and comes from metadata/package.toml."""
    package = tomllib.loads((ROOT / "metadata" / "package.toml").read_text("utf-8"))
    assert re.fullmatch(r"\d+\.\d+\.\d+", DESCRIPTOR["version"])
    assert DESCRIPTOR["version"] == package["version"]


def coverage_checklist() -> list[dict[str, str]]:
    path = ROOT / "tests" / "golden" / "coverage.csv"
    return list(csv.DictReader(path.open(encoding="utf-8", newline="")))


@pytest.mark.parametrize(
    "item", coverage_checklist(), ids=lambda item: f"p{item['paragraph']}:{item['record_id']}"
)
def test_every_item_the_note_names_is_coded_in_the_right_table(
    source_text: str, item: dict[str, str]
) -> None:
    """The hand-made checklist of the note's items: each is in the note and quoted by its record.

    The checklist (tests/golden/coverage.csv) was built by reading the note paragraph by paragraph,
    independently of the data rows; a record "covers" an item when its own quote or one of its
    evidence rows quotes the item's phrase from that paragraph (case-insensitively).
    """
    paragraph = int(item["paragraph"])
    assert item["phrase"] in split_paragraphs(source_text)[paragraph - 1], "phrase not in the note"
    key = schema(item["table"])["primaryKey"][0]
    record = next((r for r in rows(item["table"]) if r[key] == item["record_id"]), None)
    assert record is not None, f"{item['record_id']} missing from {item['table']}"
    quotes = [(int(record["paragraph"]), record["quote"])]
    quotes += [
        (int(e["paragraph"]), e["quote"])
        for e in rows("evidence")
        if e["record_id"] == item["record_id"]
    ]
    phrase = item["phrase"].lower()
    assert any(p == paragraph and phrase in q.lower() for p, q in quotes), (
        f"{item['record_id']} does not quote {item['phrase']!r} from paragraph {paragraph}"
    )


def test_checklist_covers_every_coded_record() -> None:
    """Nothing is coded that the checklist of the note's items does not name."""
    listed = {item["record_id"] for item in coverage_checklist()}
    for name in ("agreements", "drivers", "motivations", "risks"):
        key = schema(name)["primaryKey"][0]
        extra = {r[key] for r in rows(name)} - listed
        assert not extra, f"{name}: records not in the checklist: {sorted(extra)}"
