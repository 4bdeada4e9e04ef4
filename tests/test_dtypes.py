"""Dtypes come from the Table Schema: nullable, categorical, datetime; never ``object``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _packages import AGREEMENTS, replace_csv, write_package
from hypothesis import given, settings
from hypothesis import strategies as st

import afpak_data
from afpak_data._load.dtypes import pandas_dtype
from afpak_data._model.descriptor import read_package

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_TABLES = [
    r["name"]
    for r in json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8")).get(
        "resources", []
    )
]


@pytest.fixture(scope="module")
def agreements(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The mini package's table holding every field type."""
    return afpak_data.load("agreements", source=write_package(tmp_path_factory.mktemp("mini")))


@pytest.mark.parametrize(
    ("column", "dtype"),
    [
        ("agreement_id", pd.StringDtype()),
        ("title", pd.StringDtype()),
        ("date", pd.api.types.pandas_dtype("datetime64[ns]")),
        ("date_precision", pd.CategoricalDtype(["day", "month", "unknown"])),
        ("status", pd.CategoricalDtype(["signed", "pledged"])),
        ("binding", pd.BooleanDtype()),
        ("parties", pd.Int64Dtype()),
        ("value_musd", pd.Float64Dtype()),
        ("year", pd.Int64Dtype()),
    ],
)
def test_each_table_schema_type_has_its_pandas_dtype(
    agreements: pd.DataFrame, column: str, dtype: object
) -> None:
    """string -> string, enum -> Categorical, date -> datetime64[ns], integer/year -> Int64 ..."""
    assert agreements[column].dtype == dtype


def test_enum_categories_keep_the_schema_order(agreements: pd.DataFrame) -> None:
    """Categories are the schema's enum, in the schema's order, including unused ones."""
    enum = next(f for f in AGREEMENTS["fields"] if f["name"] == "date_precision")
    assert list(agreements["date_precision"].cat.categories) == enum["constraints"]["enum"]


def test_values_convert_faithfully(agreements: pd.DataFrame) -> None:
    """Converted values equal the CSV text's meaning; empty cells become pd.NA / NaT."""
    first, second = agreements.iloc[0], agreements.iloc[1]
    assert first["date"] == pd.Timestamp("2025-07-17")
    assert agreements["binding"].tolist() == [True, pd.NA]
    assert (first["parties"], first["value_musd"], first["year"]) == (3, 1.5, 2025)
    assert pd.isna(second["date"]) and second["binding"] is pd.NA and second["parties"] is pd.NA


@pytest.mark.parametrize(
    ("true_cell", "false_cell"),
    [("true", "false"), ("TRUE", "FALSE"), ("1", "0"), ("True", "False")],
)
def test_boolean_spellings_of_table_schema(tmp_path: Path, true_cell: str, false_cell: str) -> None:
    """Every default trueValues / falseValues spelling loads as True / False."""
    root = write_package(tmp_path)
    head = "agreement_id,title,date,date_precision,status,binding,parties,value_musd,year\n"
    replace_csv(
        root,
        "agreements",
        head
        + f"agr-a,A,,unknown,signed,{true_cell},1,,\nagr-b,B,,unknown,signed,{false_cell},1,,\n",
    )
    assert afpak_data.load("agreements", source=root)["binding"].tolist() == [True, False]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), min_size=1, max_size=20))
def test_integers_round_trip_through_csv(tmp_path_factory, values: list[int | None]) -> None:
    """Any integers written to the CSV (empty for missing) load back equal, as Int64."""
    root = write_package(tmp_path_factory.mktemp("ints"))
    head = "agreement_id,title,date,date_precision,status,binding,parties,value_musd,year\n"
    rows = "".join(
        f"agr-r{i},R,,unknown,signed,,{'' if v is None else v},,\n" for i, v in enumerate(values)
    )
    replace_csv(root, "agreements", head + rows)
    loaded = afpak_data.load("agreements", source=root)["parties"]
    assert loaded.dtype == pd.Int64Dtype()
    assert [None if pd.isna(v) else int(v) for v in loaded] == values


@pytest.mark.parametrize("table", BUNDLED_TABLES)
def test_bundled_table_has_schema_dtypes_and_no_object_columns(table: str) -> None:
    """Every column of every bundled table has the dtype its field maps to; none is object."""
    frame = afpak_data.load(table)
    schema = read_package().resource(table).schema
    for spec in schema.fields:
        assert frame[spec.name].dtype == pandas_dtype(spec), (table, spec.name)
    assert not [c for c in frame.columns if frame[c].dtype == object], table


def test_bundled_package_is_not_empty() -> None:
    """The parametrised dtype tests above run on real tables (the descriptor lists some)."""
    assert BUNDLED_TABLES
