"""``x-rules``: rules between two fields of one row, checked as whole-column masks.

The kinds are those of docs/architecture.md: ``paired`` (both filled or both empty), ``ordered``
(when both are filled, a <= b, compared as numbers, years or dates by the field's type) and
``unknown_when_empty`` (a is empty exactly when b is "unknown"). A rule is reported on its first
field, quoting the rule's description so a contributor reads the rule, not our code. ``ordered``
compares the values the cell checks already converted (dates are not parsed again); a value that
is not of its type is left to the type check and not compared.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from afpak_data._descriptor import RowRule
from afpak_data._validate.cells import where
from afpak_data._validate.context import TableContext, bools, isin
from afpak_data._validate.problems import Problem

UNKNOWN = "unknown"


def _filled(ctx: TableContext, name: str) -> np.ndarray:
    return ~ctx.missing(name)


def _comparable(ctx: TableContext, name: str) -> pa.Array:
    """The field's values in its own order (numbers, dates, text); null where not comparable."""
    converted = ctx.typed.get(name)
    if converted is not None:
        return converted
    return where(_filled(ctx, name), ctx.columns[name])


def broken(ctx: TableContext, rule: RowRule) -> np.ndarray:
    """Mask of the usable rows that break ``rule``."""
    a, b = rule.fields
    if rule.kind == "paired":
        bad = _filled(ctx, a) != _filled(ctx, b)
    elif rule.kind == "ordered":
        left, right = _comparable(ctx, a), _comparable(ctx, b)
        try:
            bad = bools(pc.greater(left, right))
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
            # types that do not compare (a schema mixing them): nothing to say
            bad = np.zeros(ctx.size, bool)
    else:  # unknown_when_empty
        bad = ~_filled(ctx, a) != isin(ctx.columns[b], [UNKNOWN])
    return bad & ctx.usable


def check_rules(ctx: TableContext) -> list[Problem]:
    """Every ``x-rules`` entry of the table's schema, on every usable row."""
    problems = []
    for rule in ctx.schema.rules:
        if any(name not in ctx.columns for name in rule.fields):
            continue  # a missing column is reported by the header check
        a, b = rule.fields
        for row in np.flatnonzero(broken(ctx, rule)):
            left, right = (str(ctx.columns[name][int(row)].as_py()) for name in rule.fields)
            problems.append(
                ctx.problem(
                    int(row),
                    a,
                    "rule",
                    f'{a}={left!r}, {b}={right!r} break the {rule.kind} rule: "{rule.description}"',
                )
            )
    return problems
