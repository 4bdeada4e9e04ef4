"""Vectorised cell checks: each builds a boolean mask over a whole column at once, and only failing
cells become messages, so clean data costs a few array operations per field whatever its size. A
cell gets at most one problem: the first check that fails (size, formula, white space, type, then
the constraints).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from afpak_data._errors import Problem
from afpak_data._model.descriptor import CONTROL, DATE_FORMAT, FORMULA_CHARS, Field
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
    picked,
    strings,
    where,
)
from afpak_data._validate.files import MAX_CELL_CHARS, TableContext

#: The model's control and bidi characters (``_model.descriptor.CONTROL``) in RE2's spelling.
CONTROL_RE2 = "".join(c if c in "[-]" else f"\\x{{{ord(c):x}}}" for c in CONTROL.pattern)
#: A control character, or a formula's first character, or white space at either end.
SUSPECT_RE2 = f"{CONTROL_RE2}|^{char_class(FORMULA_CHARS)}|^{SPACE_RE2}|{SPACE_RE2}$"
#: Regular expressions for the lexical form of each type (format "default").
LEXICAL = {
    "integer": r"[+-]?\d+",
    "number": r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|INF|-INF",
    "date": r"\d{4}-\d{2}-\d{2}",
    "datetime": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?",
    "time": r"\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?",
    "year": r"-?\d{4}",
    "yearmonth": r"\d{4}-(?:0[1-9]|1[0-2])",
    "duration": (
        r"P(?!$)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?"
        r"(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"
    ),
    "geopoint": r"\s*-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?\s*",
}
STRING_FORMATS = {
    "email": r"[^@\s]+@[^@\s]+\.[^@\s]+",
    "uri": r"[A-Za-z][A-Za-z0-9+.\-]*:\S+",
    "uuid": r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
}
EXPECTED = {
    "integer": "an integer",
    "number": "a number",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a datetime (YYYY-MM-DDThh:mm:ss)",
    "time": "a time (hh:mm:ss)",
    "year": "a year (YYYY)",
    "yearmonth": "a year and month (YYYY-MM)",
    "duration": "an ISO 8601 duration (e.g. P1Y2M)",
    "geopoint": "a point 'lon, lat'",
    "boolean": "true or false",
    "object": "a JSON object",
    "array": "a JSON array",
    "geojson": "a GeoJSON object",
}
TEXT_TYPES = frozenset({"string", "any", "list"})
NUMERIC_TYPES = frozenset({"integer", "number", "year"})
TIME_TYPES = frozenset({"date", "datetime", "time"})


def _python(values: Column, parse: Callable[[str], Any]) -> np.ndarray:
    """Rare types and formats: True where ``parse`` neither raises nor returns False."""

    def ok(value: str) -> bool:
        try:
            return parse(value) is not False
        except (TypeError, ValueError, OverflowError, RecursionError):
            return False

    return np.fromiter((ok(v) for v in values.to_pylist()), bool, len(values))


def _iso_datetime(value: str) -> dt.datetime:
    """A Table Schema datetime as an aware UTC datetime (naive values are read as UTC)."""
    stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def _strptime(values: Column, fmt: str) -> Column:
    options = kernels.StrptimeOptions(fmt, "s", error_is_null=True)
    return call("strptime", values, options=options)


def _dates(values: Column, ok: np.ndarray, fmt: str) -> tuple[np.ndarray, Column]:
    """Parse ``%Y-%m-%d`` or ``%Y-%m`` dates once. Arrow rolls 2025-02-30 over to March 2, so the
    parsed day must equal the written one (printing dates back costs seven times as much); year
    0000 is not in Python's calendar."""
    text = where(ok, values)
    parsed = _strptime(text, fmt)
    ok = ok & bools(call("is_valid", parsed))
    ok &= ~bools(call("starts_with", values, options=kernels.MatchSubstringOptions("0000")))
    if fmt == DATE_FORMAT:
        day = call("utf8_slice_codeunits", where(ok, text), options=kernels.SliceOptions(8, 10))
        ok &= bools(call("equal", call("day", parsed), cast(day, pa.int64())))
    return ok, where(ok, parsed)


def _formatted(values: Column, fmt: str) -> tuple[np.ndarray, Column | None]:
    """Dates and times in a strftime ``format``: parsed by Arrow, checked by printing them back; a
    value that does not print back identically is decided by Python's ``strptime``."""
    strptime = dt.datetime.strptime
    try:
        parsed = _strptime(values, fmt)
        printed = call("strftime", parsed, options=kernels.StrftimeOptions(fmt))
        same = bools(call("equal", printed, values))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a format Arrow does not know
        return _python(values, lambda v: strptime(v, fmt)), None
    ok = same.copy()
    rows = np.flatnonzero(~same)
    ok[rows] = _python(picked(values, rows), lambda v: strptime(v, fmt))
    return ok, where(same, parsed)


def typed(values: Column, spec: Field) -> tuple[np.ndarray, Column | None]:
    """(mask of lexically valid values, typed values for comparisons, null where invalid)."""
    kind, fmt = spec.type, spec.format
    if kind in TEXT_TYPES:
        pattern = STRING_FORMATS.get(fmt) if kind == "string" else None
        return (matches(values, pattern) if pattern else np.ones(len(values), bool)), values
    if kind == "boolean":
        return isin(values, [*spec.true_values, *spec.false_values]), None
    if kind in {"object", "array", "geojson"}:
        want = list if kind == "array" else dict
        return _python(values, lambda v: isinstance(json.loads(v), want)), None
    if kind == "date" and fmt == DATE_FORMAT:
        return _dates(values, matches(values, LEXICAL["date"]), DATE_FORMAT)
    if kind in TIME_TYPES and fmt not in {"default", "any"}:
        return _formatted(values, fmt)
    if kind in TIME_TYPES and fmt == "any":
        parse = {"date": dt.date.fromisoformat, "time": dt.time.fromisoformat}
        return _python(values, parse.get(kind, _iso_datetime)), None
    ok = matches(values, LEXICAL[kind]) if kind in LEXICAL else np.ones(len(values), bool)
    if kind in NUMERIC_TYPES:
        return ok, cast(where(ok, values), pa.float64())
    if kind in {"date", "yearmonth"}:
        return _dates(values, ok, DATE_FORMAT if kind == "date" else "%Y-%m")
    rows = np.flatnonzero(ok)
    if kind == "datetime":
        stamps: list[dt.datetime | None] = [None] * len(values)
        for row, text in zip(rows, picked(values, rows).to_pylist(), strict=True):
            try:
                stamps[row] = _iso_datetime(text)
            except ValueError:
                ok[row] = False
        return ok, pa.array(stamps, type=pa.timestamp("us", tz="UTC"))
    if kind == "time":
        ok[rows] = _python(picked(values, rows), lambda v: dt.time.fromisoformat(v[:8]))
    return ok, None


def _bound(value: Any, spec: Field) -> Any:
    """A minimum/maximum constraint in the field's comparable type (None if it cannot be)."""
    try:
        if spec.type in NUMERIC_TYPES:
            return array(np.array([float(value)]))[0]
        if spec.type in {"date", "yearmonth"}:
            text = str(value) if spec.type == "date" else f"{value}-01"
            dt.date.fromisoformat(text)  # refuses what is not a date
            return cast(strings([text]), pa.timestamp("s"))[0]
        if spec.type == "datetime":
            return pa.scalar(_iso_datetime(str(value)), pa.timestamp("us", tz="UTC"))
    except (TypeError, ValueError, OverflowError, pa.ArrowException):
        return None
    return None


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _enum_message(value: str, spec: Field) -> str:
    options = [str(v) for v in spec.enum or []]
    shown = ", ".join(options[:8]) + (", …" if len(options) > 8 else "")
    vocabulary = f"the vocabulary '{spec.vocabulary}'" if spec.vocabulary else "the field's enum"
    close = difflib.get_close_matches(value, options, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{value!r} is not one of {shown} (expected one of {vocabulary}){hint}"


def _control_message(value: str) -> str:
    hit = CONTROL.search(value)
    at = f"U+{ord(hit.group()):04X} at position {hit.start() + 1}" if hit else "a character"
    return f"{at}: control characters and bidirectional overrides are refused in text"


#: Each cell check's message, from the failing value and its field (failing cells only).
MESSAGES: dict[str, Callable[[str, Field], str]] = {
    "required": lambda _, f: (
        f"a value is {'required' if f.required else 'part of the primary key'}, the cell is empty"
    ),
    "cell-size": lambda v, _: f"{len(v)} characters; cells are limited to {MAX_CELL_CHARS}",
    "control-character": lambda v, _: _control_message(v),
    "formula": lambda v, _: (
        f"{_shorten(v)!r} starts with {v[:1]!r}: spreadsheets execute text beginning "
        "with =, +, -, @, tab or carriage return as a formula; reword it"
    ),
    "whitespace": lambda v, _: f"{_shorten(v)!r} has leading or trailing white space",
    "type": lambda v, f: f"{_shorten(v)!r} is not {EXPECTED.get(f.type, f'a {f.format} string')}",
    "enum": _enum_message,
    "pattern": lambda v, f: f"{_shorten(v)!r} does not match the pattern {f.pattern}",
    "min-length": lambda v, f: f"{len(v)} characters; at least {f.min_length} required",
    "max-length": lambda v, f: f"{len(v)} characters; at most {f.max_length} allowed",
    "minimum": lambda v, f: f"{v!r} is outside the minimum {f.minimum}",
    "maximum": lambda v, f: f"{v!r} is outside the maximum {f.maximum}",
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
    if spec.type != "string" or spec.format != "default" or not spec.enum:
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
        pending &= ~isin(values, [str(v) for v in spec.enum or ()])
    if not pending.any():
        return problems
    report(sizes > MAX_CELL_CHARS, "cell-size")
    text = spec.type in TEXT_TYPES
    # one pass finds the text cells the next three checks could flag, usually none at all
    if not text or (matches(values, SUSPECT_RE2, False) & pending).any():
        if text:
            report(matches(values, CONTROL_RE2, False), "control-character")
            report(formula_start(values), "formula")
        report(padded(values), "whitespace")
    ok, converted = typed(values, spec)
    if converted is not None and spec.type not in TEXT_TYPES:
        ctx.typed[spec.name] = where(ok & ~missing, converted)
    report(~ok, "type")
    if spec.enum is not None and spec.type in NUMERIC_TYPES and converted is not None:
        accepted = []
        for entry in spec.enum:
            with contextlib.suppress(TypeError, ValueError):  # not a number: no cell equals it
                accepted.append(float(entry))
        report(~isin(converted, array(np.array(accepted, np.float64))), "enum")
    elif spec.enum is not None:
        report(~isin(values, [str(v) for v in spec.enum]), "enum")
    if spec.pattern is not None:
        report(~matches(values, spec.pattern), "pattern")
    if spec.min_length is not None:
        report(sizes < spec.min_length, "min-length")
    if spec.max_length is not None:
        report(sizes > spec.max_length, "max-length")
    for check, compare in (("minimum", "less"), ("maximum", "greater")):
        bound = _bound(getattr(spec, check), spec)
        if bound is not None and converted is not None:
            with contextlib.suppress(
                pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError
            ):
                report(bools(call(compare, converted, cast(bound, converted.type))), check)
    if spec.max_words is not None:
        report(more_words_than(values, spec.max_words), "max-words")
    return problems
