"""The loader against an independent oracle: the csv module and plain Python conversions."""

from __future__ import annotations

import csv
import datetime as dt
import io
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

from afpak_data import DataError, load, load_all
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
        return float(text)
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
        return None
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
            got = [loaded_value(v) for v in frame[spec.name].tolist()]
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
