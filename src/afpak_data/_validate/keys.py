"""Keys within and across tables, as hash joins: ``duplicated`` and ``isin`` over whole columns.

Duplicates name both lines. Foreign keys (link tables and self-references alike) and the polymorphic
``x-polymorphicReferences`` are checked against the referenced table's key values; a table whose
file could not be read is not used as a target (its own problem is already reported).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from afpak_data._validate.cells import fullmatch
from afpak_data._validate.context import TableContext, isin
from afpak_data._validate.problems import Problem


def _shown_key(value: str) -> str:
    return value.replace("\x1f", "/")


def duplicates(ctx: TableContext, fields: list[str], check: str) -> list[Problem]:
    """Rows repeating an earlier row's ``fields`` (rows with a missing part are not compared)."""
    key = ctx.key(fields)
    if key is None:
        return []
    present = ctx.present(fields)
    subset = key[present]
    dup = subset.duplicated(keep="first")
    if not dup.any():
        return []
    rows = np.flatnonzero(present)
    first_line: dict[str, int] = {}
    problems = []
    repeated = set(subset[dup].tolist())
    label = "primary key" if check == "primary-key" else "unique key"
    names = ", ".join(fields)
    for position, value in enumerate(subset.tolist()):
        if value not in repeated:
            continue
        row = int(rows[position])
        if value not in first_line:
            first_line[value] = int(ctx.lines[row])
            continue
        problems.append(
            ctx.problem(
                row,
                names,
                check,
                f"{label} ({names}) {_shown_key(value)!r} duplicates line {first_line[value]}",
            )
        )
    return problems


def target_values(ctx: TableContext, fields: list[str]) -> pd.Series | None:
    """The referenced key values of a table (usable rows only)."""
    key = ctx.key(fields)
    return None if key is None else key[ctx.present(fields)]


def foreign_keys(ctx: TableContext, tables: dict[str, TableContext]) -> list[Problem]:
    """Every foreign key of ``ctx``: each present value must exist in the referenced table."""
    problems = []
    for fk in ctx.schema.foreign_keys:
        target = ctx if fk.resource is None else tables.get(fk.resource)
        if target is None:
            # unknown resource: reported by the package checks; unreadable: reported already
            continue
        if any(f not in target.columns for f in fk.ref_fields):
            continue
        key = ctx.key(fk.fields)
        if key is None:
            continue
        allowed = target_values(target, fk.ref_fields)
        present = ctx.present(fk.fields)
        orphan = present & ~isin(key, allowed)
        where = fk.resource or ctx.name
        names = ", ".join(fk.fields)
        for row in np.flatnonzero(orphan):
            value = _shown_key(str(key.iat[row]))
            problems.append(
                ctx.problem(
                    int(row),
                    names,
                    "foreign-key",
                    f"{value!r} has no row in {where} ({', '.join(fk.ref_fields)})",
                )
            )
    return problems


def polymorphic(ctx: TableContext, tables: dict[str, TableContext]) -> list[Problem]:
    """``x-polymorphicReferences``: the ID's prefix (the target's key pattern) picks the table."""
    problems = []
    for ref in ctx.schema.polymorphic:
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
            if pattern:
                patterns.append(f"{name}: {pattern}")
                mine = fullmatch(values, pattern)
            else:
                mine = isin(values, target_values(target, [pk]))
            routed |= mine
            found |= mine & isin(values, target_values(target, [pk]))
        for row in np.flatnonzero(present & ~routed):
            problems.append(
                ctx.problem(
                    int(row),
                    ref.field,
                    "polymorphic-key",
                    f"{values.iat[row]!r} matches no referenced table's ID pattern "
                    f"({'; '.join(patterns)})",
                )
            )
        for row in np.flatnonzero(present & routed & ~found):
            value = str(values.iat[row])
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
