"""``x-rules``: rules between two fields of one row, checked as whole-column masks.

The kinds are those of docs/architecture.md: ``paired`` (both filled or both empty), ``ordered``
(when both are filled, a <= b, compared as numbers, years or dates by the field's type) and
``empty_when`` (a is empty exactly when b is the rule's ``value``; ``unknown_when_empty`` is the
case "unknown"). A rule is reported on its first
field, quoting the rule's description so a contributor reads the rule, not our code. ``ordered``
compares the values the cell checks already converted (dates are not parsed again); a value that
is not of its type is left to the type check and not compared.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from afpak_data._descriptor import RowRule
from afpak_data._validate.arrow import Column
from afpak_data._validate.cells import where
from afpak_data._validate.context import TableContext, bools, isin
from afpak_data._validate.problems import Problem

Masks = tuple[np.ndarray, np.ndarray]
Values = tuple[Column, Column]


def _filled(ctx: TableContext, name: str) -> np.ndarray:
    return ~ctx.missing(name)


def _comparable(ctx: TableContext, name: str) -> Column:
    """The field's values in its own order (numbers, dates, text); null where not comparable."""
    converted = ctx.typed.get(name)
    if converted is not None:
        return converted
    return where(_filled(ctx, name), ctx.columns[name])


def _paired(filled: Masks, _values: Values, _value: str) -> np.ndarray:
    broken: np.ndarray = filled[0] != filled[1]
    return broken


def _ordered(filled: Masks, values: Values, _value: str) -> np.ndarray:
    try:
        broken: np.ndarray = bools(pc.greater(*values)) & filled[0] & filled[1]
        return broken
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
        return np.zeros(len(filled[0]), bool)  # types that do not compare: nothing to say


def _empty_when(filled: Masks, values: Values, value: str) -> np.ndarray:
    text = values[1].cast(pa.string()) if not pa.types.is_string(values[1].type) else values[1]
    broken: np.ndarray = ~filled[0] != isin(text, [value])
    return broken


#: The one implementation of each ``x-rules`` kind, used by the validator and the pandera schemas:
#: (filled masks of a and b, comparable values of a and b, the rule's value) -> the breaking rows.
RULES: dict[str, Callable[[Masks, Values, str], np.ndarray]] = {
    "paired": _paired,
    "ordered": _ordered,
    "unknown_when_empty": _empty_when,
    "empty_when": _empty_when,
}


def broken(ctx: TableContext, rule: RowRule) -> np.ndarray:
    """Mask of the usable rows that break ``rule``."""
    a, b = rule.fields
    filled = (_filled(ctx, a), _filled(ctx, b))
    values = (_comparable(ctx, a), _comparable(ctx, b))
    if rule.kind in ("unknown_when_empty", "empty_when"):
        values = (values[0], ctx.columns[b])
    mask: np.ndarray = RULES[rule.kind](filled, values, rule.value) & ctx.usable
    return mask


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
