"""Parquet export: one typed file per table, carrying its codebook in the Arrow metadata.

R (arrow), Python (pandas, polars), DuckDB and Spark read Parquet with types intact, so the Arrow
schema is built from the Table Schema rather than guessed from pandas: vocabularies become
dictionary (categorical) columns with the categories in vocabulary order, integers stay nullable
``int64``, dates are ``date32`` and text is ``string``. Each field's metadata holds its
``description`` (and vocabulary); the schema metadata holds the table's title, description, keys and
the package version, so the file explains itself when separated from the package. pyarrow also
stores its usual ``pandas`` metadata, so ``pd.read_parquet`` gives back the loader's dtypes
(``Int64``, ``string``, ``category``), except dates: pyarrow turns ``date32`` into
``datetime.date`` objects (an ``object`` column) unless asked not to, with
``pd.read_parquet(path, to_pandas_kwargs={"date_as_object": False})`` (pandas 3) or
``pyarrow.parquet.read_table(path).to_pandas(date_as_object=False)`` (any pandas), which give
``datetime64``. Dates stay ``date32`` rather than timestamps because that is what a date is to
DuckDB (``DATE``), polars (``Date``) and R arrow (``Date``); tests check DuckDB and polars.
Parquet keeps a dictionary with the data pages, so a table with no rows keeps its vocabulary
only in the field metadata (``enum``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from afpak_data._export import ExportError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from afpak_data._descriptor import Field, Package, Resource


def write(package: Package, frames: dict[str, pd.DataFrame], staging: Path) -> None:
    """Write ``<table>.parquet`` for every resource into ``staging``."""
    import pyarrow.parquet as pq

    for resource in package.resources:
        table = arrow_table(package, resource, frames[resource.name])
        pq.write_table(table, staging / f"{resource.name}.parquet")


def arrow_type(field: Field) -> pa.DataType:
    """The Arrow type of a loaded column of ``field``."""
    import pyarrow as pa

    if field.enum is not None and field.type == "string":
        return pa.dictionary(pa.int32(), pa.string())
    types: dict[str, pa.DataType] = {
        "integer": pa.int64(),
        "year": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
    }
    return types.get(field.type, pa.string())


def field_metadata(field: Field) -> dict[str, str]:
    """What a reader needs to understand the column: description, type, vocabulary."""
    meta = {"description": field.description, "table_schema_type": field.type}
    if field.vocabulary:
        meta["vocabulary"] = field.vocabulary
    if field.enum is not None:
        meta["enum"] = json.dumps(list(field.enum), ensure_ascii=False)
    return meta


def schema_metadata(package: Package, resource: Resource) -> dict[str, str]:
    """Table-level metadata: title, description, keys, package name and version."""
    schema = resource.schema
    foreign_keys = [
        {
            "fields": list(k.fields),
            "reference": {
                "resource": k.resource or resource.name,
                "fields": list(k.reference_fields),
            },
        }
        for k in schema.foreign_keys
    ]
    return {
        "title": resource.title,
        "description": resource.description,
        "primary_key": json.dumps(list(schema.primary_key)),
        "foreign_keys": json.dumps(foreign_keys),
        "package": package.name,
        "package_version": package.version,
    }


def arrow_table(package: Package, resource: Resource, frame: pd.DataFrame) -> pa.Table:
    """The loaded table as an Arrow table with field and schema metadata."""
    import pyarrow as pa

    fields = resource.schema.fields
    schema = pa.schema(
        [
            pa.field(f.name, arrow_type(f), nullable=not f.required, metadata=field_metadata(f))
            for f in fields
        ],
        metadata=dict(schema_metadata(package, resource).items()),
    )
    table = pa.Table.from_pandas(
        frame[[f.name for f in fields]], schema=schema, preserve_index=False
    )
    for f, values in zip(fields, table.columns, strict=True):
        if f.required and values.null_count:
            raise ExportError(
                f"{resource.path}: column {f.name!r} is required but has "
                f"{values.null_count} empty cell(s) (run `afpak-data validate`)"
            )
    return table
