"""Load the package's CSVs as typed pandas DataFrames, with dtypes taken from the Table Schemas.

Dtypes (the same ones the pandera schemas expect; see ``pandas_dtype``):

=================  ==========================================================================
Table Schema       pandas
=================  ==========================================================================
string             ``"string"`` (``pd.StringDtype()``, missing = ``pd.NA``), not pandas 3's ``str``
string + enum      ``CategoricalDtype(categories=<enum in schema order>)``
date               ``datetime64[ns]`` (parsed as ``%Y-%m-%d``)
integer, year      ``Int64``
number             ``Float64``
boolean            ``boolean`` (Table Schema ``trueValues`` / ``falseValues``)
anything else      ``"string"``
=================  ==========================================================================

``"string"`` rather than ``str`` so that every missing value in a loaded table is ``pd.NA``, as
in the nullable ``Int64``/``boolean``/``Float64`` columns. Each CSV is read once, as text (``"NA"``
and ``"null"`` stay text; only an empty cell is missing), then each column is converted vectorised.
A value that does not fit its type or vocabulary raises :class:`DataError` before anything is
converted, because pandas would otherwise turn an unknown category into NaN without a word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from afpak_data._descriptor import Field, Package, Resource, read_package
from afpak_data._resources import Source, fetch_remote, is_url

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._names import TableName

DATE_FORMAT = "%Y-%m-%d"
DATE_UNIT = "datetime64[ns]"
_INTEGER = r"[+-]?\d+"
_DATE = r"\d{4}-\d{2}-\d{2}"
_SHOWN_PROBLEMS = 3


class DataError(ValueError):
    """A CSV cannot be loaded as its schema says (``path:line: column 'x': what is wrong``).

    The parts stay available as attributes (``path``, ``line``, ``column``, ``check``,
    ``detail``) so callers can report the problem in their own format.
    """

    def __init__(
        self,
        path: str,
        detail: str,
        *,
        line: int | None = None,
        column: str | None = None,
        check: str = "load",
    ) -> None:
        self.path, self.detail, self.line, self.column, self.check = (
            path,
            detail,
            line,
            column,
            check,
        )
        where = f"{path}:{line}" if line is not None else path
        column_part = f" column {column!r}:" if column else ""
        super().__init__(f"{where}:{column_part} {detail}")


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
    package = package_for(source, [name])
    return read_resource(package.resource(name))


def load_all(source: Source = None) -> dict[str, pd.DataFrame]:
    """Return every table of the package, keyed by name, in descriptor order."""
    package = package_for(source, [])
    if is_url(source):
        package = package_for(source, package.names)
    return {resource.name: read_resource(resource) for resource in package.resources}


def package_for(source: Source, names: list[str]) -> Package:
    """Read the package ``source`` designates, downloading ``names`` first if it is a URL."""
    if is_url(source):
        assert isinstance(source, str)
        return read_package(fetch_remote(source, names))
    return read_package(source)


def local_source(source: Source) -> Source:
    """``source`` as a local package: a URL is downloaded whole first (every CSV, hash-checked).

    For the commands that read every table (validate, export, site, diff, release-check, bundle).
    """
    if not is_url(source):
        return source
    assert isinstance(source, str)
    names = read_package(fetch_remote(source, [])).names
    return fetch_remote(source, names)


def whole_package(source: Source) -> Package:
    """The package ``source`` designates with every table available locally (see above)."""
    return read_package(local_source(source))


def string_dtype() -> Any:
    """The dtype of text columns (one definition, shared with the pandera schemas)."""
    import pandas as pd

    return pd.StringDtype()


def pandas_dtype(field: Field) -> Any:
    """Return the pandas dtype a loaded column of ``field`` has."""
    import pandas as pd

    if field.type == "string" and field.enum is not None:
        return pd.CategoricalDtype(categories=list(field.enum), ordered=False)
    return {
        "integer": pd.Int64Dtype(),
        "year": pd.Int64Dtype(),
        "number": pd.Float64Dtype(),
        "boolean": pd.BooleanDtype(),
        "date": pd.api.types.pandas_dtype(DATE_UNIT),
    }.get(field.type, string_dtype())


def read_resource(resource: Resource) -> pd.DataFrame:
    """Read one resource's CSV and convert every column to its schema dtype.

    pyarrow reads it when it can vouch for the result (``_arrow_read``); otherwise, and for every
    file or value that must be refused, pandas reads it here and the error is raised here.
    """
    import pandas as pd

    from afpak_data import _arrow_read

    fast = _arrow_read.read(resource, convert_column)
    if fast is not None:
        return fast
    schema = resource.schema
    try:
        frame = pd.read_csv(
            resource.file,
            dtype=string_dtype(),
            keep_default_na=False,
            na_values=list(schema.missing_values),
            encoding=resource.encoding,
        )
    except FileNotFoundError as exc:
        raise DataError(resource.path, f"file not found ({resource.file})") from exc
    except UnicodeDecodeError as exc:
        raise DataError(resource.path, f"not valid {resource.encoding} ({exc.reason})") from exc
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise DataError(resource.path, f"cannot be read as CSV ({exc})") from exc
    _check_header(resource, list(frame.columns))
    for spec in schema.fields:
        frame[spec.name] = convert_column(frame[spec.name], spec, resource.path)
    return frame


def convert_column(values: pd.Series, field: Field, path: str = "<table>") -> pd.Series:
    """Convert a text column (``"string"`` dtype, missing = NA) to ``field``'s dtype, or raise."""
    import pandas as pd

    present = values.notna()
    if field.type in ("integer", "year"):
        _refuse(
            values,
            present & ~values.str.fullmatch(_INTEGER).fillna(False),
            field,
            path,
            "an integer",
        )
        converted = pd.to_numeric(values, errors="coerce").astype(pd.Int64Dtype())
    elif field.type == "number":
        numbers = pd.to_numeric(values, errors="coerce")
        literal_nan = values.str.fullmatch(r"[+-]?NaN").fillna(False)
        _refuse(values, present & numbers.isna() & ~literal_nan, field, path, "a number")
        converted = numbers.astype(pd.Float64Dtype())
    elif field.type == "boolean":
        is_true = values.isin(field.true_values)
        is_false = values.isin(field.false_values)
        expected = "one of " + ", ".join(field.true_values + field.false_values)
        _refuse(values, present & ~is_true & ~is_false, field, path, expected)
        converted = pd.Series(pd.NA, index=values.index, dtype=pd.BooleanDtype())
        converted[is_true.to_numpy(dtype=bool)] = True
        converted[is_false.to_numpy(dtype=bool)] = False
    elif field.type == "date":
        shaped = values.str.fullmatch(_DATE).fillna(False)
        parsed = pd.to_datetime(values.where(shaped), format=DATE_FORMAT, errors="coerce")
        _refuse(values, present & parsed.isna(), field, path, "a date as YYYY-MM-DD")
        converted = parsed.astype(DATE_UNIT)
    else:
        converted = values.astype(string_dtype())
    if field.enum is not None:
        allowed = list(field.enum)
        expected = "one of " + ", ".join(str(v) for v in allowed)
        bad = converted.notna() & ~converted.isin(allowed)
        _refuse(values, bad, field, path, expected, check="enum")
        if field.type == "string":
            converted = pd.Series(
                pd.Categorical(converted, categories=allowed), index=values.index, name=values.name
            )
    return converted


def _refuse(
    values: pd.Series,
    bad: pd.Series,
    field: Field,
    path: str,
    expected: str,
    check: str = "type",
) -> None:
    """Raise DataError at the first bad value, naming the next few bad lines too."""
    if not bad.any():
        return
    rows = bad[bad.fillna(False)].index
    first = rows[0]
    detail = f"{values[first]!r} is not {expected}"
    others = [f"line {row + 2}: {values[row]!r}" for row in rows[1 : _SHOWN_PROBLEMS + 1]]
    if others:
        rest = len(rows) - 1 - len(others)
        more = f" and {rest} more" if rest else ""
        detail += f" (also {'; '.join(others)}{more})"
    raise DataError(path, detail, line=int(first) + 2, column=field.name, check=check)


def _check_header(resource: Resource, header: list[str]) -> None:
    """The CSV header must name exactly the schema's fields, in order."""
    expected = list(resource.schema.field_names)
    if header == expected:
        return
    missing = [name for name in expected if name not in header]
    extra = [name for name in header if name not in expected]
    detail = []
    if missing:
        detail.append(f"missing {', '.join(missing)}")
    if extra:
        detail.append(f"unexpected {', '.join(map(str, extra))}")
    if not detail:
        detail.append("columns out of order")
    raise DataError(
        resource.path,
        f"header does not match the schema ({'; '.join(detail)}; expected {', '.join(expected)})",
        line=1,
        check="header",
    )
