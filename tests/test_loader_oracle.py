"""The loader against an independent oracle: the csv module and plain Python conversions."""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from afpak_data import load_all
from afpak_data._model.descriptor import Field, read_package

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


def test_clean_columns_never_reach_the_pandas_conversion(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled package (text, vocabulary, integer, year and date columns, all clean) is typed
    by the Arrow conversion alone: if it stopped doing its work, the loader would still be right
    (the oracle test above) but slower than its budget, and this test fails."""
    from afpak_data._load import loader

    reached: list[str] = []
    real = loader.convert_column

    def spy(values: pd.Series, field, path, line_of):  # type: ignore[no-untyped-def]
        reached.append(f"{path}:{field.name}")
        return real(values, field, path, line_of)

    monkeypatch.setattr(loader, "convert_column", spy)
    frames = load_all()
    kinds = {
        (f.type, f.enum is not None) for r in read_package(None).resources for f in r.schema.fields
    }
    assert {("string", False), ("string", True), ("integer", False), ("date", False)} <= kinds
    assert sum(len(frame) for frame in frames.values()) > 0
    assert reached == []
