"""pandera schemas built from the Table Schemas, plus the checks Table Schema cannot express.

The Table Schemas stay the one source of truth: every column check here is derived from a field's
type and constraints, so a change to ``metadata/`` reaches pandera without touching this module.
(pandera's own ``from_frictionless_schema`` drops dates and foreign keys, hence this builder.)

Check names follow the Table Schema words (``required``, ``enum``, ``pattern``, ``maxLength``,
``primaryKey``, ``foreignKey``...) so a failure says which constraint of the schema was broken.

What Table Schema cannot say:

* ``x-rules`` in a table's schema: rules between two fields of one row, as data. Their kinds
  (``paired``, ``ordered``, ``unknown_when_empty``, ``empty_when``) are implemented once, in
  ``afpak_data._validate.rules.RULES``, which the validator uses too.
* keys across tables (foreign keys into other tables, ``x-polymorphicReferences``): checked by
  ``afpak-data validate``, not here. Self-references are table-local and are checked inside each
  table's schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd
import pandera.pandas as pa

from afpak_data._descriptor import (
    DATE_FORMAT,
    Field,
    PackageError,
    Resource,
    RowRule,
    Schema,
)
from afpak_data._dtypes import pandas_dtype
from afpak_data._loader import package_for
from afpak_data._resources import Source

if TYPE_CHECKING:
    from collections.abc import Sequence


#: Rule kinds whose second field is compared as text.
TEXT_RULES = ("unknown_when_empty", "empty_when")


def _rule(kind: str, first: str, second: str, value: str) -> Callable[[pd.DataFrame], pd.Series]:
    """The ``x-rules`` kind as a pandera check: the validator's rule function, on Arrow arrays."""
    import pyarrow as pyarrow_

    from afpak_data._validate.rules import RULES

    def holds(frame: pd.DataFrame) -> pd.Series:
        filled = (frame[first].notna().to_numpy(bool), frame[second].notna().to_numpy(bool))
        text = kind in ("unknown_when_empty", "empty_when")
        values = (
            pyarrow_.array(frame[first], from_pandas=True),
            pyarrow_.array(
                frame[second].astype("string") if text else frame[second], from_pandas=True
            ),
        )
        return pd.Series(~RULES[kind](filled, values, value), index=frame.index)

    return holds


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

    def add(limit: Any, name: str, test: Callable[[pd.Series, Any], Any], expected: str) -> None:
        if limit is not None:
            checks.append(_check(lambda s: test(s, limit), name, expected))

    def text(s: pd.Series) -> Any:
        return s.astype("string").str

    allowed = list(spec.enum) if spec.enum is not None else None
    add(allowed, "enum", lambda s, a: s.isin(a), "one of " + ", ".join(map(str, allowed or ())))
    anchored = re.compile(f"(?:{spec.pattern})\\Z") if spec.pattern is not None else None
    add(anchored, "pattern", lambda s, rx: text(s).match(rx), f"matching {spec.pattern}")
    add(
        spec.min_length,
        "minLength",
        lambda s, n: text(s).len() >= n,
        f"at least {spec.min_length} characters",
    )
    add(
        spec.max_length,
        "maxLength",
        lambda s, n: text(s).len() <= n,
        f"at most {spec.max_length} characters",
    )
    low = _bound(spec, spec.minimum) if spec.minimum is not None else None
    add(low, "minimum", lambda s, b: s >= b, f"at least {spec.minimum}")
    high = _bound(spec, spec.maximum) if spec.maximum is not None else None
    add(high, "maximum", lambda s, b: s <= b, f"at most {spec.maximum}")
    add(
        spec.max_words,
        "x-maxWords",
        lambda s, n: text(s).split().str.len() <= n,
        f"at most {spec.max_words} words",
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
    from afpak_data._validate.rules import RULES

    if rule.kind not in RULES:
        raise PackageError(
            f"table {table!r}: x-rules kind {rule.kind!r} is unknown "
            f"(expected one of {', '.join(RULES)})"
        )
    unknown = [f for f in rule.fields if f not in schema.field_names]
    if len(rule.fields) != 2 or unknown:
        raise PackageError(
            f"table {table!r}: x-rules {rule.kind!r} needs two fields of the table "
            f"(got {', '.join(rule.fields) or 'none'})"
        )
    first, second = rule.fields
    return _check(
        _rule(rule.kind, first, second, rule.value),
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
