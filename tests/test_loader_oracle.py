"""The loader against an independent oracle: the csv module and plain Python conversions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _packages import AGREEMENTS_CSV, replace_csv, write_package
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from afpak_data import DataError, load, load_all, pandera_schema
from afpak_data._model.descriptor import Field, read_package
from afpak_data._validate import validate_package

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402


def oracle_value(text: str, field: Field) -> Any:
    """What a cell means, computed without pandas or pyarrow (None: missing)."""
    if text == "":
        return None
    if field.type in ("integer", "year"):
        return int(text)
    if field.type == "number":
        return "NaN" if math.isnan(float(text)) else float(text)  # NaN is a value, not missing
    if field.type == "boolean":
        return text in field.true_values
    if field.type == "date":
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
    return text


def loaded_value(value: Any) -> Any:
    """A loaded cell as a plain Python value (None: missing)."""
    if value is pd.NA or value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


@pytest.mark.parametrize(
    "source",
    [None, "generated"],
    ids=["bundled package", "generated 3,000-row package"],
)
def test_every_loaded_cell_is_what_the_csv_says(source: str | None, tmp_path: Path) -> None:
    """Each loaded cell equals the csv module's text converted by plain Python, row for row."""
    if source == "generated":
        generate.generate(tmp_path / "gen", 3_000, seed=11)
        source = str(tmp_path / "gen")
    package = read_package(source)
    frames = load_all(source)
    assert list(frames) == package.names
    for resource in package.resources:
        with open(resource.file, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        frame = frames[resource.name]
        assert len(frame) == len(rows), resource.name
        for spec in resource.schema.fields:
            expected = [oracle_value(row[spec.name], spec) for row in rows]
            column = frame[spec.name]  # missing per pandas (NA, NaN of a category), then values
            got = [
                None if gone else loaded_value(v)
                for v, gone in zip(column, column.isna(), strict=True)
            ]
            assert got == expected, (resource.name, spec.name)


#: Cells that sit on the edges of the type rules (signs, exponents, impossible days, far years).
EDGES = [
    "+5",
    "-0",
    "007",
    "1.",
    ".5",
    "1e5",
    "NaN",
    "INF",
    "2025-02-30",
    "0000-01-01",
    "1677-01-01",
]
EDGES += [
    "2262-12-31",
    "9999999999999999999",
    "-9223372036854775809",
    "TRUE",
    "yes",
    " 5",
    "25",
    "signed",
    "Signed",
]
TYPED = ["date", "status", "binding", "parties", "value_musd", "year"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    column=st.sampled_from(TYPED),
    cell=st.sampled_from(EDGES) | st.text(alphabet="0123456789+-.eE:T/ aN", max_size=12),
)
def test_load_refuses_exactly_what_validate_calls_a_type_error(
    tmp_path: Path, column: str, cell: str
) -> None:
    """One rule for both tools: a cell the validator reports as a ``type`` or ``enum`` problem is
    refused by ``load`` with that check and line, and a cell ``load`` refuses is reported."""
    root = write_package(tmp_path / f"pkg-{abs(hash((column, cell)))}")
    header = AGREEMENTS_CSV.splitlines()[0].split(",")
    row = ["agr-edge", "Edge", "2025-01-01", "day", "signed", "true", "2", "1.0", "2025"]
    row[header.index(column)] = cell
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(row)
    replace_csv(root, "agreements", AGREEMENTS_CSV + text.getvalue())
    reported = {
        p.check
        for p in validate_package(root / "datapackage.json").problems
        if p.file == "data/agreements.csv" and p.line == 4 and p.column == column
    }
    refused, beyond_pandas = None, False
    try:
        load("agreements", source=root)
    except DataError as error:
        refused = (error.check, error.line, error.column)
        # a valid value that pandas' dtype cannot hold (a date before 1677, an integer >= 2**63)
        beyond_pandas = re.search(r"\(what \S+ holds\)", str(error)) is not None
    typed = reported & {"type", "enum"}
    if typed:
        assert refused == (typed.pop(), 4, column), (cell, reported)
    if refused is not None and not beyond_pandas:
        assert reported, (cell, refused)


def one_table(root: Path, field: dict[str, Any], cells: list[str]) -> Path:
    """A package of one table ``t``: an ``id`` column, then one field holding ``cells``."""
    (root / "data").mkdir(parents=True)
    rows = [f"{field['name']}-{i},{cell}" for i, cell in enumerate(cells)]
    text = "\n".join([f"id,{field['name']}", *rows]) + "\n"
    (root / "data" / "t.csv").write_text(text, encoding="utf-8")
    schema = {"fields": [{"name": "id", "type": "string"}, field]}
    (root / "t.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    resource = {"name": "t", "path": "data/t.csv", "schema": "t.schema.json"}
    descriptor = {"name": "t", "version": "1.0.0", "resources": [resource]}
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return root


def _field(type_: str, enum: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    constraints = {"enum": enum} if enum is not None else {}
    return {"name": "v", "type": type_, "constraints": constraints, **extra}


#: (field, cell, whether it is valid): enums of every checked type, compared as the type's values.
AGREEMENT = [
    (_field("integer", ["1", "2"]), "1", True),
    (_field("integer", [1, 2]), "+2", True),
    (_field("integer", [1, 2]), "3", False),
    (_field("number", [1.5]), "1.50", True),
    (_field("date", ["2025-01-01"]), "2025-01-01", True),
    (_field("date", ["2025-01-01"]), "2025-01-02", False),
    (_field("boolean", [True]), "TRUE", True),
    (_field("boolean", [True]), "false", False),
    (_field("boolean", None, trueValues=["yes"], falseValues=["no"]), "no", True),
    (_field("boolean", None, trueValues=["yes"], falseValues=["no"]), "true", False),
    (_field("string", [1, 2]), "1", True),
    (_field("year", [2025]), "2025", True),
    (_field("boolean", [0]), "false", False),  # 0 is no boolean: nothing is in this enum
]


@pytest.mark.parametrize(
    ("field", "cell", "valid"), AGREEMENT, ids=[f"{f['type']}-{c}" for f, c, _ in AGREEMENT]
)
def test_load_and_validate_agree_on_enums_and_spellings(
    tmp_path: Path, field: dict[str, Any], cell: str, valid: bool
) -> None:
    """Each tool accepts the cell exactly when the other does, with the same check and words."""
    root = one_table(tmp_path / "pkg", field, [cell])
    problems = validate_package(root / "datapackage.json").problems
    located = [p for p in problems if p.file == "data/t.csv"]
    assert [p.check for p in problems if p not in located] == []
    if valid:
        assert located == []
        frame = load("t", source=root)
        assert len(frame) == 1 and not frame["v"].isna().any()
        pandera_schema("t", source=root).validate(frame)  # the same rule in pandera's checks
        return
    with pytest.raises(DataError) as info:
        load("t", source=root)
    assert [(p.check, p.line, p.message) for p in located] == [
        (info.value.check, info.value.line, info.value.detail)
    ]


def test_a_literal_nan_is_a_number_not_a_missing_value(tmp_path: Path) -> None:
    """``NaN`` is a valid number: it loads as NaN, and only the empty cell is missing (NA)."""
    root = one_table(tmp_path / "pkg", _field("number", None), ["NaN", "", "1"])
    values = load("t", source=root)["v"]
    assert values.isna().tolist() == [False, True, False]
    assert math.isnan(values[0])


def test_an_integer_too_long_for_python_is_refused_not_a_crash(tmp_path: Path) -> None:
    """A 5,001-digit integer (Python refuses int() beyond 4,300 digits) is named by its line."""
    cells = ["0" * 5000 + "1", "9" * 5000]  # leading zeros do not count; 5,000 nines do
    root = one_table(tmp_path / "pkg", _field("integer"), cells)
    with pytest.raises(DataError) as info:
        load("t", source=root)
    assert (info.value.line, info.value.check) == (3, "type")
    assert "is not an integer from -2**63 to 2**63-1" in info.value.detail


def test_a_long_bad_value_is_cut_in_both_tools_messages(tmp_path: Path) -> None:
    """A 3,000-character value outside an enum (or over a maximum) is shown cut to 60 characters,
    by validate and by load."""
    root = one_table(tmp_path / "pkg", _field("string", ["a", "b"]), ["9" * 3000])
    [problem] = validate_package(root / "datapackage.json").problems
    with pytest.raises(DataError) as info:
        load("t", source=root)
    bound = one_table(
        tmp_path / "max", _field("integer", None, constraints={"maximum": 10}), ["9" * 3000]
    )
    [over] = validate_package(bound / "datapackage.json").problems
    for message in (problem.message, info.value.detail, over.message):
        assert len(message) < 200 and "9" * 59 + "…" in message, message


def test_a_required_missing_value_is_named(tmp_path: Path) -> None:
    """With ``missingValues: ["NA"]``, a required ``NA`` is named, not called empty."""
    root = one_table(
        tmp_path / "pkg", _field("string", None, constraints={"required": True}), ["NA"]
    )
    schema = json.loads((root / "t.schema.json").read_text(encoding="utf-8"))
    schema["missingValues"] = ["NA"]
    (root / "t.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    [problem] = validate_package(root / "datapackage.json").problems
    assert problem.message.endswith("the cell is the missing value 'NA'"), problem.message
