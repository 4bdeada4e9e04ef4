"""Load the package's CSVs as typed pandas DataFrames, with dtypes from the model (``dtypes``).

pyarrow parses each CSV once, as text (``"NA"`` and ``"null"`` stay text; only the schema's
missing values are missing). Arrow kernels type the clean columns (see :func:`_arrow_convert`);
:func:`convert_column` types any other column or raises :class:`DataError` at the first bad value,
at the physical line an editor shows (a multi-line cell counts as its lines), because pandas would
otherwise turn an unknown category into NaN silently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afpak_data._csvfmt import records
from afpak_data._errors import DataError
from afpak_data._load.dtypes import pandas_dtype
from afpak_data._model.descriptor import DATE_FORMAT, Field, Package, Resource, read_package
from afpak_data._model.resources import Source, is_url

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._names import TableName

_SHOWN_PROBLEMS = 3
_INTEGER = r"[+-]?\d+"
_DATE = r"\d{4}-\d{2}-\d{2}"


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
    """One resource's CSV, every column in its schema dtype, or DataError."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    schema = resource.schema
    try:
        table = pacsv.read_csv(
            resource.file,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(schema.field_names, pa.string()),
                null_values=list(schema.missing_values),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except FileNotFoundError as exc:
        raise DataError(resource.path, f"file not found ({resource.file})") from exc
    except (pa.ArrowException, OSError) as exc:
        message = str(exc).splitlines()[0]
        if "UTF8" in message or "UTF-8" in message:
            raise DataError(
                resource.path, f"not valid UTF-8 ({message})", check="encoding"
            ) from exc
        raise DataError(resource.path, f"cannot be read as CSV ({message})") from exc
    _check_header(resource, table.column_names)
    lines: list[int] = []

    def line_of(row: int) -> int:
        if not lines:
            with open(resource.file, encoding="utf-8-sig", newline="") as handle:
                lines.extend(n for n, cells in records(handle, resource.path) if cells)
        return lines[row + 1] if row + 1 < len(lines) else row + 2

    columns = {}
    for field in schema.fields:
        column = table.column(field.name)
        converted = _arrow_convert(column, field)
        if converted is None:
            converted = convert_column(_text(column), field, resource.path, line_of)
        columns[field.name] = converted
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def convert_column(
    values: pd.Series, field: Field, path: str, line_of: Callable[[int], int]
) -> pd.Series:
    """A text column (missing = NA) as ``field``'s dtype, or DataError at its first bad row."""
    import pandas as pd

    present = values.notna()

    def refuse(bad: pd.Series, expected: str, check: str = "type") -> None:
        if not bad.any():
            return
        rows = bad[bad.fillna(False)].index
        first = int(rows[0])
        detail = f"{values[first]!r} is not {expected}"
        others = [f"line {line_of(int(r))}: {values[r]!r}" for r in rows[1 : _SHOWN_PROBLEMS + 1]]
        if others:
            rest = len(rows) - 1 - len(others)
            more = f" and {rest} more" if rest else ""
            detail += f" (also {'; '.join(others)}{more})"
        raise DataError(path, detail, line=line_of(first), column=field.name, check=check)

    converted: Any = values
    if field.type in ("integer", "year"):
        refuse(present & ~values.str.fullmatch(_INTEGER).fillna(False), "an integer")
        converted = pd.to_numeric(values, errors="coerce").astype(pd.Int64Dtype())
    elif field.type == "number":
        converted = pd.to_numeric(values, errors="coerce")
        literal_nan = values.str.fullmatch(r"[+-]?NaN").fillna(False)
        refuse(present & converted.isna() & ~literal_nan, "a number")
    elif field.type == "boolean":
        is_true = values.isin(field.true_values)
        is_false = values.isin(field.false_values)
        spellings = ", ".join(field.true_values + field.false_values)
        refuse(present & ~is_true & ~is_false, f"one of {spellings}")
        converted = is_true.astype(pd.BooleanDtype()).where(is_true | is_false)
    elif field.type == "date":
        shaped = values.str.fullmatch(_DATE).fillna(False)
        converted = pd.to_datetime(values.where(shaped), format=DATE_FORMAT, errors="coerce")
        refuse(present & converted.isna(), "a date as YYYY-MM-DD")
    if field.enum is not None:
        allowed = ", ".join(str(v) for v in field.enum)
        bad = converted.notna() & ~converted.isin(list(field.enum))
        refuse(bad, f"one of {allowed}", check="enum")
    result: pd.Series = converted.astype(pandas_dtype(field))
    return result


def _check_header(resource: Resource, header: list[str]) -> None:
    """The CSV header must name exactly the schema's fields, in order."""
    expected = list(resource.schema.field_names)
    if header == expected:
        return
    missing = ", ".join(name for name in expected if name not in header)
    extra = ", ".join(name for name in header if name not in expected)
    detail = [f"missing {missing}"] if missing else []
    detail += [f"unexpected {extra}"] if extra else []
    raise DataError(
        resource.path,
        f"header does not match the schema ({'; '.join(detail) or 'columns out of order'}; "
        f"expected {', '.join(expected)})",
        line=1,
        check="header",
    )


# Why a second conversion next to convert_column: on clean columns (every column of a release)
# Arrow's kernels are 3-10x cheaper than the pandas string methods, which the load budget needs
# (benchmarks/RESULTS.md, load-real package). They only ever accept: anything they are unsure
# of (a bad value, a date out of range, an impossible day) returns None, and convert_column
# types the column or names the first bad value. tests/test_loader_oracle.py checks every cell
# of both, and that a clean package never reaches convert_column for these types.


def _arrow_convert(column: Any, field: Field) -> Any | None:
    """The column converted by Arrow kernels, or None (left to :func:`convert_column`)."""
    import pyarrow.compute as pc

    if field.type == "string" and field.enum is None:
        return _text(column)
    if field.type == "string":
        return _categories(column, [str(v) for v in field.enum or ()])
    if field.type in ("integer", "year") and field.enum is None:
        if not _all(pc.match_substring_regex(column, f"^{_INTEGER}$"), column):
            return None
        return _integers(column)
    if field.type == "date" and field.enum is None and field.format in ("default", DATE_FORMAT):
        return _dates(column, field)
    return None


def _text(column: Any) -> pd.Series:
    """An Arrow string column as the loader's text Series (missing: NA), without copying."""
    import pandas as pd
    import pyarrow as pa

    dtype = pd.StringDtype()
    column = column.cast(pa.large_string()) if column.type != pa.large_string() else column
    array = dtype.__from_arrow__(column)  # type: ignore[attr-defined]  # not in pandas-stubs
    text: pd.Series = pd.Series(array, dtype=dtype)
    return text


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


def _dates(column: Any, field: Field) -> Any | None:
    """``YYYY-MM-DD`` dates as datetime64[ns]; None if any is malformed or not in the calendar."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not _all(pc.match_substring_regex(column, f"^{_DATE}$"), column):
        return None
    parsed = pc.strptime(column, format=DATE_FORMAT, unit="s", error_is_null=True)
    if parsed.null_count != column.null_count:
        return None
    years = pc.year(parsed)
    in_range = pc.and_(pc.greater(years, 1677), pc.less(years, 2262))  # type: ignore[call-overload]
    if not _all(in_range, column):
        return None  # outside what datetime64[ns] holds: convert_column refuses it
    written = pc.cast(pc.utf8_slice_codeunits(column, 8, 10), pa.int64())
    if not _all(pc.equal(pc.day(parsed), written), column):
        return None  # Arrow rolled an impossible day (2025-02-30) over to the next month
    stamps = parsed.cast(pa.timestamp("ns")).combine_chunks()
    return stamps.to_numpy(zero_copy_only=False).astype(pandas_dtype(field))
