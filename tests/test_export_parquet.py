"""Parquet export: one typed file per table, with the codebook in the Arrow metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import afpak_data
from afpak_data._model.descriptor import read_package
from afpak_data._publish.export import export

pa = pytest.importorskip("pyarrow", reason="the parquet export needs pyarrow (a dependency)")
pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")

PACKAGE = read_package()
NAMES = PACKAGE.names
ARROW_TYPES = {
    "integer": "int64",
    "year": "int64",
    "number": "double",
    "boolean": "bool",
    "date": "date32[day]",
    "string": "string",
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled package exported once to Parquet."""
    directory = tmp_path_factory.mktemp("parquet")
    written = export("parquet", directory)
    assert sorted(p.name for p in written) == sorted(f"{n}.parquet" for n in NAMES)
    return directory


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_pandas_round_trip(out: Path, name: str) -> None:
    """pd.read_parquet gives back the loader's frame: rows, values and dtypes (dates as dates)."""
    expected = afpak_data.load(name)
    actual = pd.read_parquet(out / f"{name}.parquet")
    for field in PACKAGE.resource(name).schema.fields:
        if field.type == "date":
            actual[field.name] = pd.to_datetime(actual[field.name]).astype("datetime64[ns]")
        if field.enum is not None and expected.empty:
            # An empty table has no data page to hold a dictionary; the field metadata keeps it.
            actual[field.name] = actual[field.name].astype(expected[field.name].dtype)
    pd.testing.assert_frame_equal(actual, expected, check_dtype=True)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_arrow_types_follow_the_table_schema(out: Path, name: str) -> None:
    """Vocabularies are dictionaries in vocabulary order (also in metadata); others map 1:1."""
    schema = pq.read_schema(out / f"{name}.parquet")
    for field in PACKAGE.resource(name).schema.fields:
        arrow = schema.field(field.name)
        if field.enum is not None:
            assert pa.types.is_dictionary(arrow.type), field.name
        else:
            assert str(arrow.type) == ARROW_TYPES[field.type], field.name
        assert arrow.nullable is not field.required, field.name
    table = pq.read_table(out / f"{name}.parquet")
    for field in PACKAGE.resource(name).schema.fields:
        if field.enum is None:
            continue
        enum = json.loads(schema.field(field.name).metadata[b"enum"])
        assert enum == list(field.enum), field.name
        if table.num_rows:
            dictionary = table.column(field.name).combine_chunks().dictionary.to_pylist()
            assert dictionary == list(field.enum), field.name


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_descriptions_in_metadata(out: Path, name: str) -> None:
    """Field descriptions sit in field metadata; title, description and keys in schema metadata."""
    resource = PACKAGE.resource(name)
    schema = pq.read_schema(out / f"{name}.parquet")
    for field in resource.schema.fields:
        assert schema.field(field.name).metadata[b"description"].decode() == field.description
    meta = {k.decode(): v.decode() for k, v in schema.metadata.items()}
    assert meta["description"] == resource.description
    assert meta["title"] == resource.title
    assert json.loads(meta["primary_key"]) == list(resource.schema.primary_key)
    assert meta["package_version"] == PACKAGE.version


def test_primary_keys_unique_after_round_trip(out: Path) -> None:
    """Every table's primary key is still unique when read back."""
    for resource in PACKAGE.resources:
        frame = pd.read_parquet(out / f"{resource.name}.parquet")
        assert not frame.duplicated(list(resource.schema.primary_key)).any(), resource.name


def test_pandas_gets_datetimes_as_documented(out: Path) -> None:
    """The README's call gives ``datetime64`` date columns (plain read_parquet gives objects)."""
    path = out / "agreements.parquet"
    frame = pq.read_table(path).to_pandas(date_as_object=False)
    assert pd.api.types.is_datetime64_dtype(frame["date"])
    expected = afpak_data.load("agreements")["date"]
    assert frame["date"].astype("datetime64[ns]").equals(expected)
    if "to_pandas_kwargs" in __import__("inspect").signature(pd.read_parquet).parameters:
        again = pd.read_parquet(path, to_pandas_kwargs={"date_as_object": False})
        assert pd.api.types.is_datetime64_dtype(again["date"])


DUCKDB_TYPES = {
    "integer": "BIGINT",
    "year": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "string": "VARCHAR",
}


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_duckdb_keeps_the_types(out: Path, name: str) -> None:
    """DuckDB reads each column with the type its Table Schema says (dates as DATE)."""
    duckdb = pytest.importorskip("duckdb", reason="needs duckdb (in the test extra)")
    path = (out / f"{name}.parquet").as_posix()
    described = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    types = {row[0]: row[1] for row in described}
    schema = PACKAGE.resource(name).schema
    assert types == {f.name: DUCKDB_TYPES[f.type] for f in schema.fields}
    ((count,),) = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()
    assert count == len(afpak_data.load(name))


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_polars_keeps_the_types(out: Path, name: str) -> None:
    """polars reads dates as Date, integers as Int64, vocabularies as Categorical."""
    pl = pytest.importorskip("polars", reason="needs polars (in the test extra)")
    frame = pl.read_parquet(out / f"{name}.parquet")
    expected = {
        "integer": pl.Int64,
        "year": pl.Int64,
        "number": pl.Float64,
        "boolean": pl.Boolean,
        "date": pl.Date,
        "string": pl.String,
    }
    for field in PACKAGE.resource(name).schema.fields:
        wanted = pl.Categorical if field.enum is not None else expected[field.type]
        assert frame.schema[field.name] == wanted, field.name
    assert frame.height == len(afpak_data.load(name))
