"""Plain Python values from the loader's typed DataFrames, shared by the JSON, SQLite and Excel
writers.

The loader gives nullable pandas dtypes (``pd.NA`` for a missing cell, ``NaT`` for a missing date,
numpy scalars otherwise). Each output library wants plain ``str``/``int``/``float``/``bool``/
``datetime.date`` or ``None``; converting in one place keeps the formats consistent with each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._descriptor import Schema


def cell(value: Any, field_type: str) -> Any:
    """One loaded cell as a plain Python value (``None`` if missing); dates as ``datetime.date``."""
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:  # NaN: missing in a float column
        return None
    if field_type == "date":
        return pd.Timestamp(value).date()
    if field_type in ("integer", "year"):
        return int(value)
    if field_type == "number":
        return float(value)
    if field_type == "boolean":
        return bool(value)
    return str(value)


def rows(frame: pd.DataFrame, schema: Schema) -> Iterator[tuple[Any, ...]]:
    """The rows of ``frame`` as tuples of plain values, in schema field order."""
    types = [field.type for field in schema.fields]
    columns = [frame[field.name].astype(object).tolist() for field in schema.fields]
    for raw in zip(*columns, strict=True):
        yield tuple(cell(v, t) for v, t in zip(raw, types, strict=True))


def json_value(value: Any) -> Any:
    """A plain value as JSON can hold it: dates as ISO ``YYYY-MM-DD`` text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame, schema: Schema) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-ready dicts keyed by field name (``None`` for missing)."""
    names = schema.field_names
    return [
        {name: json_value(v) for name, v in zip(names, row, strict=True)}
        for row in rows(frame, schema)
    ]
