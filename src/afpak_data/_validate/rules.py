"""``x-rules``: rules between two fields of one row (docs/architecture.md), as whole-column masks.

A rule is reported on its first field, quoting its description, so a contributor reads the rule,
not our code. ``ordered`` compares the values the cell checks converted; a value not of its type is
left to the type check.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from afpak_data._errors import Problem
from afpak_data._validate.arrow import Column, bools, call, cast, isin, where
from afpak_data._validate.files import TableContext

Masks = tuple[np.ndarray, np.ndarray]
Values = tuple[Column, Column]


def _ordered(filled: Masks, values: Values, _value: str) -> np.ndarray:
    try:
        broken: np.ndarray = bools(call("greater", *values)) & filled[0] & filled[1]
        return broken
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
        return np.zeros(len(filled[0]), bool)  # types that do not compare: nothing to say


def _empty_when(filled: Masks, values: Values, value: str) -> np.ndarray:
    text = values[1] if pa.types.is_string(values[1].type) else cast(values[1], pa.string())
    broken: np.ndarray = ~filled[0] != isin(text, [value])
    return broken


#: The one implementation of each ``x-rules`` kind, used by the validator and the pandera schemas:
#: (filled masks of a and b, comparable values of a and b, the rule's value) -> the breaking rows.
RULES: dict[str, Callable[[Masks, Values, str], np.ndarray]] = {
    "paired": lambda filled, _values, _value: filled[0] != filled[1],
    "ordered": _ordered,
    "unknown_when_empty": _empty_when,
    "empty_when": _empty_when,
}


def check_rules(ctx: TableContext) -> list[Problem]:
    """Every ``x-rules`` entry of the table's schema, on every usable row."""
    problems = []
    for rule in ctx.schema.rules:
        a, b = rule.fields
        if a not in ctx.columns or b not in ctx.columns:
            continue  # a missing column is reported by the header check
        filled = (~ctx.missing(a), ~ctx.missing(b))
        # each field in its own order (numbers, dates, text), null where it cannot be compared
        left, right = (
            ctx.typed[n] if n in ctx.typed else where(f, ctx.columns[n])
            for n, f in zip((a, b), filled, strict=True)
        )
        if rule.kind in ("unknown_when_empty", "empty_when"):
            right = ctx.columns[b]
        broken = RULES[rule.kind](filled, (left, right), rule.value) & ctx.usable
        for row in np.flatnonzero(broken).tolist():
            x, y = (str(ctx.columns[n][row].as_py()) for n in (a, b))
            message = f'{a}={x!r}, {b}={y!r} break the {rule.kind} rule: "{rule.description}"'
            problems.append(ctx.problem(row, a, "rule", message))
    return problems
