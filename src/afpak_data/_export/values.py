"""Plain Python values from the loader's typed DataFrames, for the JSON, SQLite and Excel writers
and the site: one conversion keeps the formats consistent with each other.

The loader gives nullable pandas dtypes (``pd.NA``, ``NaT``, numpy scalars); output libraries want
plain ``str``/``int``/``float``/``bool``/``datetime.date`` or ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._descriptor import Schema


def rows(frame: pd.DataFrame, schema: Schema, iso_dates: bool = False) -> Iterator[tuple[Any, ...]]:
    """The rows of ``frame`` as tuples of plain values (``None`` if missing), in schema order;
    dates as ``datetime.date``, or as ``YYYY-MM-DD`` text (as JSON has them) with ``iso_dates``."""
    import pandas as pd

    def date(value: Any) -> Any:
        day = pd.Timestamp(value).date()
        return day.isoformat() if iso_dates else day

    plain: dict[str, Callable[[Any], Any]] = {
        "date": date,
        "integer": int,
        "year": int,
        "number": float,
        "boolean": bool,
    }
    columns = []
    for field in schema.fields:
        convert = plain.get(field.type, str)
        values = frame[field.name].astype(object).tolist()
        columns.append([None if pd.isna(v) else convert(v) for v in values])
    return zip(*columns, strict=True)
