"""The tools a user would pick instead of ``afpak-data validate``, run on the same package.

Why: a ratio against frictionless says how we compare with the reference validator; a user who
already has a dataframe stack would rather reach for pandera or a typed polars read. Each peer here
is built from OUR Table Schemas (read as plain JSON by ``tableschema.py``, not through afpak_data),
with what the tool offers out of the box, and nothing of afpak_data:

* ``pandera-pandas``: each CSV read by pandas (strings as ``string``, integers ``Int64``, numbers
  ``Float64``, dates parsed with their format), then a ``pandera.pandas`` schema per table: dtype,
  required (``nullable``), ``enum`` (``isin``), ``pattern`` (``str_matches``), ``maxLength``
  (``str_length``), ``minimum`` (``ge``), primary key unique; ``validate(lazy=True)``.
* ``pandera-polars``: the same schema with ``pandera.polars``, on a ``polars.read_csv`` with
  those dtypes.
* ``polars-read``: ``polars.read_csv`` typed from the schema (vocabularies as ``pl.Enum``, which
  rejects a value outside them; dates as ``pl.Date``), and nothing else.
* ``pandas-read``: ``bare_read.read_typed``, the typed ``pandas.read_csv`` of every table.

What the peers do NOT check (afpak-data validate does): foreign keys, polymorphic references,
``x-rules``, ``x-maxWords``, withdrawn IDs, bytes and hashes, the CSV dialect, whitespace and
formula cells. They do less work, so a ratio against them flatters them.

    python benchmarks/peers.py pandera-pandas|pandera-polars|polars-read|pandas-read PACKAGE_DIR

Prints JSON ``{"peer", "rows", "failures"}``; exit 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from tableschema import Field, Package, Resource, read_package  # noqa: E402

PANDAS_TYPES = {"integer": "Int64", "year": "Int64", "number": "Float64", "boolean": "boolean"}


def _checks(check: Any, spec: Field) -> list[Any]:
    """pandera's built-in checks for one field's constraints (same API in both backends)."""
    out = []
    if spec.enum is not None:
        out.append(check.isin(list(spec.enum)))
    if spec.pattern is not None:
        out.append(check.str_matches(spec.pattern))
    if spec.max_length is not None and spec.type == "string":
        out.append(check.str_length(max_value=spec.max_length))
    if spec.minimum is not None:
        out.append(check.ge(spec.minimum))
    return out


def _unique(res: Resource) -> tuple[dict[str, bool], list[str] | None]:
    """Primary key: ``unique=True`` on a one-field key, a frame-level ``unique`` for a composite."""
    pk = list(res.schema.primary_key)
    return ({pk[0]: True} if len(pk) == 1 else {}), (pk if len(pk) > 1 else None)


def pandera_pandas(package: Package) -> tuple[int, int]:
    """Read every table with pandas and validate it with pandera's pandas backend."""
    import pandas as pd
    import pandera.pandas as pa

    rows = failures = 0
    for res in package.resources:
        dtype = {}
        dates = []
        for spec in res.schema.fields:
            if spec.type == "date":
                dates.append(spec.name)
            else:
                dtype[spec.name] = PANDAS_TYPES.get(spec.type, "string")
        frame = pd.read_csv(
            package.root / res.path,
            dtype=dtype,
            parse_dates=dates,
            date_format="%Y-%m-%d",
            keep_default_na=False,
            na_values=list(res.schema.missing_values),
        )
        unique_column, unique_frame = _unique(res)
        columns = {
            spec.name: pa.Column(
                pa.DateTime if spec.type == "date" else PANDAS_TYPES.get(spec.type, "string"),
                checks=_checks(pa.Check, spec),
                nullable=not spec.required,
                unique=unique_column.get(spec.name, False),
            )
            for spec in res.schema.fields
        }
        schema = pa.DataFrameSchema(columns, strict=True, ordered=True, unique=unique_frame)
        rows += len(frame)
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as errors:
            failures += len(errors.failure_cases)
    return rows, failures


def _polars_types(res: Resource, enums: bool) -> dict[str, Any]:
    """polars dtypes from the schema (``pl.Enum`` for vocabularies when ``enums``)."""
    import polars as pl

    out: dict[str, Any] = {}
    for spec in res.schema.fields:
        if spec.type == "date":
            out[spec.name] = pl.Date
        elif spec.type in ("integer", "year"):
            out[spec.name] = pl.Int64
        elif spec.type == "number":
            out[spec.name] = pl.Float64
        elif spec.type == "boolean":
            out[spec.name] = pl.Boolean
        elif enums and spec.enum is not None:
            out[spec.name] = pl.Enum([str(v) for v in spec.enum])
        else:
            out[spec.name] = pl.String
    return out


def _polars_frame(package: Package, res: Resource, enums: bool) -> Any:
    import polars as pl

    return pl.read_csv(
        package.root / res.path,
        schema=_polars_types(res, enums),
        null_values=list(res.schema.missing_values),
    )


def pandera_polars(package: Package) -> tuple[int, int]:
    """Read every table with polars and validate it with pandera's polars backend."""
    import pandera.polars as pa

    rows = failures = 0
    for res in package.resources:
        frame = _polars_frame(package, res, enums=False)
        types = _polars_types(res, enums=False)
        unique_column, unique_frame = _unique(res)
        columns = {
            spec.name: pa.Column(
                types[spec.name],
                checks=_checks(pa.Check, spec),
                nullable=not spec.required,
                unique=unique_column.get(spec.name, False),
            )
            for spec in res.schema.fields
        }
        schema = pa.DataFrameSchema(columns, strict=True, ordered=True, unique=unique_frame)
        rows += frame.height
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as errors:
            failures += len(errors.failure_cases)
    return rows, failures


def polars_read(package: Package) -> tuple[int, int]:
    """A typed ``polars.read_csv`` of every table; a value it cannot type is one failure."""
    import polars as pl

    rows = failures = 0
    for res in package.resources:
        try:
            rows += _polars_frame(package, res, enums=True).height
        except pl.exceptions.PolarsError:
            failures += 1
    return rows, failures


def pandas_read(package: Package) -> tuple[int, int]:
    """``bare_read.read_typed``: the typed pandas read the load_all() comparison uses."""
    from bare_read import read_typed

    frames = read_typed(package.root)
    return sum(len(f) for f in frames.values()), 0


PEERS: dict[str, Callable[[Package], tuple[int, int]]] = {
    "pandera-pandas": pandera_pandas,
    "pandera-polars": pandera_polars,
    "polars-read": polars_read,
    "pandas-read": pandas_read,
}


def main(argv: list[str] | None = None) -> int:
    """Run one peer on one package; print what it found as JSON."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in PEERS:
        print(f"usage: peers.py {{{'|'.join(PEERS)}}} PACKAGE_DIR", file=sys.stderr)
        return 2
    rows, failures = PEERS[args[0]](read_package(Path(args[1])))
    print(json.dumps({"peer": args[0], "rows": rows, "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
