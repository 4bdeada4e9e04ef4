"""The loader's fast path: read a CSV with pyarrow and convert its columns with Arrow kernels.

Why: ``pandas.read_csv`` with text dtypes spends most of its time building string objects, and
the loader then checked and converted each column again; pyarrow parses on all cores into Arrow
strings that pandas' ``string`` dtype uses as they are. The result is the same DataFrame as the
pandas path (``_loader.read_resource``): same columns, dtypes, values and index.

This path only ever *accepts*: whenever it cannot vouch for the result (no pyarrow, an encoding
other than UTF-8, a file pyarrow cannot parse, a header or a value that is wrong), it returns None
and the pandas path reads the file again and raises the located ``DataError`` it always raised.
Conversions that are rare in this package (numbers, booleans, other types) reuse the pandas path's
``convert_column`` on the Arrow-backed text column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._descriptor import Field, Resource

INTEGER = r"^[+-]?\d+$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
UTF8 = {"utf-8", "utf8"}


def read(resource: Resource, convert: Callable[[Any, Field, str], Any]) -> pd.DataFrame | None:
    """``resource`` as the loader's typed DataFrame, or None to let the pandas path decide.

    ``convert`` is the pandas path's column converter (text Series, field, path), used for the
    types this module does not convert itself.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency; the pandas path remains
        return None
    if resource.encoding.lower().replace("_", "-") not in UTF8:
        return None
    schema = resource.schema
    names = list(schema.field_names)
    try:
        table = pacsv.read_csv(
            resource.file,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=list(schema.missing_values),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowException, OSError, ValueError):
        return None
    if table.column_names != names:
        return None
    import pandas as pd

    columns = {}
    for field in schema.fields:
        column = _convert(table.column(field.name), field)
        if column is None:
            text = _text(table.column(field.name))
            column = convert(text, field, resource.path)  # raises on a bad value
        columns[field.name] = column
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def _text(column: Any) -> pd.Series:
    """An Arrow string column as the loader's ``string`` Series (missing: NA), without copying."""
    import pandas as pd
    import pyarrow as pa

    from afpak_data._loader import string_dtype

    dtype = string_dtype()
    column = column.cast(pa.large_string()) if column.type != pa.large_string() else column
    return pd.Series(dtype.__from_arrow__(column), dtype=dtype)


def _convert(column: Any, field: Field) -> Any | None:
    """The converted column, or None (a type left to the pandas path, or a value it must refuse)."""
    import pyarrow.compute as pc

    if field.type == "string" and field.enum is None:
        return _text(column)
    if field.type == "string":
        return _categories(column, [str(v) for v in field.enum])
    if field.type in ("integer", "year") and field.enum is None:
        if not _all(pc.match_substring_regex(column, INTEGER), column):
            return None
        return _integers(column)
    if (
        field.type == "date"
        and field.enum is None
        and field.format in (None, "default", "%Y-%m-%d")
    ):
        return _dates(column)
    return None


def _all(result: Any, column: Any) -> bool:
    """Whether every present value passed (``result`` is null exactly where values are missing)."""
    import pyarrow.compute as pc

    return bool(pc.all(pc.or_kleene(result, pc.is_null(column))).as_py())


def _categories(column: Any, categories: list[str]) -> Any | None:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    codes = pc.index_in(column, value_set=pa.array(categories, type=column.type))
    if codes.null_count != column.null_count:
        return None  # a value outside the vocabulary
    filled = (
        pc.fill_null(codes, -1)
        .to_numpy(zero_copy_only=False)
        .astype(np.int8 if len(categories) < 127 else np.int32)
    )
    dtype = pd.CategoricalDtype(categories=categories, ordered=False)
    return pd.Categorical.from_codes(filled, dtype=dtype)


def _integers(column: Any) -> Any | None:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        numbers = column.cast(pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # out of the int64 range
        return None
    data = pc.fill_null(numbers, 0).combine_chunks().to_numpy(zero_copy_only=False)
    mask = pc.is_null(numbers).combine_chunks().to_numpy(zero_copy_only=False)
    return pd.arrays.IntegerArray(data.astype(np.int64), np.asarray(mask, dtype=bool))


def _dates(column: Any) -> Any | None:
    """``YYYY-MM-DD`` dates as datetime64[ns]; None if any is malformed or not in the calendar."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not _all(pc.match_substring_regex(column, DATE), column):
        return None
    parsed = pc.strptime(column, format="%Y-%m-%d", unit="s", error_is_null=True)
    if parsed.null_count != column.null_count:
        return None
    years = pc.year(parsed)
    if not _all(pc.and_(pc.greater(years, 1677), pc.less(years, 2262)), column):
        return None  # outside what datetime64[ns] holds: the pandas path refuses it
    written = pc.cast(pc.utf8_slice_codeunits(column, 8, 10), pa.int64())
    if not _all(pc.equal(pc.day(parsed), written), column):
        return None  # Arrow rolled an impossible day (2025-02-30) over to the next month
    stamps = parsed.cast(pa.timestamp("ns")).combine_chunks()
    return stamps.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
