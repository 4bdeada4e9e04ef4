"""pandera schemas from the Table Schemas: accept real tables, reject broken frames precisely."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from _packages import AGREEMENTS, AGREEMENTS_CSV, TABLES, replace_csv, write_package
from pandera.errors import SchemaErrors

import afpak_data
from afpak_data import PackageError
from afpak_data._descriptor import read_package
from afpak_data._pandera import (
    RULE_KINDS,
    build_schema,
    check_foreign_keys,
    failed_checks,
    schema_problems,
    validate_all,
)

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_TABLES = [
    r["name"]
    for r in json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8")).get(
        "resources", []
    )
]


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A small valid package with every kind of key and rule."""
    return write_package(tmp_path / "mini")


@pytest.mark.parametrize("table", BUNDLED_TABLES)
def test_bundled_table_passes_its_schema(table: str) -> None:
    """Each real table validates against the schema built from its own Table Schema."""
    afpak_data.pandera_schema(table).validate(afpak_data.load(table), lazy=True)


def test_bundled_package_has_no_problems() -> None:
    """Schemas and cross-table keys together find nothing wrong in the bundled package."""
    assert [str(p) for p in validate_all()] == []


@pytest.mark.parametrize("table", list(TABLES))
def test_mini_tables_pass(mini: Path, table: str) -> None:
    """The valid hand-made tables pass (so the failures below are caused by the breakage)."""
    afpak_data.pandera_schema(table, source=mini).validate(
        afpak_data.load(table, source=mini), lazy=True
    )


def _set(row: int, column: str, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return edit


def _append_copy_of(row: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([frame, frame.iloc[[row]]], ignore_index=True)

    return edit


BREAKAGES = [
    ("actors", _set(0, "name", pd.NA), ("name", "required")),
    ("actors", _set(2, "actor_id", "ACT-X"), ("actor_id", "pattern")),
    ("actors", _set(2, "actor_id", "act-x-"), ("actor_id", "pattern")),
    ("actors", _set(0, "name", "x" * 21), ("name", "maxLength")),
    ("actors", _set(1, "actor_id", "act-pak"), ("actor_id", "unique")),
    ("actors", _set(1, "part_of", "act-none"), (None, "foreignKey")),
    ("agreements", _set(0, "parties", 0), ("parties", "minimum")),
    ("agreements", _set(0, "date", pd.NaT), (None, "x-rules:unknown_when_empty")),
    ("agreements", _set(1, "date_precision", "day"), (None, "x-rules:unknown_when_empty")),
    ("agreements", _set(0, "binding", pd.NA), (None, "x-rules:paired")),
    ("agreements", _set(0, "year", 2), (None, "x-rules:ordered")),
    ("agreements", lambda f: f.drop(columns="year"), ("year", "column_in_dataframe")),
    ("agreements", lambda f: f.assign(extra="x"), ("extra", "column_in_schema")),
    ("agreements", lambda f: f.astype({"parties": "float64"}), ("parties", "dtype")),
    ("agreement_actors", _append_copy_of(0), (None, "primaryKey")),
    ("evidence", _set(0, "quote", "one two three four five six"), ("quote", "x-maxWords")),
    ("evidence", _set(0, "evidence_id", 0), ("evidence_id", "minimum")),
]


@pytest.mark.parametrize(
    ("table", "breakage", "failure"),
    BREAKAGES,
    ids=[f"{t}-{f[1]}-{i}" for i, (t, _, f) in enumerate(BREAKAGES)],
)
def test_broken_frame_fails_the_named_check(mini: Path, table: str, breakage, failure) -> None:
    """One breakage makes exactly the expected (column, check) fail, and nothing else."""
    frame = afpak_data.load(table, source=mini)
    frame = breakage(frame)
    with pytest.raises(SchemaErrors) as info:
        afpak_data.pandera_schema(table, source=mini).validate(frame, lazy=True)
    found = failed_checks(info.value)
    column, check = failure
    if column is None:  # table-level checks are reported on every column of the failing row
        assert {c for _, c in found} == {check}
    else:
        assert found == {(column, check)}


def test_table_level_failure_names_its_fields_once(mini: Path) -> None:
    """A cross-field rule failure is one problem on the rule's fields, with the editor's line."""
    replace_csv(mini, "agreements", AGREEMENTS_CSV + "agr-x,X,2025-01-01,unknown,signed,,,,\n")
    resource = read_package(mini).resource("agreements")
    frame = afpak_data.load("agreements", source=mini)
    problems = schema_problems(resource, frame)
    assert [(p.path, p.line, p.column, p.check) for p in problems] == [
        ("data/agreements.csv", 4, "date, date_precision", "x-rules:unknown_when_empty")
    ]
    assert str(problems[0]) == (
        "data/agreements.csv:4: column 'date, date_precision': '2025-01-01', 'unknown' breaks "
        "x-rules:unknown_when_empty (expected date is empty exactly when date_precision is "
        "unknown.)"
    )


def test_duplicate_composite_key_names_both_rows(mini: Path) -> None:
    """Both rows sharing a composite primary key are reported."""
    replace_csv(
        mini,
        "agreement_actors",
        "agreement_id,actor_id,role\nagr-rail,act-pak,party\nagr-rail,act-pak,witness\n",
    )
    resource = read_package(mini).resource("agreement_actors")
    problems = schema_problems(resource, afpak_data.load("agreement_actors", source=mini))
    assert [(p.line, p.column, p.check) for p in problems] == [
        (2, "agreement_id, actor_id", "primaryKey"),
        (3, "agreement_id, actor_id", "primaryKey"),
    ]


@pytest.mark.parametrize(
    ("table", "text", "expected"),
    [
        (
            "agreement_actors",
            "agreement_id,actor_id,role\nagr-rail,act-nobody,party\nagr-gone,act-pak,party\n",
            [
                (2, "actor_id", "'act-nobody' not found in actors (expected an existing actor_id)"),
                (
                    3,
                    "agreement_id",
                    "'agr-gone' not found in agreements (expected an existing agreement_id)",
                ),
            ],
        ),
        (
            "actors",
            "actor_id,name,kind,part_of\nact-pak,P,state,act-ghost\n",
            [(2, "part_of", "'act-ghost' not found in actors (expected an existing actor_id)")],
        ),
        (
            "evidence",
            "evidence_id,record_id,quote\n1,agr-ghost,q\n2,act-ghost,q\n3,src-x,q\n",
            [
                (2, "record_id", "'agr-ghost' not found in agreements"),
                (3, "record_id", "'act-ghost' not found in actors"),
                (4, "record_id", "'src-x' matches the ID pattern of none of agreements, actors"),
            ],
        ),
    ],
    ids=["link-table", "self-reference", "polymorphic"],
)
def test_foreign_keys_across_tables(mini: Path, table: str, text: str, expected) -> None:
    """Every unresolved key is reported with its line, field and the table it should exist in."""
    replace_csv(mini, table, text)
    package = read_package(mini)
    frames = afpak_data.load_all(mini)
    problems = [p for p in check_foreign_keys(frames, package) if p.path == f"data/{table}.csv"]
    assert [(p.line, p.column, p.message) for p in problems] == expected
    assert all(p.check == "foreignKey" for p in problems)


def test_validate_all_reports_load_errors_and_skips_keys_into_them(mini: Path) -> None:
    """A table that cannot load is one problem; keys pointing into it are not reported again."""
    replace_csv(mini, "agreements", AGREEMENTS_CSV + "agr-x,X,,unknown,signd,,,,\n")
    problems = validate_all(mini)
    assert [(p.path, p.line, p.column, p.check) for p in problems] == [
        ("data/agreements.csv", 4, "status", "enum")
    ]


@pytest.mark.parametrize("kind", sorted(RULE_KINDS))
def test_rules_apply_to_any_table_that_declares_them(tmp_path: Path, kind: str) -> None:
    """An x-rules kind is checked in whichever table declares it, not by table name."""
    schema = {
        "fields": [
            {"name": "a", "type": "integer", "constraints": {"required": False}},
            {"name": "b", "type": "string", "constraints": {"required": False}},
        ],
        "x-rules": [{"kind": kind, "fields": ["a", "b"], "description": kind, "value": "x"}],
    }
    if kind == "ordered":
        schema["fields"][1]["type"] = "integer"
    bad = {
        "paired": "1,\n",
        "ordered": "2,1\n",
        "unknown_when_empty": "1,unknown\n",
        "empty_when": "1,x\n",
    }[kind]
    root = write_package(tmp_path, {"anything": (schema, "a,b\n" + bad)})
    with pytest.raises(SchemaErrors) as info:
        afpak_data.pandera_schema("anything", source=root).validate(
            afpak_data.load("anything", source=root), lazy=True
        )
    assert {check for _, check in failed_checks(info.value)} == {f"x-rules:{kind}"}


def test_unknown_rule_kind_is_refused(tmp_path: Path) -> None:
    """A schema with an x-rules kind we do not implement raises PackageError naming it."""
    schema = dict(AGREEMENTS, **{"x-rules": [{"kind": "sometimes", "fields": ["date", "year"]}]})
    root = write_package(tmp_path, {"agreements": (schema, AGREEMENTS_CSV)})
    with pytest.raises(PackageError, match="kind 'sometimes' is unknown"):
        build_schema(read_package(root).resource("agreements"))
