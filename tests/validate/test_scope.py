"""Honest scope: what the validator does not check is said (``unsupported``), and where it does
check, its verdict is frictionless-py's, one case per frictionless error type we support."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _packages import TABLES, write_package

from afpak_data._model.descriptor import CHECKED_TYPES, UNCHECKED_TYPES
from afpak_data._validate import cells, validate_package

ROOT = Path(__file__).resolve().parents[2]


def _schema(table: str, edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        file = root / "schemas" / f"{table}.schema.json"
        schema = json.loads(file.read_text(encoding="utf-8"))
        edit(schema)
        file.write_text(json.dumps(schema, indent=2), encoding="utf-8")

    return apply


def _resource(key: str, value: object) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        descriptor["resources"][0][key] = value
        (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")

    return apply


def _field(index: int, **props: object) -> Callable[[dict], None]:
    return lambda schema: schema["fields"][index].update(props)


def _constraint(index: int, **props: object) -> Callable[[dict], None]:
    return lambda schema: schema["fields"][index]["constraints"].update(props)


def _key(table: str, key: str, value: object) -> Callable[[Path], None]:
    return _schema(table, lambda schema: schema.update({key: value}))


ACTORS = "schemas/actors.schema.json"
AGREEMENTS = "schemas/agreements.schema.json"

UNSUPPORTED = {
    "dialect": (_resource("dialect", {"delimiter": ";"}), "datapackage.json"),
    "compression": (_resource("compression", "gz"), "datapackage.json"),
    "stats": (_resource("stats", {"rows": 3}), "datapackage.json"),
    "rows": (_resource("rows", 3), "datapackage.json"),
    "misplaced-required": (
        _schema("actors", _field(1, required=True)),
        "schemas/actors.schema.json",
    ),
    "field-missing-values": (
        _schema("actors", _field(1, missingValues=["-"])),
        "schemas/actors.schema.json",
    ),
    "unknown-string-format": (
        _schema("actors", _field(1, format="phone")),
        "schemas/actors.schema.json",
    ),
    "unknown-constraint": (
        _schema("actors", _constraint(1, jsonSchema={"type": "string"})),
        "schemas/actors.schema.json",
    ),
    "length-on-integer": (
        _schema("agreements", _constraint(6, maxLength=3)),
        "schemas/agreements.schema.json",
    ),
    "minimum-on-string": (
        _schema("actors", _constraint(1, minimum=3)),
        "schemas/actors.schema.json",
    ),
    # agreements' value_musd (a number) declared as each type the validator does not check
    **{
        f"type-{kind}": (_schema("agreements", _field(7, type=kind)), AGREEMENTS)
        for kind in UNCHECKED_TYPES
    },
    **{
        f"string-format-{fmt}": (_schema("actors", _field(1, format=fmt)), ACTORS)
        for fmt in ("email", "uri", "uuid", "binary", "any")
    },
    "date-format-day-first": (_schema("agreements", _field(2, format="%d/%m/%Y")), AGREEMENTS),
    "date-format-any": (_schema("agreements", _field(2, format="any")), AGREEMENTS),
    **{
        f"{kind}-format-any": (_schema("agreements", _field(index, format="any")), AGREEMENTS)
        for kind, index in (("boolean", 5), ("integer", 6), ("number", 7), ("year", 8))
    },
    **{
        f"fields-match-{match}": (_key("actors", "fieldsMatch", match), ACTORS)
        for match in ("equal", "subset", "superset", "partial")
    },
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_a_property_the_validator_does_not_check_is_reported(case: str, tmp_path: Path) -> None:
    """Each property outside the validator's scope is a located `unsupported` problem, the only
    problem of a package whose data are otherwise valid (the rest is checked as without it)."""
    root = write_package(tmp_path / "pkg")
    edit, file = UNSUPPORTED[case]
    edit(root)
    report = validate_package(root / "datapackage.json")
    found = [p for p in report.problems if p.check == "unsupported"]
    assert [p.file for p in found] == [file], [str(p) for p in report.problems]
    assert "not checked" in found[0].message or "does not apply" in found[0].message
    assert report.problems == found
    assert report.exit_code == 1


def test_an_unchecked_type_names_the_checked_ones(tmp_path: Path) -> None:
    """The message names the field, its type and the types that are checked; it is located at
    the line of the field's name in the schema file."""
    root = write_package(tmp_path / "pkg")
    _schema("agreements", _field(7, type="datetime"))(root)
    (problem,) = validate_package(root / "datapackage.json").problems
    lines = (root / AGREEMENTS).read_text(encoding="utf-8").splitlines()
    at = next(n for n, text in enumerate(lines, 1) if '"name": "value_musd"' in text)
    assert (problem.file, problem.line, problem.column, problem.check) == (
        AGREEMENTS,
        at,
        "value_musd",
        "unsupported",
    )
    assert problem.message == (
        "field 'value_musd': type 'datetime' is not checked "
        "(checked types: string, integer, number, boolean, date, year)"
    )


def test_everything_type_dependent_on_an_unchecked_type_is_reported(tmp_path: Path) -> None:
    """On a type the validator does not check, its format and its bounds are reported too."""
    root = write_package(tmp_path / "pkg")
    edit = _field(7, type="datetime", format="%Y", constraints={"minimum": "2020", "maxLength": 9})
    _schema("agreements", edit)(root)
    messages = [p.message for p in validate_package(root / "datapackage.json").problems]
    assert messages == [
        "field 'value_musd': type 'datetime' is not checked "
        "(checked types: string, integer, number, boolean, date, year)",
        "field 'value_musd': format '%Y' is not checked",
        "field 'value_musd': constraint 'maxLength' is not checked on type datetime",
        "field 'value_musd': constraint 'minimum' is not checked on type datetime",
    ]


def test_only_the_checked_types_are_typed() -> None:
    """The model's checked types are exactly those the cell checks type (string: any text)."""
    assert set(cells.LEXICAL) | {"string", "boolean"} == set(CHECKED_TYPES)
    assert set(cells.LEXICAL) <= set(cells.EXPECTED)
    assert not set(CHECKED_TYPES) & set(UNCHECKED_TYPES)


def _rows(table: str, edit: Callable[[list[list[str]]], object]) -> Callable[[Path], None]:
    """``table``'s CSV rewritten after ``edit`` changed its rows (the header first) in place."""

    def apply(root: Path) -> None:
        file = root / "data" / f"{table}.csv"
        rows = list(csv.reader(io.StringIO(file.read_text(encoding="utf-8"), newline="")))
        edit(rows)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        file.write_text(out.getvalue(), encoding="utf-8", newline="")

    return apply


def _cell(table: str, index: int, value: str, **props: object) -> Callable[[Path], None]:
    """Field ``index`` of ``table`` gets ``props`` and, in the first data row, ``value``."""

    def put(rows: list[list[str]]) -> None:
        rows[1][index] = value

    def apply(root: Path) -> None:
        _schema(table, _field(index, **props))(root)
        _rows(table, put)(root)

    return apply


#: (a field of agreements and what it is declared as, a cell value, the cell problem expected)
CELLS = {
    "datetime-valid": (7, {"type": "datetime"}, "2025-07-17T10:00:00Z", None),
    "datetime-any-text": (7, {"type": "datetime"}, "not a datetime", None),
    "datetime-whitespace": (7, {"type": "datetime"}, " 2025-07-17", "whitespace"),
    "datetime-formula": (7, {"type": "datetime"}, "=NOW()", "formula"),
    "datetime-control": (7, {"type": "datetime"}, "2025\u202e", "control-character"),
    "datetime-pattern": (
        7,
        {"type": "datetime", "constraints": {"pattern": "^\\d{4}-"}},
        "July",
        "pattern",
    ),
    "geopoint-enum": (7, {"type": "geopoint", "constraints": {"enum": ["1, 2"]}}, "3, 4", "enum"),
    "object-required": (1, {"type": "object"}, "", "required"),
    "email-format-as-text": (1, {"format": "email"}, "not an address", None),
    "day-first-format-as-default": (2, {"format": "%d/%m/%Y"}, "17/07/2025", "type"),
    "day-first-format-iso-value": (2, {"format": "%d/%m/%Y"}, "2025-07-17", None),
    "iso-format-checked": (2, {"format": "%Y-%m-%d"}, "2025-02-30", "type"),
    "integer-enum-member": (6, {"constraints": {"enum": [1, 2, 3]}}, "2", None),
    "integer-enum-other": (6, {"constraints": {"enum": [1, 2, 3]}}, "4", "enum"),
    "integer-enum-text-entry": (6, {"constraints": {"enum": ["x", 3]}}, "3", None),
    "integer-enum-compares-numbers": (6, {"constraints": {"enum": [1, 2, 3]}}, "02", None),
    "number-enum-compares-numbers": (7, {"constraints": {"enum": [1.5]}}, "1.50", None),
    "year-enum-other": (8, {"constraints": {"enum": [2024]}}, "2025", "enum"),
}


@pytest.mark.parametrize("case", sorted(CELLS))
def test_what_is_checked_of_a_cell(case: str, tmp_path: Path) -> None:
    """An unchecked type's cells get the checks that do not depend on a type, an unchecked format
    is checked as the default, and an integer's enum compares numbers; each problem is located."""
    index, props, value, check = CELLS[case]
    root = write_package(tmp_path / "pkg")
    _cell("agreements", index, value, **props)(root)
    report = validate_package(root / "datapackage.json")
    found = [
        (p.file, p.line, p.record_id, p.column, p.check)
        for p in report.problems
        if p.check != "unsupported"
    ]
    column = [f["name"] for f in TABLES["agreements"][0]["fields"]][index]
    expected = [("data/agreements.csv", 2, "agr-rail", column, check)] if check else []
    assert found == expected, [str(p) for p in report.problems]


def _drop_last(rows: list[list[str]]) -> None:
    for row in rows:
        del row[-1]


def _swap_two(rows: list[list[str]]) -> None:
    for row in rows:
        row[1], row[2] = row[2], row[1]


#: a break of the actors header -> the problem it is when the header is checked as 'exact'
HEADER_BREAKS = {
    "missing": (_drop_last, ("data/actors.csv", 1, "part_of", "missing-column")),
    "order": (_swap_two, ("data/actors.csv", 1, None, "column-order")),
}


@pytest.mark.parametrize("match", ["equal", "subset", "superset", "partial"])
@pytest.mark.parametrize("case", sorted(HEADER_BREAKS))
def test_fields_match_is_checked_as_exact(case: str, match: str, tmp_path: Path) -> None:
    """Whatever fieldsMatch says, the header is checked as 'exact': a missing column, or the
    columns in another order, are reported beside the `unsupported` fieldsMatch."""
    root = write_package(tmp_path / "pkg")
    edit, problem = HEADER_BREAKS[case]
    _key("actors", "fieldsMatch", match)(root)
    _rows("actors", edit)(root)
    report = validate_package(root / "datapackage.json")
    assert [(p.file, p.line, p.column, p.check) for p in report.problems] == [
        problem,
        (ACTORS, None, None, "unsupported"),
    ]


def _write_schema(table: str, value: object) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        text = json.dumps(value)
        (root / "schemas" / f"{table}.schema.json").write_text(text, encoding="utf-8")

    return apply


def _fk(reference: object, fields: object = "part_of") -> Callable[[Path], None]:
    return _key("actors", "foreignKeys", [{"fields": fields, "reference": reference}])


def _rules(*entries: object) -> Callable[[Path], None]:
    return _key("agreements", "x-rules", list(entries))


def _cons(table: str, index: int, **props: object) -> Callable[[Path], None]:
    return _schema(table, _constraint(index, **props))


#: case -> (the break, the file and column of its `schema` problem, a distinctive part of it)
SCHEMA_ERRORS = {
    "schema-not-object": (
        _write_schema("actors", ["fields"]),
        (ACTORS, None),
        "the schema must be a JSON object, not list",
    ),
    "no-fields": (_write_schema("actors", {"fields": []}), (ACTORS, None), "has no 'fields' list"),
    "field-without-name": (
        _schema("actors", lambda s: s["fields"].append({"type": "string"})),
        (ACTORS, None),
        "field 5 has no 'name'",
    ),
    "no-field-with-a-name": (
        _schema("actors", lambda s: s.update(fields=[{"type": "string"}])),
        (ACTORS, None),
        "field 1 has no 'name'",
    ),
    "field-twice": (
        _schema("actors", lambda s: s["fields"].append(dict(s["fields"][3]))),
        (ACTORS, "part_of"),
        "field 'part_of' is defined twice",
    ),
    "missing-values": (
        _key("actors", "missingValues", ["", 0]),
        (ACTORS, None),
        "'missingValues' must be a list of strings",
    ),
    "fields-match": (
        _key("actors", "fieldsMatch", "loose"),
        (ACTORS, None),
        "'fieldsMatch' 'loose' is not one of exact, equal, subset, superset, partial",
    ),
    "primary-key": (
        _key("actors", "primaryKey", ["actor"]),
        (ACTORS, None),
        "'primaryKey' names no field of this schema: ['actor']",
    ),
    "unique-keys-entry": (
        _key("actors", "uniqueKeys", [["name"], ["nom"]]),
        (ACTORS, None),
        "'uniqueKeys' entry ['nom'] names no field of this schema",
    ),
    "unique-keys-not-list": (
        _key("actors", "uniqueKeys", "name"),
        (ACTORS, None),
        "'uniqueKeys' entry 0 names no field of this schema",
    ),
    "polymorphic-field": (
        _key("evidence", "x-polymorphicReferences", [{"fields": ["quote", "record_id"]}]),
        ("schemas/evidence.schema.json", None),
        "needs one known field and a list of resources",
    ),
    "polymorphic-resource": (
        _key("evidence", "x-polymorphicReferences", [{"fields": "record_id", "resources": ["x"]}]),
        ("datapackage.json", "record_id"),
        "x-polymorphicReferences names unknown resource 'x'",
    ),
    "rule-not-object": (_rules("paired"), (AGREEMENTS, None), "'x-rules' entry 'paired' is not"),
    "rule-kind": (
        _rules({"kind": "before", "fields": ["date", "year"]}),
        (AGREEMENTS, None),
        "'x-rules' kind 'before' is unknown (known kinds: empty_when, ordered, paired, ",
    ),
    "rule-fields": (
        _rules({"kind": "paired", "fields": ["date"]}),
        (AGREEMENTS, None),
        "'x-rules' paired rule needs two fields of this schema, not ['date']",
    ),
    "rule-value": (
        _rules({"kind": "empty_when", "fields": ["date", "status"]}),
        (AGREEMENTS, None),
        "'x-rules' empty_when rule needs a string 'value', not 'unknown'",
    ),
    "foreign-key-not-object": (
        _key("actors", "foreignKeys", ["part_of"]),
        (ACTORS, None),
        "foreign key 'part_of' is not an object",
    ),
    "foreign-key-fields": (
        _fk({"fields": "actor_id"}, ["parent"]),
        (ACTORS, None),
        "foreign key fields ['parent'] name no field of this schema",
    ),
    "foreign-key-no-reference": (
        _fk("actor_id"),
        (ACTORS, None),
        "foreign key on ['part_of'] has no 'reference' object",
    ),
    "foreign-key-reference-fields": (
        _fk({"fields": ["actor_id", "name"]}),
        (ACTORS, None),
        "reference fields ['actor_id', 'name'] do not match",
    ),
    "foreign-key-resource-not-name": (
        _fk({"resource": 3, "fields": "actor_id"}),
        (ACTORS, None),
        "foreign key on ['part_of']: reference resource 3 is not a name",
    ),
    "foreign-key-unknown-resource": (
        _fk({"resource": "people", "fields": "actor_id"}),
        ("datapackage.json", "part_of"),
        "resource 'actors': foreign key refers to unknown resource 'people'",
    ),
    "foreign-key-unknown-field": (
        _fk({"fields": "actor"}),
        ("datapackage.json", "part_of"),
        "foreign key refers to unknown fields ['actor'] of 'actors'",
    ),
    "format-not-text": (
        _schema("actors", _field(1, format=["email"])),
        (ACTORS, "name"),
        "field 'name': 'format' must be a string",
    ),
    "true-values": (
        _schema("agreements", _field(5, trueValues="yes")),
        (AGREEMENTS, "binding"),
        "field 'binding': 'trueValues' must be a list of strings",
    ),
    "false-values": (
        _schema("agreements", _field(5, falseValues=[0])),
        (AGREEMENTS, "binding"),
        "field 'binding': 'falseValues' must be a list of strings",
    ),
    "max-words": (
        _schema("evidence", _field(2, **{"x-maxWords": 0})),
        ("schemas/evidence.schema.json", "quote"),
        "field 'quote': 'x-maxWords' must be a positive integer",
    ),
    "constraints-not-object": (
        _schema("actors", _field(1, constraints=["required"])),
        (ACTORS, "name"),
        "field 'name': 'constraints' must be an object",
    ),
    "required-not-boolean": (
        _cons("actors", 1, required="yes"),
        (ACTORS, "name"),
        "field 'name': constraint 'required' must be true or false",
    ),
    "unique-not-boolean": (
        _cons("actors", 0, unique=1),
        (ACTORS, "actor_id"),
        "field 'actor_id': constraint 'unique' must be true or false",
    ),
    "enum-empty": (
        _cons("actors", 2, enum=[]),
        (ACTORS, "kind"),
        "field 'kind': constraint 'enum' must be a non-empty list of distinct values",
    ),
    "enum-null": (
        _cons("actors", 2, enum=["state", None]),
        (ACTORS, "kind"),
        "field 'kind': constraint 'enum' must be a non-empty list of distinct values, without null",
    ),
    "enum-repeated": (  # as text: a value twice would be a category twice (load crashed)
        _cons("actors", 2, enum=["state", 1, "1"]),
        (ACTORS, "kind"),
        "field 'kind': constraint 'enum' must be a non-empty list of distinct values",
    ),
    "max-length-negative": (
        _cons("actors", 1, maxLength=-1),
        (ACTORS, "name"),
        "field 'name': constraint 'maxLength' must be a non-negative integer",
    ),
    "min-length-text": (
        _cons("actors", 1, minLength="2"),
        (ACTORS, "name"),
        "field 'name': constraint 'minLength' must be a non-negative integer",
    ),
    "minimum-boolean": (
        _cons("agreements", 6, minimum=True),
        (AGREEMENTS, "parties"),
        "field 'parties': constraint 'minimum' must be a number",
    ),
    "minimum-not-a-number": (
        _cons("agreements", 6, minimum="one"),
        (AGREEMENTS, "parties"),
        "field 'parties': constraint 'minimum' must be a number",
    ),
    "minimum-beyond-a-float": (
        _cons("agreements", 6, minimum=10**400),
        (AGREEMENTS, "parties"),
        "field 'parties': constraint 'minimum' must be a number",
    ),
    "maximum-date-on-integer": (
        _cons("agreements", 8, maximum="2030-12-31"),
        (AGREEMENTS, "year"),
        "field 'year': constraint 'maximum' must be a number",
    ),
    "maximum-not-a-date": (
        _cons("agreements", 2, maximum="2030-02-30"),
        (AGREEMENTS, "date"),
        "field 'date': constraint 'maximum' must be a date YYYY-MM-DD",
    ),
    "minimum-number-on-date": (
        _cons("agreements", 2, minimum=2020),
        (AGREEMENTS, "date"),
        "field 'date': constraint 'minimum' must be",
    ),
    "pattern": (
        _cons("actors", 0, pattern="^act-(["),
        (ACTORS, "actor_id"),
        "field 'actor_id': constraint 'pattern' is not a regular expression (",
    ),
    "pattern-not-text": (
        _cons("actors", 0, pattern=3),
        (ACTORS, "actor_id"),
        "field 'actor_id': constraint 'pattern' is not a regular expression (",
    ),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_ERRORS))
def test_an_invalid_schema_property_is_a_located_schema_problem(case: str, tmp_path: Path) -> None:
    """Each invalid Table Schema property is one `schema` problem, at its file and field, whose
    message says what is wrong; the package is invalid (and refused by every other command)."""
    root = write_package(tmp_path / "pkg")
    edit, where, needle = SCHEMA_ERRORS[case]
    edit(root)
    report = validate_package(root / "datapackage.json")
    found = [p for p in report.problems if p.check == "schema"]
    assert [(p.file, p.column) for p in found] == [where], [str(p) for p in report.problems]
    assert needle in found[0].message
    assert report.exit_code == 1


def test_the_real_package_uses_only_what_is_checked() -> None:
    """The published package has no property the validator would call unsupported."""
    report = validate_package(ROOT / "datapackage.json")
    assert [str(p) for p in report.problems if p.check == "unsupported"] == []


def _csv(table: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        file = root / "data" / f"{table}.csv"
        text = file.read_text(encoding="utf-8")
        assert old in text
        file.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")

    return apply


def _raw(table: str, data: bytes) -> Callable[[Path], None]:
    return lambda root: (root / "data" / f"{table}.csv").write_bytes(data)


#: frictionless-py error type -> a break it reports that way (our check names differ).
FRICTIONLESS = {
    "type-error": _csv("agreements", ",3,", ",three,"),
    "constraint-error (enum)": _csv("actors", ",state,", ",empire,"),
    "constraint-error (pattern)": _csv("actors", "act-isi", "ACT-ISI"),
    "constraint-error (maxLength)": _csv("actors", "Pakistan", "P" * 30),
    "constraint-error (required)": _csv("actors", "Pakistan", ""),
    "primary-key": _csv("actors", "act-isi", "act-pak"),
    "foreign-key": _csv("actors", "group,act-pak", "group,act-nope"),
    "extra-cell": _csv("actors", "act-x,null,person,", "act-x,null,person,,extra"),
    "missing-cell": _csv("actors", "act-x,null,person,", "act-x,null,person"),
    "blank-row": _csv("actors", "act-x,null,person,\n", "act-x,null,person,\n,,,\n"),
    "duplicate-label": _csv("actors", "actor_id,name,kind,part_of", "actor_id,name,kind,kind"),
    "incorrect-label": _csv("actors", "actor_id,name,kind,part_of", "actor_id,nom,kind,part_of"),
    "encoding-error": _raw("actors", b"actor_id,name,kind,part_of\nact-pak,Pak\xff,state,\n"),
    "byte-count": _resource("bytes", 1),
    "hash-count": _resource("hash", "sha256:" + "0" * 64),
}


@pytest.mark.slow
@pytest.mark.parametrize("error_type", sorted(FRICTIONLESS))
def test_same_verdict_as_frictionless(error_type: str, tmp_path: Path) -> None:
    """For each frictionless error type we support, both tools call the package invalid."""
    frictionless = pytest.importorskip("frictionless")
    root = write_package(tmp_path / "pkg")
    assert frictionless.validate(str(root / "datapackage.json")).valid
    assert validate_package(root / "datapackage.json").exit_code == 0
    FRICTIONLESS[error_type](root)
    theirs = frictionless.validate(str(root / "datapackage.json"))
    ours = validate_package(root / "datapackage.json")
    assert not theirs.valid, error_type
    kinds = {e.type for task in theirs.tasks for e in task.errors}
    assert error_type.split(" ")[0] in kinds, kinds
    assert ours.exit_code == 1, [str(p) for p in ours.problems]
