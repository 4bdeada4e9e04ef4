"""Keys within and across tables, as hash joins over whole columns.

Duplicates name both lines. Foreign keys (link tables and self-references alike) and the polymorphic
``x-polymorphicReferences`` are checked against the referenced table's key values; a table whose
file could not be read is not used as a target (its own problem is already reported). A clean key
costs one ``count_distinct``; only a key with duplicates is grouped to name the lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow.compute as pc

from afpak_data._validate.arrow import numbers
from afpak_data._validate.context import KEY_SEPARATOR, KeySet, TableContext, isin, take, value_set
from afpak_data._validate.problems import Problem
from afpak_data._validate.text import fullmatch


def _shown_key(value: str) -> str:
    return value.replace(KEY_SEPARATOR, "/")


def duplicates(ctx: TableContext, fields: Sequence[str], check: str) -> list[Problem]:
    """Rows repeating an earlier row's ``fields`` (rows with a missing part are not compared)."""
    key = ctx.key(fields)
    if key is None:
        return []
    present = ctx.present(fields)
    subset = take(key, present)
    if pc.count_distinct(subset).as_py() == len(subset):
        return []
    codes = numbers(pc.dictionary_encode(subset).indices)
    _, first = np.unique(codes, return_index=True)
    repeated = np.ones(len(codes), bool)
    repeated[first] = False
    rows = np.flatnonzero(present)
    first_line = ctx.lines[rows[first]]  # the first line of each distinct value, by code
    label = "primary key" if check == "primary-key" else "unique key"
    names = ", ".join(fields)
    problems = []
    for position in np.flatnonzero(repeated):
        row = int(rows[position])
        value = _shown_key(str(subset[int(position)].as_py()))
        problems.append(
            ctx.problem(
                row,
                names,
                check,
                f"{label} ({names}) {value!r} duplicates line {int(first_line[codes[position]])}",
            )
        )
    return problems


def target_values(ctx: TableContext, fields: Sequence[str]) -> KeySet | None:
    """The distinct referenced key values of a table (usable rows only), built once per key."""
    name = tuple(fields)
    if name not in ctx.key_sets:
        key = ctx.key(fields)
        ctx.key_sets[name] = None if key is None else value_set(take(key, ctx.present(fields)))
    found = ctx.key_sets[name]
    return None if found is None else KeySet(found)


def foreign_keys(ctx: TableContext, tables: dict[str, TableContext]) -> list[Problem]:
    """Every foreign key of ``ctx``: each present value must exist in the referenced table."""
    problems = []
    for fk in ctx.schema.foreign_keys:
        target = ctx if fk.resource is None else tables.get(fk.resource)
        if target is None:
            # unknown resource: reported by the package checks; unreadable: reported already
            continue
        if any(f not in target.columns for f in fk.reference_fields):
            continue
        key = ctx.key(fk.fields)
        if key is None:
            continue
        allowed = target_values(target, fk.reference_fields)
        orphan = ctx.present(fk.fields) & ~isin(key, allowed)
        where = fk.resource or ctx.name
        names = ", ".join(fk.fields)
        for row in np.flatnonzero(orphan):
            value = _shown_key(str(key[int(row)].as_py()))
            problems.append(
                ctx.problem(
                    int(row),
                    names,
                    "foreign-key",
                    f"{value!r} has no row in {where} ({', '.join(fk.reference_fields)})",
                )
            )
    return problems


def polymorphic(ctx: TableContext, tables: dict[str, TableContext]) -> list[Problem]:
    """``x-polymorphicReferences``: the ID's prefix (the target's key pattern) picks the table."""
    problems = []
    for ref in ctx.schema.polymorphic_references:
        if ref.field not in ctx.columns:
            continue
        values = ctx.columns[ref.field]
        present = ctx.present([ref.field])
        if any(n not in tables for n in ref.resources):
            continue  # a target is unknown or unreadable: reported elsewhere, cannot route
        routed = np.zeros(len(values), bool)
        found = np.zeros(len(values), bool)
        patterns = []
        for name in ref.resources:
            target = tables[name]
            if len(target.schema.primary_key) != 1:
                continue
            pk = target.schema.primary_key[0]
            spec = target.schema.field(pk)
            pattern = spec.pattern if spec else None
            ids = target_values(target, [pk])
            if ids is None:
                continue
            if pattern:
                patterns.append(f"{name}: {pattern}")
                mine = fullmatch(values, pattern)
            else:
                mine = isin(values, ids)
            routed |= mine
            found |= mine & isin(values, ids)
        for row in np.flatnonzero(present & ~routed):
            problems.append(
                ctx.problem(
                    int(row),
                    ref.field,
                    "polymorphic-key",
                    f"{values[int(row)].as_py()!r} matches no referenced table's ID pattern "
                    f"({'; '.join(patterns)})",
                )
            )
        for row in np.flatnonzero(present & routed & ~found):
            value = str(values[int(row)].as_py())
            table = next(
                (n for n in ref.resources if n in tables and _routes(tables[n], value)), "?"
            )
            problems.append(
                ctx.problem(
                    int(row), ref.field, "polymorphic-key", f"{value!r} has no row in {table}"
                )
            )
    return problems


def _routes(target: TableContext, value: str) -> bool:
    """Whether ``value`` looks like an ID of ``target`` (message building, failing rows only)."""
    pk = target.schema.primary_key
    spec = target.schema.field(pk[0]) if len(pk) == 1 else None
    return bool(spec and spec.pattern and re.fullmatch(spec.pattern, value))
