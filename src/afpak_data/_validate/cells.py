"""Vectorised cell checks: each builds a boolean mask over a whole column at once, and only failing
cells become messages, so clean data costs a few array operations per field whatever its size. A
cell gets at most one problem: the first check that fails (size, formula, white space, type, then
the constraints).
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from afpak_data._errors import Problem
from afpak_data._model.descriptor import CONTROL, DATE_FORMAT, FORMULA_CHARS, ISO_DATE, Field
from afpak_data._validate.arrow import (
    SPACE_CHARS,
    SPACE_RE2,
    Column,
    array,
    bools,
    call,
    cast,
    char_class,
    formula_start,
    isin,
    kernels,
    matches,
    more_words_than,
    numbers,
    padded,
    strings,
    where,
)
from afpak_data._validate.files import MAX_CELL_CHARS, TableContext

#: The model's control and bidi characters (``_model.descriptor.CONTROL``) in RE2's spelling.
CONTROL_RE2 = "".join(c if c in "[-]" else f"\\x{{{ord(c):x}}}" for c in CONTROL.pattern)
#: A control character, or a formula's first character, or white space at either end.
SUSPECT_RE2 = f"{CONTROL_RE2}|^{char_class(FORMULA_CHARS)}|^{SPACE_RE2}|{SPACE_RE2}$"
#: The lexical form of each checked type that is not text (format "default"; a date's
#: ``%Y-%m-%d`` is the same); booleans are their ``trueValues`` and ``falseValues``.
LEXICAL = {
    "integer": r"[+-]?\d+",
    "number": r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|INF|-INF",
    "date": ISO_DATE.pattern,
    "year": r"-?\d{4}",
}
#: What a value of each checked type that is not text looks like (the ``type`` message; booleans:
#: their spellings, see :func:`expected`). Every other type, the ones the model calls unsupported
#: included, is text: its cells get the checks that do not depend on a type, and control
#: characters and formulas.
EXPECTED = {
    "integer": "an integer",
    "number": "a number",
    "date": "a date (YYYY-MM-DD)",
    "year": "a year (YYYY)",
}
NUMERIC_TYPES = frozenset({"integer", "number", "year"})


def _dates(values: Column, ok: np.ndarray) -> tuple[np.ndarray, Column]:
    """Parse ``%Y-%m-%d`` dates once. Arrow rolls 2025-02-30 over to March 2, so the parsed day
    must equal the written one (printing dates back costs seven times as much); year 0000 is not
    in Python's calendar."""
    text = where(ok, values)
    options = kernels.StrptimeOptions(DATE_FORMAT, "s", error_is_null=True)
    parsed = call("strptime", text, options=options)
    ok = ok & bools(call("is_valid", parsed))
    ok &= ~bools(call("starts_with", values, options=kernels.MatchSubstringOptions("0000")))
    day = call("utf8_slice_codeunits", where(ok, text), options=kernels.SliceOptions(8, 10))
    ok &= bools(call("equal", call("day", parsed), cast(day, pa.int64())))
    return ok, where(ok, parsed)


def typed(values: Column, spec: Field) -> tuple[np.ndarray, Column | None]:
    """(mask of lexically valid values, typed values for comparisons, null where invalid). Text
    (a string, or a type the validator does not check) is always valid and stays text; the format
    plays no part (the model calls every format but the default and a date's ``%Y-%m-%d``
    unsupported)."""
    kind = spec.type
    if kind == "boolean":
        return isin(values, [*spec.true_values, *spec.false_values]), None
    if kind not in LEXICAL:
        return np.ones(len(values), bool), values
    ok = matches(values, LEXICAL[kind])
    if kind == "date":
        return _dates(values, ok)
    return ok, cast(where(ok, values), pa.float64())


def expected(spec: Field) -> str:
    """What a value of the field's type looks like (the ``type`` message; also the loader's)."""
    if spec.type == "boolean":
        return "one of " + ", ".join((*spec.true_values, *spec.false_values))
    return EXPECTED[spec.type]


def in_enum(values: Column, converted: Column | None, spec: Field) -> np.ndarray:
    """Which values are in the field's enum, compared as values of its type: numbers as numbers,
    booleans by their spellings (``trueValues``...), the rest as text (the loader's rule too)."""
    enum = spec.enum or ()
    if spec.type in NUMERIC_TYPES and converted is not None:
        accepted = []
        for entry in enum:
            with contextlib.suppress(TypeError, ValueError):  # not a number: no cell equals it
                accepted.append(float(entry))
        return isin(converted, array(np.array(accepted, np.float64)))
    if spec.type == "boolean":
        spelled = [  # by identity: 1 is not True, 0 not False
            *(spec.true_values if any(v is True for v in enum) else ()),
            *(spec.false_values if any(v is False for v in enum) else ()),
        ]
        return isin(values, spelled + [v for v in enum if isinstance(v, str)])
    return isin(values, [str(v) for v in enum])


def _bound(value: Any, spec: Field) -> Any:
    """A minimum/maximum constraint in the field's comparable type (the model keeps bounds only on
    numbers, years and dates, and only valid ones)."""
    if spec.type == "date":
        return cast(strings([str(value)]), pa.timestamp("s"))[0]
    return array(np.array([float(value)]))[0]


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _enum_message(value: str, spec: Field) -> str:
    options = tuple(str(v) for v in spec.enum or [])
    shown = ", ".join(options[:8]) + (", …" if len(options) > 8 else "")
    vocabulary = f"the vocabulary '{spec.vocabulary}'" if spec.vocabulary else "the field's enum"
    close = _nearest(value, options)
    hint = f"; did you mean '{close}'?" if close else ""
    return f"{shorten(value)!r} is not one of {shown} (expected one of {vocabulary}){hint}"


@functools.lru_cache(maxsize=1024)
def _nearest(value: str, options: tuple[str, ...]) -> str | None:
    """The option most like ``value``: asked once per distinct wrong value (difflib's matching was
    a fifth of a report of 10,000 repeated typos)."""
    return next(iter(difflib.get_close_matches(value, options, n=1)), None)


def _control_message(value: str) -> str:
    hit = CONTROL.search(value)
    at = f"U+{ord(hit.group()):04X} at position {hit.start() + 1}" if hit else "a character"
    return f"{at}: control characters and bidirectional overrides are refused in text"


#: Each cell check's message, from the failing value and its field (failing cells only).
MESSAGES: dict[str, Callable[[str, Field], str]] = {
    "required": lambda v, f: (
        f"a value is {'required' if f.required else 'part of the primary key'}, the cell is "
        + (f"the missing value {v!r}" if v else "empty")
    ),
    "cell-size": lambda v, _: f"{len(v)} characters; cells are limited to {MAX_CELL_CHARS}",
    "control-character": lambda v, _: _control_message(v),
    "formula": lambda v, _: (
        f"{shorten(v)!r} starts with {v[:1]!r}: spreadsheets execute text beginning "
        "with =, +, -, @, tab or carriage return as a formula; reword it"
    ),
    "whitespace": lambda v, _: f"{shorten(v)!r} has leading or trailing white space",
    "type": lambda v, f: f"{shorten(v)!r} is not {expected(f)}",
    "enum": _enum_message,
    "pattern": lambda v, f: f"{shorten(v)!r} does not match the pattern {f.pattern}",
    "min-length": lambda v, f: f"{len(v)} characters; at least {f.min_length} required",
    "max-length": lambda v, f: f"{len(v)} characters; at most {f.max_length} allowed",
    "minimum": lambda v, f: f"{shorten(v)!r} is outside the minimum {f.minimum}",
    "maximum": lambda v, f: f"{shorten(v)!r} is outside the maximum {f.maximum}",
    "max-words": lambda v, f: f"{len(v.split())} words; quotes are limited to {f.max_words} words",
}


def _sizes(values: Column, spec: Field) -> np.ndarray:
    """Lengths for the size checks: the (free) byte lengths where they give every verdict the
    (counted) character lengths would: a value has 1/4 to 1 times as many characters as bytes."""
    size = numbers(call("binary_length", values))
    longest = int(size.max()) if len(size) else 0
    maximum = min(MAX_CELL_CHARS, spec.max_length if spec.max_length is not None else longest)
    short = spec.min_length is not None and ((size > 0) & (size < 4 * spec.min_length)).any()
    return numbers(call("utf8_length", values)) if longest > maximum or short else size


def _vocabulary_only(spec: Field) -> bool:
    """A text field whose vocabulary values would pass all of the field's other checks."""
    if spec.type != "string" or not spec.enum:
        return False
    spaces = tuple(SPACE_CHARS)
    return all(
        value
        and len(value) <= MAX_CELL_CHARS
        and not value.startswith((*FORMULA_CHARS, *spaces))
        and not value.endswith(spaces)
        and (spec.pattern is None or re.fullmatch(spec.pattern, value) is not None)
        and (spec.min_length is None or len(value) >= spec.min_length)
        and (spec.max_length is None or len(value) <= spec.max_length)
        and (spec.max_words is None or len(value.split()) <= spec.max_words)
        for value in (str(v) for v in spec.enum)
    )


def check_field(ctx: TableContext, spec: Field, is_key: bool) -> list[Problem]:
    """Every cell check on one field; one problem at most per cell."""
    values = ctx.columns[spec.name]
    problems: list[Problem] = []
    pending = ctx.usable.copy()
    sizes = _sizes(values, spec)
    missing = ctx.missing(spec.name)

    def report(mask: np.ndarray, check: str) -> None:
        hits = mask & pending
        if hits.any():
            for row in np.flatnonzero(hits):
                message = MESSAGES[check](str(values[int(row)].as_py()), spec)
                problems.append(ctx.problem(int(row), spec.name, check, message))
            pending[hits] = False

    if spec.required or is_key:
        report(missing, "required")
    pending &= ~missing
    if _vocabulary_only(spec):
        # Every vocabulary value passes every other check, so a member is valid: only the rest
        # (usually no row at all) go through the checks below, in their usual order.
        pending &= ~in_enum(values, None, spec)
    if not pending.any():
        return problems
    report(sizes > MAX_CELL_CHARS, "cell-size")
    text = spec.type not in LEXICAL and spec.type != "boolean"
    # one pass finds the text cells the next three checks could flag, usually none at all
    if not text or (matches(values, SUSPECT_RE2, False) & pending).any():
        if text:
            report(matches(values, CONTROL_RE2, False), "control-character")
            report(formula_start(values), "formula")
        report(padded(values), "whitespace")
    ok, converted = typed(values, spec)
    if converted is not None and not text:
        ctx.typed[spec.name] = where(ok & ~missing, converted)
    report(~ok, "type")
    if spec.enum is not None:
        report(~in_enum(values, converted, spec), "enum")
    if spec.pattern is not None:
        report(~matches(values, spec.pattern), "pattern")
    if spec.min_length is not None:
        report(sizes < spec.min_length, "min-length")
    if spec.max_length is not None:
        report(sizes > spec.max_length, "max-length")
    for check, compare in (("minimum", "less"), ("maximum", "greater")):
        limit = getattr(spec, check)
        if limit is not None and converted is not None:
            bound = cast(_bound(limit, spec), converted.type)
            report(bools(call(compare, converted, bound)), check)
    if spec.max_words is not None:
        report(more_words_than(values, spec.max_words), "max-words")
    return problems
