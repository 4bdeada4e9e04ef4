"""Keys within and across tables, and withdrawn IDs, as hash joins over whole columns.

A clean key costs one ``count_distinct``; only a key with duplicates is grouped to name both lines.
A table whose file could not be read is no target (its own problem is reported). Withdrawn IDs stay
reserved, so that a citation of an older version never silently points at another record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from afpak_data._errors import Problem
from afpak_data._validate.arrow import Column, call, filtered, isin, matches, numbers, picked
from afpak_data._validate.files import KEY_SEPARATOR, TableContext

WITHDRAWN = "withdrawn"


def _shown_key(value: object) -> str:
    return str(value).replace(KEY_SEPARATOR, "/")


def check_keys(ctx: TableContext, tables: dict[str, TableContext]) -> list[Problem]:
    """Primary and unique keys, foreign keys and polymorphic references of one table."""
    schema = ctx.schema
    out = _duplicates(ctx, schema.primary_key, "primary-key") if schema.primary_key else []
    for spec in schema.fields:
        if spec.unique and spec.name in ctx.columns and (spec.name,) != schema.primary_key:
            out += _duplicates(ctx, [spec.name], "unique")
    for fields in schema.unique_keys:
        out += _duplicates(ctx, fields, "unique")
    return out + _foreign_keys(ctx, tables) + _polymorphic(ctx, tables)


def _duplicates(ctx: TableContext, fields: Sequence[str], check: str) -> list[Problem]:
    """Rows repeating an earlier row's ``fields`` (rows with a missing part are not compared)."""
    key = ctx.key(fields)
    if key is None:
        return []
    present = ctx.present(fields)
    subset = filtered(key, present)
    if call("count_distinct", subset).as_py() == len(subset):
        return []
    codes = numbers(call("dictionary_encode", subset).indices)
    _, first = np.unique(codes, return_index=True)
    repeated = np.ones(len(codes), bool)
    repeated[first] = False
    rows = np.flatnonzero(present)
    first_line = ctx.lines[rows[first]]  # the first line of each distinct value, by code
    label = "primary key" if check == "primary-key" else "unique key"
    names = ", ".join(fields)
    return [
        ctx.problem(
            int(rows[at]),
            names,
            check,
            f"{label} ({names}) {_shown_key(subset[int(at)].as_py())!r} duplicates line "
            f"{int(first_line[codes[at]])}",
        )
        for at in np.flatnonzero(repeated)
    ]


def _values(mask: np.ndarray, values: Column) -> list[tuple[int, str]]:
    """The rows of ``mask`` with their values as text (failing rows only)."""
    rows = np.flatnonzero(mask)
    return list(zip(rows.tolist(), map(str, picked(values, rows).to_pylist()), strict=True))


def _target_values(ctx: TableContext, fields: Sequence[str]) -> Column:
    """The distinct referenced key values of a table (usable rows only), built once per key."""
    name = tuple(fields)
    if name not in ctx.key_sets:
        ctx.key_sets[name] = call("unique", filtered(ctx.key(fields), ctx.present(fields)))
    return ctx.key_sets[name]


def _foreign_keys(ctx: TableContext, tables: dict[str, TableContext]) -> list[Problem]:
    """Every foreign key of ``ctx``: each present value must exist in the referenced table."""
    problems = []
    for fk in ctx.schema.foreign_keys:
        # an unknown resource is reported by the package checks, an unreadable one already
        target = ctx if fk.resource is None else tables.get(fk.resource)
        key = ctx.key(fk.fields)
        if target is None or key is None or not set(fk.reference_fields) <= target.columns.keys():
            continue
        orphan = ctx.present(fk.fields) & ~isin(key, _target_values(target, fk.reference_fields))
        where = f"{fk.resource or ctx.name} ({', '.join(fk.reference_fields)})"
        names = ", ".join(fk.fields)
        problems += [
            ctx.problem(row, names, "foreign-key", f"{_shown_key(v)!r} has no row in {where}")
            for row, v in _values(orphan, key)
        ]
    return problems


def _id_pattern(target: TableContext) -> str | None:
    """The ID pattern of a table with a one-field primary key, if its schema has one."""
    pk = target.schema.primary_key
    spec = target.schema.field(pk[0]) if len(pk) == 1 else None
    return spec.pattern if spec else None


def _no_row(value: str, names: Sequence[str], tables: dict[str, TableContext]) -> str:
    """Say which table ``value`` was routed to by its ID pattern (failing rows only)."""
    routes = (n for n in names if (p := _id_pattern(tables[n])) and re.fullmatch(p, value))
    return f"{value!r} has no row in {next(routes, '?')}"


def _polymorphic(ctx: TableContext, tables: dict[str, TableContext]) -> list[Problem]:
    """``x-polymorphicReferences``: the ID's prefix (the target's key pattern) picks the table."""
    problems = []
    for ref in ctx.schema.polymorphic_references:
        if ref.field not in ctx.columns or any(n not in tables for n in ref.resources):
            continue  # a target is unknown or unreadable: reported elsewhere, cannot route
        values, present = ctx.columns[ref.field], ctx.present([ref.field])
        routed, found = np.zeros(len(values), bool), np.zeros(len(values), bool)
        patterns = []
        for name in ref.resources:
            target = tables[name]
            pk = target.schema.primary_key
            if len(pk) != 1 or pk[0] not in target.columns:
                continue
            known = isin(values, _target_values(target, pk))
            if pattern := _id_pattern(target):
                patterns.append(f"{name}: {pattern}")
            mine = matches(values, pattern) if pattern else known
            routed |= mine
            found |= mine & known
        unrouted = f"matches no referenced table's ID pattern ({'; '.join(patterns)})"
        problems += [
            ctx.problem(row, ref.field, "polymorphic-key", f"{v!r} {unrouted}")
            for row, v in _values(present & ~routed, values)
        ]
        problems += [
            ctx.problem(row, ref.field, "polymorphic-key", _no_row(v, ref.resources, tables))
            for row, v in _values(present & routed & ~found, values)
        ]
    return problems


def check_withdrawn(tables: dict[str, TableContext]) -> list[Problem]:
    """Rows of every other table whose primary key is a withdrawn ID."""
    retired = tables.get(WITHDRAWN)
    if retired is None or "record_id" not in retired.columns:
        return []
    present = retired.present(["record_id"])
    ids = filtered(retired.columns["record_id"], present)
    if len(ids) == 0:
        return []
    versions = retired.columns.get("withdrawn_in")
    when = {}
    if versions is not None:
        when = dict(zip(ids.to_pylist(), filtered(versions, present).to_pylist(), strict=True))
    problems = []
    for name, ctx in tables.items():
        pk = ctx.schema.primary_key
        key = ctx.key(pk) if pk and name != WITHDRAWN else None
        if key is None:
            continue
        problems += [
            ctx.problem(row, ", ".join(pk), "withdrawn-id", f"ID {v!r} was withdrawn in version "
                        f"{when.get(v) or 'an earlier version'} and stays reserved; choose a new "
                        "ID")
            for row, v in _values(ctx.present(pk) & isin(key, ids), key)
        ]  # fmt: skip
    return problems
