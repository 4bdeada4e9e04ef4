"""Vectorised cell checks: each check builds a boolean mask over a whole column at once.

Only the failing cells are turned into messages, so clean data costs a few array operations per
field whatever its size, and one bad value costs one message. Dates are parsed once, vectorised
(never pandera's per-value fallback). A cell gets at most one problem: the first check in this order
that fails (size, formula, white space, type, then the constraints).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from afpak_data._descriptor import CONTROL, DATE_FORMAT, FORMULA_CHARS, Field
from afpak_data._validate.arrow import (
    Column,
    float_array,
    int_array,
    mask_array,
    null_scalar,
    numbers,
    strings,
)
from afpak_data._validate.context import TableContext, bools, isin
from afpak_data._validate.files import MAX_CELL_CHARS
from afpak_data._validate.problems import Problem
from afpak_data._validate.text import (
    SPACE_CHARS,
    first_char,
    formula_start,
    fullmatch,
    lengths,
    more_words_than,
    padded,
    search,
)

#: The model's control and bidi characters (``_descriptor.CONTROL``) as an RE2 class.
CONTROL_RE2 = (
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x{9f}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]"
)
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


def where(mask: np.ndarray, values: Column) -> Column:
    """``values`` where ``mask`` is true, null elsewhere."""
    return pc.if_else(mask_array(mask), values, null_scalar(values.type))


def _python(values: Column, parse: Callable[[str], Any]) -> np.ndarray:
    """Rare types and formats: ``parse`` each value in Python; True where it does not raise."""

    def ok(value: str) -> bool:
        try:
            parse(value)
        except (TypeError, ValueError, OverflowError, RecursionError):
            return False
        return True

    return np.fromiter((ok(v) for v in values.to_pylist()), bool, len(values))


def _iso_datetime(value: str) -> dt.datetime:
    """A Table Schema datetime as an aware UTC datetime (naive values are read as UTC)."""
    stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def _dates(values: Column, ok: np.ndarray, fmt: str) -> tuple[np.ndarray, Column]:
    """Parse ``%Y-%m-%d`` or ``%Y-%m`` dates once, vectorised; impossible days are refused.

    Arrow's ``strptime`` rolls 2025-02-30 over to March 2, so the parsed day must equal the
    written one (comparing numbers; printing the dates back costs seven times as much); year
    0000 does not exist in the calendar Python and pandas use.
    """
    text = where(ok, values)
    parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    ok = ok & bools(pc.is_valid(parsed)) & ~bools(pc.starts_with(values, "0000"))
    if fmt == DATE_FORMAT:
        written = pc.cast(pc.utf8_slice_codeunits(where(ok, text), 8, 10), pa.int64())
        ok &= bools(pc.equal(pc.day(parsed), written))
    return ok, where(ok, parsed)


def _formatted(values: Column, fmt: str) -> tuple[np.ndarray, Column | None]:
    """Dates and times in a strftime ``format``: parsed by Arrow, checked by printing them back.

    A value that does not print back identically (an impossible day Arrow rolled over, or a
    number written without its zero) is decided by Python's ``strptime``, the reference; clean
    data never gets there.
    """
    try:
        parsed = pc.strptime(values, format=fmt, unit="s", error_is_null=True)
        same = bools(pc.equal(pc.strftime(parsed, format=fmt), values))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a format Arrow does not know
        return _python(values, lambda v: dt.datetime.strptime(v, fmt)), None
    ok = same.copy()
    rows = np.flatnonzero(~same)
    if len(rows):
        ok[rows] = _python(values.take(int_array(rows)), lambda v: dt.datetime.strptime(v, fmt))
    return ok, where(same, parsed)


def typed(values: Column, spec: Field) -> tuple[np.ndarray, Column | None]:
    """(mask of lexically valid values, typed values for comparisons, null where invalid)."""
    kind = spec.type
    fmt = spec.format
    n = len(values)
    if kind in {"string", "any", "list"}:
        pattern = STRING_FORMATS.get(fmt) if kind == "string" else None
        return (fullmatch(values, pattern) if pattern else np.ones(n, bool)), values
    if kind == "boolean":
        return isin(values, list(spec.true_values + spec.false_values)), None
    if kind in {"object", "array", "geojson"}:
        want = list if kind == "array" else dict
        return _python(values, lambda v: _json_is(v, want)), None
    if kind == "date" and fmt == DATE_FORMAT:
        return _dates(values, fullmatch(values, LEXICAL["date"]), DATE_FORMAT)
    if kind in {"date", "datetime", "time"} and fmt not in {"default", "any"}:
        return _formatted(values, fmt)
    if kind in {"date", "datetime", "time"} and fmt == "any":
        parse = {"date": dt.date.fromisoformat, "time": dt.time.fromisoformat}.get(
            kind, _iso_datetime
        )
        return _python(values, parse), None
    ok = fullmatch(values, LEXICAL[kind]) if kind in LEXICAL else np.ones(n, bool)
    if kind in {"integer", "number", "year"}:
        return ok, pc.cast(where(ok, values), pa.float64())
    if kind == "date":
        return _dates(values, ok, DATE_FORMAT)
    if kind == "yearmonth":
        return _dates(values, ok, "%Y-%m")
    if kind == "datetime":
        stamps: list[dt.datetime | None] = [None] * n
        rows = np.flatnonzero(ok)
        for row, text in zip(rows, values.take(int_array(rows)).to_pylist(), strict=True):
            try:
                stamps[row] = _iso_datetime(text)
            except ValueError:
                ok[row] = False
        return ok, pa.array(stamps, type=pa.timestamp("us", tz="UTC"))
    if kind == "time":
        rows = np.flatnonzero(ok)
        texts = values.take(int_array(rows))
        ok[rows] = _python(texts, lambda v: dt.time.fromisoformat(v[:8]))
        return ok, None
    return ok, None


def _json_is(text: str, want: type) -> bool:
    if not isinstance(json.loads(text), want):
        raise ValueError(text)
    return True


def _number(value: Any) -> float | None:
    """An enum entry of a numeric field as a float (None if it is not a number)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _bound(value: Any, spec: Field) -> Any:
    """A minimum/maximum constraint in the field's comparable type (None if it cannot be)."""
    try:
        if spec.type in {"integer", "number", "year"}:
            return float_array([float(value)])[0]
        if spec.type in {"date", "yearmonth"}:
            text = str(value) if spec.type == "date" else f"{value}-01"
            dt.date.fromisoformat(text)  # refuses what is not a date
            stamps: Column = pc.cast(strings([text]), pa.timestamp("s"))
            return stamps[0]
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


TEXT_TYPES = frozenset({"string", "any", "list"})


def _sizes(values: Column, spec: Field) -> np.ndarray:
    """Lengths for the size checks: bytes where they decide as well as characters would.

    A value has at least a quarter as many characters as bytes and at most as many, so when no
    byte length breaks a maximum, and none is under four times a minimum, the (free) byte
    lengths give every verdict the (counted) character lengths would.
    """
    size = numbers(pc.binary_length(values))
    longest = int(size.max()) if len(size) else 0
    maximum = min(MAX_CELL_CHARS, spec.max_length if spec.max_length is not None else longest)
    if longest > maximum:
        return lengths(values)
    if spec.min_length is not None and ((size > 0) & (size < 4 * spec.min_length)).any():
        return lengths(values)
    return size


def _vocabulary_only(spec: Field) -> bool:
    """A text field whose vocabulary values would pass all of the field's other checks."""
    if spec.type != "string" or spec.format != "default" or not spec.enum:
        return False
    spaces = tuple(SPACE_CHARS)
    for value in (str(v) for v in spec.enum):
        if not value or len(value) > MAX_CELL_CHARS or value.startswith(tuple(FORMULA_CHARS)):
            return False
        if value.startswith(spaces) or value.endswith(spaces):
            return False
        if spec.pattern is not None and re.fullmatch(spec.pattern, value) is None:
            return False
        if spec.min_length is not None and len(value) < spec.min_length:
            return False
        if spec.max_length is not None and len(value) > spec.max_length:
            return False
        if spec.max_words is not None and len(value.split()) > spec.max_words:
            return False
    return True


def _control_message(value: str) -> str:
    hit = CONTROL.search(value)
    where = f"U+{ord(hit.group()):04X} at position {hit.start() + 1}" if hit else "a character"
    return f"{where}: control characters and bidirectional overrides are refused in text"


def check_field(ctx: TableContext, spec: Field, is_key: bool) -> list[Problem]:
    """Every cell check on one field; one problem at most per cell."""
    values = ctx.columns[spec.name]
    problems: list[Problem] = []
    pending = ctx.usable.copy()
    sizes = _sizes(values, spec)
    if list(ctx.schema.missing_values) == [""]:
        ctx.missing_cache[spec.name] = sizes == 0  # the usual case, without another pass
    missing = ctx.missing(spec.name)

    def report(mask: np.ndarray, check: str, message: Callable[[str], str]) -> None:
        nonlocal pending
        hits = mask & pending
        for row in np.flatnonzero(hits):
            value = str(values[int(row)].as_py())
            problems.append(ctx.problem(int(row), spec.name, check, message(value)))
        pending = pending & ~hits

    if spec.required or is_key:
        why = "part of the primary key" if is_key and not spec.required else "required"
        report(missing, "required", lambda _v: f"a value is {why}, the cell is empty")
    pending &= ~missing
    if _vocabulary_only(spec):
        # Every vocabulary value passes every other check, so a member is valid: only the rest
        # (usually no row at all) go through the checks below, in their usual order.
        pending &= ~isin(values, [str(v) for v in spec.enum or ()])
    if not pending.any():
        return problems
    first = first_char(values)
    report(
        sizes > MAX_CELL_CHARS,
        "cell-size",
        lambda v: f"{len(v)} characters; cells are limited to {MAX_CELL_CHARS}",
    )
    if spec.type in {"string", "any", "list"}:
        report(
            search(values, CONTROL_RE2),
            "control-character",
            lambda v: _control_message(v),
        )
        report(
            formula_start(values, first),
            "formula",
            lambda v: (
                f"{_shorten(v)!r} starts with {v[:1]!r}: spreadsheets execute text beginning "
                "with =, +, -, @, tab or carriage return as a formula; reword it"
            ),
        )
    report(
        padded(values, first),
        "whitespace",
        lambda v: f"{_shorten(v)!r} has leading or trailing white space",
    )
    ok, converted = typed(values, spec)
    if converted is not None and spec.type not in TEXT_TYPES:
        ctx.typed[spec.name] = where(ok & ~missing, converted)
    expected = EXPECTED.get(spec.type, f"a {spec.format} string")
    report(~ok, "type", lambda v: f"{_shorten(v)!r} is not {expected}")
    if spec.enum is not None:
        if spec.type in {"integer", "number", "year"} and converted is not None:
            accepted = [x for x in (_number(v) for v in spec.enum) if x is not None]
            allowed = float_array(accepted)
            member = bools(pc.is_in(converted, value_set=allowed))
        else:
            member = isin(values, [str(v) for v in spec.enum])
        report(~member, "enum", lambda v: _enum_message(v, spec))
    if spec.pattern is not None:
        report(
            ~fullmatch(values, spec.pattern),
            "pattern",
            lambda v: f"{_shorten(v)!r} does not match the pattern {spec.pattern}",
        )
    if spec.min_length is not None:
        report(
            sizes < spec.min_length,
            "min-length",
            lambda v: f"{len(v)} characters; at least {spec.min_length} required",
        )
    if spec.max_length is not None:
        report(
            sizes > spec.max_length,
            "max-length",
            lambda v: f"{len(v)} characters; at most {spec.max_length} allowed",
        )
    for key, check, compare in (
        ("minimum", "minimum", pc.less),
        ("maximum", "maximum", pc.greater),
    ):
        bound = _bound(getattr(spec, key), spec) if getattr(spec, key) is not None else None
        if bound is not None and converted is not None:
            try:
                outside = bools(compare(converted, bound.cast(converted.type)))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                continue
            limit = getattr(spec, key)
            report(outside, check, lambda v, k=key, b=limit: f"{v!r} is outside the {k} {b}")  # type: ignore[misc]  # default argument binds the loop value
    if spec.max_words is not None:
        report(
            more_words_than(values, spec.max_words),
            "max-words",
            lambda v: f"{len(v.split())} words; quotes are limited to {spec.max_words} words",
        )
    return problems
