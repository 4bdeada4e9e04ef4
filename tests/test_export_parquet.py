"""Parquet export: one typed file per table, with the codebook in the Arrow metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import afpak_data
from afpak_data._descriptor import read_package
from afpak_data._export import export

pa = pytest.importorskip("pyarrow", reason="the parquet export needs pyarrow (afpak-data[export])")
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
