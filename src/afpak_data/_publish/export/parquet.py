"""Parquet export: one typed file per table, carrying its codebook in the Arrow metadata.

The Arrow schema comes from the Table Schema, not pandas, so R, polars, DuckDB and Spark get the
types (vocabularies as dictionaries, nullable ``int64``, ``date32``) and a file explains itself
(descriptions, keys, version, ``enum``). ``to_pandas(date_as_object=False)`` reads datetime64 dates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afpak_data._publish.export import ExportError, enum_json

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from afpak_data._model.descriptor import Field, Package


def write(package: Package, frames: dict[str, pd.DataFrame], staging: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    for resource in package.resources:
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
        metadata: dict[bytes | str, bytes | str] = {
            "title": resource.title,
            "description": resource.description,
            "primary_key": json.dumps(list(schema.primary_key)),
            "foreign_keys": json.dumps(foreign_keys),
            "package": package.name,
            "package_version": package.version,
        }
        arrow_schema = pa.schema([arrow_field(f) for f in schema.fields], metadata=metadata)
        frame = frames[resource.name][list(schema.field_names)]
        table = pa.Table.from_pandas(frame, schema=arrow_schema, preserve_index=False)
        for f, values in zip(schema.fields, table.columns, strict=True):
            if f.required and values.null_count:
                raise ExportError(
                    f"{resource.path}: column {f.name!r} is required but has "
                    f"{values.null_count} empty cell(s) (run `afpak-data validate`)"
                )
        pq.write_table(table, staging / f"{resource.name}.parquet")


def arrow_field(field: Field) -> pa.Field[Any]:
    import pyarrow as pa

    types = {"integer": pa.int64(), "year": pa.int64(), "number": pa.float64()}
    types |= {"boolean": pa.bool_(), "date": pa.date32()}
    kind = types.get(field.type, pa.string())
    if field.enum is not None and field.type == "string":
        kind = pa.dictionary(pa.int32(), pa.string())
    meta = {"description": field.description, "table_schema_type": field.type}
    extra = {"vocabulary": field.vocabulary, "enum": enum_json(field)}
    meta |= {key: value for key, value in extra.items() if value}
    return pa.field(field.name, kind, nullable=not field.required, metadata=meta)
