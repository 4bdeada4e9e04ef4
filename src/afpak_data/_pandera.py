"""pandera schemas built from the Table Schemas, plus the checks Table Schema cannot express.

The Table Schemas stay the one source of truth: every column check here is derived from a field's
type and constraints, so a change to ``metadata/`` reaches pandera without touching this module.
(pandera's own ``from_frictionless_schema`` drops dates and foreign keys, hence this builder.)

Check names follow the Table Schema words (``required``, ``enum``, ``pattern``, ``maxLength``,
``primaryKey``, ``foreignKey``...) so a failure says which constraint of the schema was broken.

What Table Schema cannot say lives in two places:

* ``x-rules`` in a table's schema: rules between two fields of one row, as data. Their kinds
  (``paired``, ``ordered``, ``unknown_when_empty``) are implemented once, in ``RULE_KINDS``.
* :func:`check_foreign_keys`: keys across tables, including ``x-polymorphicReferences`` (an ID that
  may point into one of several tables; the table whose ID pattern it matches is the one it must
  exist in). Self-references are table-local and are checked inside each table's schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from afpak_data._descriptor import (
    DATE_FORMAT,
    Field,
    Package,
    PackageError,
    Resource,
    RowRule,
    Schema,
)
from afpak_data._dtypes import pandas_dtype
from afpak_data._loader import DataError, package_for, read_resource
from afpak_data._resources import Source

if TYPE_CHECKING:
    from collections.abc import Sequence


def _paired(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
    return frame[a].isna() == frame[b].isna()


def _ordered(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
    both = frame[a].notna() & frame[b].notna()
    return ~both | (frame[a] <= frame[b]).fillna(True)


def _unknown_when_empty(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
    unknown = frame[b].astype("string").eq("unknown").fillna(False)
    return frame[a].isna() == unknown


#: ``x-rules`` kinds: each takes the frame and the rule's two fields and returns True on the rows
#: that obey it. A new kind is one function and one line here; tables opt in through their schema.
RULE_KINDS: dict[str, Callable[[pd.DataFrame, str, str], pd.Series]] = {
    "paired": _paired,
    "ordered": _ordered,
    "unknown_when_empty": _unknown_when_empty,
}


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in a package, located as ``path:line: column 'x': message``."""

    path: str
    line: int | None
    column: str | None
    check: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        column = f" column {self.column!r}:" if self.column else ""
        return f"{where}:{column} {self.message}"


def pandera_schema(name: str, source: Source = None) -> pa.DataFrameSchema:
    """Return the pandera schema of table ``name`` of the package at ``source``."""
    return build_schema(package_for(source, []).resource(name))


def build_schema(resource: Resource) -> pa.DataFrameSchema:
    """Build the pandera DataFrameSchema of one resource from its Table Schema.

    Every check is named after the Table Schema constraint it enforces and carries a
    ``description`` saying what was expected; ``schema.metadata["table_checks"]`` lists, in the
    order of ``schema.checks``, the fields each table-level check concerns, so its failures are
    reported once per row on those fields rather than on every column.
    """
    schema = resource.schema
    primary = set(schema.primary_key)
    columns = {
        spec.name: pa.Column(
            pandas_dtype(spec),
            checks=_column_checks(spec),
            nullable=not (spec.required or spec.name in primary),
            unique=spec.unique or (len(schema.primary_key) == 1 and spec.name in primary),
            required=True,
            description=spec.description or None,
        )
        for spec in schema.fields
    }
    table_checks = _table_checks(schema, resource.name)
    return pa.DataFrameSchema(
        columns,
        checks=[check for check, _ in table_checks],
        strict=True,
        ordered=True,
        name=resource.name,
        description=resource.description or None,
        metadata={"table_checks": [list(fields) for _, fields in table_checks]},
    )


def _check(
    fn: Callable[[Any], Any], name: str, expected: str, needs: Sequence[str] = ()
) -> pa.Check:
    """A vectorised check named after its constraint; ``expected`` says what a value must be.

    A row check that ``needs`` columns passes when one of them is absent: the missing column is
    reported once by pandera's own column check, not again as a crash of every rule using it.
    """
    if not needs:
        return pa.Check(fn, name=name, description=expected)

    def guarded(frame: pd.DataFrame) -> Any:
        if any(column not in frame.columns for column in needs):
            return True
        return fn(frame)

    return pa.Check(guarded, name=name, description=expected)


def _column_checks(spec: Field) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if spec.enum is not None:
        allowed = list(spec.enum)
        expected = "one of " + ", ".join(map(str, allowed))
        checks.append(_check(lambda s, a=allowed: s.isin(a), "enum", expected))
    if spec.pattern is not None:
        anchored = re.compile(f"(?:{spec.pattern})\\Z")
        checks.append(
            _check(
                lambda s, rx=anchored: s.astype("string").str.match(rx),
                "pattern",
                f"matching {spec.pattern}",
            )
        )
    if spec.min_length is not None:
        n = spec.min_length
        checks.append(
            _check(
                lambda s, n=n: s.astype("string").str.len() >= n,
                "minLength",
                f"at least {n} characters",
            )
        )
    if spec.max_length is not None:
        n = spec.max_length
        checks.append(
            _check(
                lambda s, n=n: s.astype("string").str.len() <= n,
                "maxLength",
                f"at most {n} characters",
            )
        )
    if spec.minimum is not None:
        low = _bound(spec, spec.minimum)
        checks.append(_check(lambda s, b=low: s >= b, "minimum", f"at least {spec.minimum}"))
    if spec.maximum is not None:
        high = _bound(spec, spec.maximum)
        checks.append(_check(lambda s, b=high: s <= b, "maximum", f"at most {spec.maximum}"))
    if spec.max_words is not None:
        n = spec.max_words
        checks.append(
            _check(
                lambda s, n=n: s.astype("string").str.split().str.len() <= n,
                "x-maxWords",
                f"at most {n} words",
            )
        )
    return checks


def _bound(spec: Field, value: Any) -> Any:
    """Table Schema writes date bounds as text; compare them as timestamps."""
    if spec.type == "date":
        return pd.to_datetime(value, format=DATE_FORMAT)
    return value


def _table_checks(schema: Schema, table: str) -> list[tuple[pa.Check, tuple[str, ...]]]:
    """Checks on whole rows, each with the fields it concerns."""
    checks: list[tuple[pa.Check, tuple[str, ...]]] = []
    if len(schema.primary_key) > 1:
        checks.append((_unique_rows(schema.primary_key, "primaryKey"), schema.primary_key))
    for key in schema.unique_keys:
        checks.append((_unique_rows(key, "uniqueKeys"), key))
    for fk in schema.foreign_keys:
        if fk.resource in (None, table):
            checks.append((_self_reference(fk.fields, fk.reference_fields), fk.fields))
    for rule in schema.rules:
        checks.append((_rule_check(rule, schema, table), rule.fields))
    return checks


def _rule_check(rule: RowRule, schema: Schema, table: str) -> pa.Check:
    """The pandera check of one ``x-rules`` entry (refusing kinds and fields we do not know)."""
    kind = RULE_KINDS.get(rule.kind)
    if kind is None:
        raise PackageError(
            f"table {table!r}: x-rules kind {rule.kind!r} is unknown "
            f"(expected one of {', '.join(RULE_KINDS)})"
        )
    unknown = [f for f in rule.fields if f not in schema.field_names]
    if len(rule.fields) != 2 or unknown:
        raise PackageError(
            f"table {table!r}: x-rules {rule.kind!r} needs two fields of the table "
            f"(got {', '.join(rule.fields) or 'none'})"
        )
    first, second = rule.fields
    return _check(
        lambda frame: kind(frame, first, second),
        f"x-rules:{rule.kind}",
        rule.description or f"{rule.kind} ({first}, {second})",
        (first, second),
    )


def _unique_rows(key: Sequence[str], name: str) -> pa.Check:
    """Every row whose key is a duplicate fails (both rows are named); rows with a missing part
    of the key are not compared, as in Table Schema."""
    fields = list(key)

    def unique(frame: pd.DataFrame) -> pd.Series:
        complete = frame[fields].notna().all(axis=1)
        duplicated = frame[fields].duplicated(keep=False) & complete
        return ~duplicated

    return _check(unique, name, f"({', '.join(fields)}) unique across rows", fields)


def _self_reference(fields: Sequence[str], reference: Sequence[str]) -> pa.Check:
    local, target = list(fields), list(reference)

    def resolves(frame: pd.DataFrame) -> pd.Series:
        return _keys_found(frame, local, frame, target)

    return _check(
        resolves, "foreignKey", f"an existing {', '.join(target)} of this table", local + target
    )


def _keys_found(
    frame: pd.DataFrame, fields: list[str], target: pd.DataFrame, reference: list[str]
) -> pd.Series:
    """True where the row's key is missing (nothing to resolve) or exists in ``target``."""
    missing = frame[fields].isna().any(axis=1)
    mine = pd.MultiIndex.from_frame(frame[fields].astype("string"))
    theirs = pd.MultiIndex.from_frame(target[reference].astype("string"))
    return pd.Series(mine.isin(theirs), index=frame.index) | missing


def check_foreign_keys(
    frames: Mapping[str, pd.DataFrame],
    package: Package,
    *,
    include_self: bool = True,
    unavailable: Collection[str] = (),
) -> list[Problem]:
    """Return every foreign-key problem across the tables in ``frames``.

    Includes ``x-polymorphicReferences``. Self-references are checked too unless ``include_self``
    is False (``validate_all`` leaves them to the pandera schemas, which check them already).
    Keys into the tables named in ``unavailable`` (already reported as unloadable) are skipped.
    """
    problems: list[Problem] = []
    for resource in package.resources:
        frame = frames.get(resource.name)
        if frame is None:
            continue
        for fk in resource.schema.foreign_keys:
            target_name = fk.resource or resource.name
            if target_name in unavailable or (not include_self and target_name == resource.name):
                continue
            target = frames.get(target_name)
            if target is None:
                problems.append(
                    Problem(
                        resource.path,
                        None,
                        ", ".join(fk.fields),
                        "foreignKey",
                        f"refers to table {target_name!r}, which is not loaded or not in "
                        f"the package",
                    )
                )
                continue
            found = _keys_found(frame, list(fk.fields), target, list(fk.reference_fields))
            for row in found.index[~found.to_numpy(dtype=bool)]:
                value = ", ".join(str(frame.at[row, f]) for f in fk.fields)
                problems.append(
                    Problem(
                        resource.path,
                        _line(row),
                        ", ".join(fk.fields),
                        "foreignKey",
                        f"{value!r} not found in {target_name} "
                        f"(expected an existing {', '.join(fk.reference_fields)})",
                    )
                )
        for poly in resource.schema.polymorphic_references:
            if set(poly.resources) & set(unavailable):
                continue
            problems.extend(
                _polymorphic_problems(resource, frame, poly.fields, poly.resources, frames, package)
            )
    return sorted(problems, key=_sort_key)


def _polymorphic_problems(
    resource: Resource,
    frame: pd.DataFrame,
    fields: tuple[str, ...],
    targets: tuple[str, ...],
    frames: Mapping[str, pd.DataFrame],
    package: Package,
) -> list[Problem]:
    """Each value must exist as the primary key of the target whose ID pattern it matches."""
    column = ", ".join(fields)
    keys: dict[str, set[tuple[str, ...]]] = {}
    patterns: dict[str, re.Pattern[str] | None] = {}
    for name in targets:
        target_frame = frames.get(name)
        target = _resource_or_none(package, name)
        if target_frame is None or target is None or not target.schema.primary_key:
            return [
                Problem(
                    resource.path,
                    None,
                    column,
                    "foreignKey",
                    f"x-polymorphicReferences names table {name!r}, which is not "
                    f"loaded or has no primary key",
                )
            ]
        pk = list(target.schema.primary_key)
        keys[name] = set(target_frame[pk].astype("string").itertuples(index=False, name=None))
        pattern = target.schema.field(pk[0]).pattern if len(pk) == 1 else None
        patterns[name] = re.compile(f"(?:{pattern})\\Z") if pattern else None
    problems = []
    values = frame[list(fields)].astype("string")
    for row, value in zip(values.index, values.itertuples(index=False, name=None), strict=True):
        if any(pd.isna(v) for v in value):
            continue
        candidates = [n for n in targets if patterns[n] is None or patterns[n].match(value[0])]
        if not candidates:
            message = f"{value[0]!r} matches the ID pattern of none of {', '.join(targets)}"
        elif any(value in keys[n] for n in candidates):
            continue
        else:
            message = f"{', '.join(value)!r} not found in {' or '.join(candidates)}"
        problems.append(Problem(resource.path, _line(row), column, "foreignKey", message))
    return problems


def _resource_or_none(package: Package, name: str) -> Resource | None:
    return next((r for r in package.resources if r.name == name), None)


def validate_all(source: Source = None) -> list[Problem]:
    """Load every table, run its pandera schema and the cross-table keys; return all problems.

    An empty list means the package passed. Tables that cannot be loaded are reported and left out
    of the foreign-key check (which would only repeat the same problem).
    """
    package = package_for(source, [])
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for resource in package.resources:
        try:
            frame = read_resource(resource)
        except DataError as exc:
            problems.append(Problem(exc.path, exc.line, exc.column, exc.check, exc.detail))
            continue
        frames[resource.name] = frame
        problems.extend(schema_problems(resource, frame))
    failed = [r.name for r in package.resources if r.name not in frames]
    problems.extend(check_foreign_keys(frames, package, include_self=False, unavailable=failed))
    return sorted(problems, key=_sort_key)


def schema_problems(resource: Resource, frame: pd.DataFrame) -> list[Problem]:
    """Run the resource's pandera schema on ``frame`` and turn its failures into problems."""
    schema = build_schema(resource)
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        return problems_from_errors(resource.path, schema, frame, exc)
    return []


def failed_checks(errors: SchemaErrors) -> set[tuple[str | None, str]]:
    """``(column, check)`` pairs of a pandera SchemaErrors (check names as in Table Schema)."""
    return {
        (_column_of(case), _check_name(case.check))
        for case in errors.failure_cases.itertuples(index=False)
    }


def _column_of(case: Any) -> str | None:
    """The column a failure concerns; for a missing or unexpected column, pandera puts the table
    name in ``column`` and the column's name in ``failure_case``."""
    if _check_name(case.check) in ("column_in_dataframe", "column_in_schema", "column_ordered"):
        return str(case.failure_case)
    return case.column if isinstance(case.column, str) else None


def problems_from_errors(
    path: str, schema: pa.DataFrameSchema, frame: pd.DataFrame, errors: SchemaErrors
) -> list[Problem]:
    """One problem per failing (row, check); table-level checks name their fields once."""
    expected = _expectations(schema)
    table_fields: list[list[str]] = (schema.metadata or {}).get("table_checks", [])
    problems = set()
    for case in errors.failure_cases.itertuples(index=False):
        check = _check_name(case.check)
        line = _line(case.index)
        number = _table_check_number(case, len(table_fields))
        if number is not None:
            fields = table_fields[number]
            column = ", ".join(fields)
            row = case.index
            shown = ", ".join(_show(frame.at[row, f]) for f in fields) if line else ""
            wanted = schema.checks[number].description or check
        else:
            column = _column_of(case)
            shown = _show(case.failure_case)
            wanted = expected.get((column, check), _PANDERA_WORDS.get(check, str(case.check)))
        if check == "required":
            message = "missing value (a value is required)"
        else:
            message = f"{shown} breaks {check} (expected {wanted})"
        problems.add(Problem(path, line, column, check, message))
    return sorted(problems, key=_sort_key)


#: What pandera's own checks expect, in the words of our messages.
_PANDERA_WORDS = {
    "unique": "no duplicates in this column",
    "column_in_schema": "only the schema's columns",
    "column_in_dataframe": "every column of the schema",
    "column_ordered": "the schema's column order",
}


def _expectations(schema: pa.DataFrameSchema) -> dict[tuple[str | None, str], str]:
    """(column or None for table checks, check name) -> what the check expects."""
    found: dict[tuple[str | None, str], str] = {}
    for name, column in schema.columns.items():
        for check in column.checks:
            found[(name, str(check.name))] = check.description or str(check.name)
        found[(name, "dtype")] = str(column.dtype)
    return found


def _table_check_number(case: Any, count: int) -> int | None:
    """The position in ``schema.checks`` of a failing table-level check (None for column checks)."""
    if case.schema_context != "DataFrameSchema":
        return None
    try:
        number = int(case.check_number)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < count else None


def _check_name(check: Any) -> str:
    """pandera spells checks ``name`` or ``name('arg')``; keep the name, in Table Schema words."""
    text = str(check)
    name = text.split("(", 1)[0]
    return {"not_nullable": "required", "field_uniqueness": "unique"}.get(name, name)


def _show(value: Any) -> str:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return "missing"
    if isinstance(value, pd.Timestamp):
        return repr(value.strftime(DATE_FORMAT))
    return repr(value.item() if hasattr(value, "item") else value)


def _line(index: Any) -> int | None:
    """Row index of a loaded frame -> the line an editor shows (header is line 1)."""
    if index is None or (isinstance(index, float) and pd.isna(index)):
        return None
    try:
        return int(index) + 2
    except (TypeError, ValueError):
        return None


def _sort_key(problem: Problem) -> tuple[Any, ...]:
    return (problem.path, problem.line or 0, problem.column or "", problem.check, problem.message)


def schemas(source: Source = None) -> dict[str, pa.DataFrameSchema]:
    """Return the pandera schema of every table, keyed by name."""
    package = package_for(source, [])
    return {resource.name: build_schema(resource) for resource in package.resources}
