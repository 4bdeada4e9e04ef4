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
from afpak_data._load.pandera import build_schema
from afpak_data._model.descriptor import read_package
from afpak_data._validate.rules import RULES

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


def failed_checks(errors: SchemaErrors) -> set[tuple[str | None, str]]:
    """``(column, check)`` pairs of a pandera SchemaErrors (check names as in Table Schema)."""
    found = set()
    for case in errors.failure_cases.itertuples(index=False):
        name = str(case.check).split("(", 1)[0]
        name = {"not_nullable": "required", "field_uniqueness": "unique"}.get(name, name)
        if name in ("column_in_dataframe", "column_in_schema", "column_ordered"):
            found.add((str(case.failure_case), name))
        else:
            found.add((case.column if isinstance(case.column, str) else None, name))
    return found


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


def test_duplicate_composite_key_names_both_rows(mini: Path) -> None:
    """Both rows sharing a composite primary key fail the primaryKey check."""
    replace_csv(
        mini,
        "agreement_actors",
        "agreement_id,actor_id,role\nagr-rail,act-pak,party\nagr-rail,act-pak,witness\n",
    )
    frame = afpak_data.load("agreement_actors", source=mini)
    with pytest.raises(SchemaErrors) as info:
        afpak_data.pandera_schema("agreement_actors", source=mini).validate(frame, lazy=True)
    cases = info.value.failure_cases
    assert set(cases["check"].astype(str)) == {"primaryKey"}
    assert set(cases["index"]) == {0, 1}


@pytest.mark.parametrize("kind", sorted(RULES))
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
