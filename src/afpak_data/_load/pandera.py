"""pandera schemas built from the Table Schemas, so ``metadata/`` stays the one source of truth.

pandera's ``from_frictionless_schema`` drops dates and foreign keys, hence this builder. Checks are
named by the Table Schema words (``enum``, ``primaryKey``...); ``x-rules``, ``pattern`` and
``x-maxWords`` are the validator's own functions (one rule, not two that could drift); keys into
other tables are left to ``afpak-data validate``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow

from afpak_data._load.dtypes import pandas_dtype
from afpak_data._model.descriptor import DATE_FORMAT, Field, Resource, RowRule


def build_schema(resource: Resource) -> pa.DataFrameSchema:
    """The DataFrameSchema of one resource. ``metadata["table_checks"]`` lists the fields of each
    table-level check (``schema.checks`` order), so a failure is reported once on those fields."""
    schema = resource.schema
    key = schema.primary_key
    columns = {
        spec.name: pa.Column(
            pandas_dtype(spec),
            checks=_column_checks(spec),
            nullable=not (spec.required or spec.name in key),
            unique=spec.unique or key == (spec.name,),
            description=spec.description or None,
        )
        for spec in schema.fields
    }
    table_checks = [(_unique_rows(key, "primaryKey"), key)] if len(key) > 1 else []
    table_checks += [(_unique_rows(k, "uniqueKeys"), k) for k in schema.unique_keys]
    table_checks += [
        (_self_reference(fk.fields, fk.reference_fields), fk.fields)
        for fk in schema.foreign_keys
        if fk.resource in (None, resource.name)
    ]
    table_checks += [(_rule_check(rule), rule.fields) for rule in schema.rules]
    return pa.DataFrameSchema(
        columns,
        checks=[check for check, _ in table_checks],
        strict=True,
        ordered=True,
        name=resource.name,
        description=resource.description or None,
        metadata={"table_checks": [list(fields) for _, fields in table_checks]},
    )


def _check(fn: Callable[[Any], Any], name: str, expected: str, needs: Sequence[str]) -> pa.Check:
    """A row check that passes when a column it ``needs`` is absent: pandera's own column check
    reports the missing column once, instead of every rule using it crashing."""

    def guarded(frame: pd.DataFrame) -> Any:
        return fn(frame) if all(column in frame.columns for column in needs) else True

    return pa.Check(guarded, name=name, description=expected)


def _column_checks(spec: Field) -> list[pa.Check]:
    from afpak_data._validate.arrow import matches, more_words_than

    def text(s: pd.Series) -> Any:
        return s.astype("string").str

    def arrow(test: Callable[..., Any]) -> Callable[[pd.Series, Any], pd.Series]:
        """The validator's own test of a text column (pattern, words), on the column's values."""

        def run(s: pd.Series, limit: Any) -> pd.Series:
            text = s.astype("string").fillna("")  # missing: passes (the `required` check says)
            values = pyarrow.array(text, type=pyarrow.string(), from_pandas=True)
            if isinstance(values, pyarrow.ChunkedArray):  # a column pandas keeps in Arrow
                values = values.combine_chunks()
            return pd.Series(test(values, limit), index=s.index) | s.isna()

        return run

    def bound(value: Any) -> Any:  # Table Schema writes date bounds as text
        if spec.type == "date" and value is not None:
            return pd.to_datetime(value, format=DATE_FORMAT)
        return value

    enum = ", ".join(map(str, spec.enum or ()))
    shortest, longest, words = spec.min_length, spec.max_length, spec.max_words
    checks = [
        ("enum", spec.enum, lambda s, a: _members(s, a, spec), f"one of {enum}"),
        ("pattern", spec.pattern, arrow(matches), f"matching {spec.pattern}"),
        ("minLength", shortest, lambda s, n: text(s).len() >= n, f"at least {shortest} characters"),
        ("maxLength", longest, lambda s, n: text(s).len() <= n, f"at most {longest} characters"),
        ("minimum", bound(spec.minimum), lambda s, b: s >= b, f"at least {spec.minimum}"),
        ("maximum", bound(spec.maximum), lambda s, b: s <= b, f"at most {spec.maximum}"),
        ("x-maxWords", words, arrow(lambda v, n: ~more_words_than(v, n)), f"at most {words} words"),
    ]
    return [
        pa.Check(lambda s, test=test, limit=limit: test(s, limit), name=name, description=expected)
        for name, limit, test, expected in checks
        if limit is not None
    ]


def _members(s: pd.Series, enum: Any, spec: Field) -> pd.Series:
    """The validator's enum rule (``cells.in_enum``) on a loaded column: numbers as numbers,
    booleans as booleans, dates and text as their text."""
    if spec.type in ("integer", "number", "year"):
        numbers = []
        for value in enum:
            with contextlib.suppress(TypeError, ValueError):
                numbers.append(float(value))
        return s.astype("Float64").isin(numbers)
    if spec.type == "boolean":
        return s.isin([b for b in (True, False) if any(v is b for v in enum)])
    text = s.dt.strftime(DATE_FORMAT) if spec.type == "date" else s.astype("string")
    return text.isin([str(v) for v in enum])


def _rule_check(rule: RowRule) -> pa.Check:
    """One ``x-rules`` entry, checked by the validator's rule function on Arrow arrays."""
    from afpak_data._validate.rules import RULES

    def holds(frame: pd.DataFrame) -> pd.Series:
        first, second = frame[rule.fields[0]], frame[rule.fields[1]]
        if rule.kind in ("unknown_when_empty", "empty_when"):  # compared as text
            second = second.astype("string")
        filled = (first.notna().to_numpy(bool), second.notna().to_numpy(bool))
        values = (pyarrow.array(first, from_pandas=True), pyarrow.array(second, from_pandas=True))
        return pd.Series(~RULES[rule.kind](filled, values, rule.value), index=frame.index)

    return _check(holds, f"x-rules:{rule.kind}", rule.description, rule.fields)


def _unique_rows(key: Sequence[str], name: str) -> pa.Check:
    """Every row of a duplicate key fails (both are named); rows missing part of it are not
    compared, as in Table Schema."""
    fields = list(key)

    def unique(frame: pd.DataFrame) -> pd.Series:
        return ~(frame[fields].duplicated(keep=False) & frame[fields].notna().all(axis=1))

    return _check(unique, name, f"({', '.join(fields)}) unique across rows", fields)


def _self_reference(fields: Sequence[str], reference: Sequence[str]) -> pa.Check:
    local, target = list(fields), list(reference)

    def resolves(frame: pd.DataFrame) -> pd.Series:
        mine = pd.MultiIndex.from_frame(frame[local].astype("string"))
        theirs = pd.MultiIndex.from_frame(frame[target].astype("string"))
        return pd.Series(mine.isin(theirs), index=frame.index) | frame[local].isna().any(axis=1)

    description = f"an existing {', '.join(target)} of this table"
    return _check(resolves, "foreignKey", description, local + target)
