"""Load the package's CSVs as typed pandas DataFrames, with dtypes from the model (``dtypes``).

Each CSV is read by the validator's reader (``_validate.files.read_table``: the same rows, cells
and editor lines as ``afpak-data validate``; ``"NA"`` and ``"null"`` stay text, only the schema's
missing values are missing), and each column typed by Arrow kernels with the validator's rule for
a valid value (``_validate.cells.typed``): ``load`` never accepts what ``validate`` calls a type
error, nor the reverse. A bad value raises :class:`DataError` at the physical line an editor
shows, because pandas would otherwise turn an unknown category into NaN silently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afpak_data._errors import DataError
from afpak_data._load.dtypes import pandas_dtype
from afpak_data._model.descriptor import Field, Package, Resource, read_package
from afpak_data._model.resources import Source, is_url

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._names import TableName

_SHOWN_PROBLEMS = 3
#: The first and last day datetime64[ns] holds, in days since 1970-01-01.
_NS_DAYS = (-106_751, 106_751)


def tables(source: Source = None) -> list[str]:
    """Return the table names of the package, in descriptor order."""
    return package_for(source, []).names


def metadata(source: Source = None) -> dict[str, Any]:
    """Return the parsed ``datapackage.json`` (a plain dict, as published)."""
    return package_for(source, []).descriptor


def load(name: TableName, source: Source = None) -> pd.DataFrame:
    """Return table ``name`` as a DataFrame typed from its Table Schema.

    ``source``: None for the bundled package, a directory holding ``datapackage.json``, the path
    of a ``datapackage.json``, or the URL of a published package (downloaded and hash-checked).
    """
    return read_resource(package_for(source, [name]).resource(name))


def load_all(source: Source = None) -> dict[str, pd.DataFrame]:
    """Return every table of the package, keyed by name, in descriptor order."""
    return {resource.name: read_resource(resource) for resource in whole_package(source).resources}


def package_for(source: Source, names: list[str]) -> Package:
    """The model of ``source`` (refused when unusable), downloading ``names`` first for a URL."""
    return read_package(_fetch(str(source), names) if is_url(source) else source)


def _fetch(base_url: str, names: list[str]) -> Path:
    """The verified local copy of ``names`` of the package at ``base_url``."""
    from afpak_data._errors import PackageNotFoundError
    from afpak_data._model.remote import fetch
    from afpak_data._model.resources import not_a_descriptor

    path = base_url.split("?", 1)[0].split("#", 1)[0]
    if path.lower().endswith((".csv", ".tsv", ".parquet", ".xlsx")):
        raise PackageNotFoundError(not_a_descriptor(base_url, path.rsplit("/", 1)[0] + "/"))
    return Path(fetch(base_url, names))


def local_source(source: Source) -> Source:
    """``source`` as a local package: a URL is downloaded whole first (every CSV, hash-checked),
    for the commands that read every table."""
    if not is_url(source):
        return source
    return _fetch(str(source), package_for(source, []).names)


def whole_package(source: Source) -> Package:
    return read_package(local_source(source))


def read_resource(resource: Resource) -> pd.DataFrame:
    """One resource's CSV, every column in its schema dtype, or DataError. The file is read by the
    validator's reader (``_validate.files``): both see the same rows, cells and editor lines."""
    import numpy as np
    import pandas as pd

    from afpak_data._validate.arrow import picked, where
    from afpak_data._validate.files import read_usable

    table, refused = read_usable(resource)
    if table is None:
        first, more = refused[0], len(refused) - 1
        detail = first.message + (f" (and {more} more: run afpak-data validate)" if more else "")
        raise DataError(first.file, detail, line=first.line, column=first.column, check=first.check)
    rows = np.flatnonzero(table.usable)  # a blank row is no record

    def text(name: str) -> Any:  # missing values as nulls, blank rows left out
        values, missing = table.columns[name], table.missing(name)
        values = where(~missing, values) if missing.any() else values
        return values if len(rows) == len(values) else picked(values, rows)

    lines = table.lines[rows]
    columns = {
        f.name: typed_column(text(f.name), f, resource.path, lambda row: int(lines[row]))
        for f in resource.schema.fields
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def typed_column(column: Any, field: Field, path: str, line_of: Callable[[int], int]) -> Any:
    """A text column (missing: null) in ``field``'s dtype, or DataError at its first bad value:
    the validator's rules and words (``cells.typed``, ``in_enum``, ``MESSAGES``)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from afpak_data._validate.arrow import bools, call, isin, kernels, numbers, strings
    from afpak_data._validate.cells import MESSAGES, in_enum, shorten, typed

    if field.type == "string" and field.enum is None:
        return _text(column)
    present = bools(call("is_valid", column))

    def refuse(bad: np.ndarray, check: str, expected: str = "") -> None:
        rows = np.flatnonzero(bad)
        if not len(rows):
            return
        cells = [str(column[int(r)].as_py()) for r in rows[: _SHOWN_PROBLEMS + 1]]
        detail = (
            f"{shorten(cells[0])!r} is not {expected}"
            if expected
            else MESSAGES[check](cells[0], field)
        )
        others = [
            f"line {line_of(int(r))}: {shorten(v)!r}"
            for r, v in zip(rows[1:], cells[1:], strict=False)
        ]
        if others:
            rest = len(rows) - 1 - len(others)
            detail += f" (also {'; '.join(others)}{f' and {rest} more' if rest else ''})"
        raise DataError(path, detail, line=line_of(int(rows[0])), column=field.name, check=check)

    ok, values = typed(column, field)
    refuse(present & ~ok, "type")
    if field.enum is not None:
        refuse(present & ~in_enum(column, values, field), "enum")
    result: Any
    if field.type == "string":  # with an enum: categorical, its values the categories
        dtype = pandas_dtype(field)
        options = kernels.SetLookupOptions(strings(list(dtype.categories)))
        codes = np.where(present, numbers(call("index_in", column, options=options)), -1)
        return pd.Categorical.from_codes(codes, dtype=dtype)
    if field.type in ("integer", "year"):
        unsigned = call("utf8_ltrim", column, options=kernels.TrimOptions("+"))
        try:
            whole = numbers(unsigned)  # casts the text to int64
        except pa.ArrowInvalid:
            holds = "an integer from -2**63 to 2**63-1 (what Int64 holds)"
            refuse(present & ~_fits_int64(column), "type", holds)
            raise
        result = pd.arrays.IntegerArray(whole, ~present)
    elif field.type == "boolean":
        result = pd.arrays.BooleanArray(isin(column, list(field.true_values)), ~present)
    elif field.type == "number" and values is not None:  # NaN stays NaN; only missing is NA
        result = pd.arrays.FloatingArray(values.to_numpy(zero_copy_only=False), ~present)
    elif field.type == "date" and values is not None:
        days = numbers(values) // 86400  # seconds since 1970, as int64
        outside = present & ((days < _NS_DAYS[0]) | (days > _NS_DAYS[1]))
        refuse(outside, "type", "a date from 1677-09-22 to 2262-04-11 (what datetime64[ns] holds)")
        result = values.to_numpy(zero_copy_only=False)
    else:
        return _text(column)
    return pd.Series(result).astype(pandas_dtype(field))


def _fits_int64(column: Any) -> Any:
    """Which integer texts fit in 64 bits (only asked when a cast failed)."""
    import numpy as np

    def fits(text: str | None) -> bool:
        digits = (text or "0").lstrip("+-").lstrip("0") or "0"
        if len(digits) > 19:  # before int(): Python refuses more than 4,300 digits
            return False
        return -(2**63) <= (-int(digits) if (text or "").startswith("-") else int(digits)) < 2**63

    return np.array([fits(v) for v in column.to_pylist()], bool)


def _text(column: Any) -> pd.Series:
    """An Arrow string column as the loader's text Series (missing: NA), without copying."""
    import pandas as pd
    import pyarrow as pa

    dtype = pd.StringDtype()
    column = column.cast(pa.large_string()) if column.type != pa.large_string() else column
    array = dtype.__from_arrow__(column)  # type: ignore[attr-defined]  # not in pandas-stubs
    text: pd.Series = pd.Series(array, dtype=dtype)
    return text
