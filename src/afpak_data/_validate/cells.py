"""Vectorised cell checks: each check builds a boolean mask over a whole column at once.

Only the failing cells are turned into messages, so clean data costs a few array operations per
field whatever its size, and one bad value costs one message. Dates are parsed once, vectorised
(never pandera's per-value fallback). A cell gets at most one problem: the first check in this order
that fails (size, formula, white space, type, then the constraints).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from afpak_data._validate.context import TableContext, isin
from afpak_data._validate.files import MAX_CELL_CHARS
from afpak_data._validate.problems import Problem
from afpak_data._validate.schema import FieldSpec
from afpak_data._validate.text import formula_start, lengths, more_words_than, padded

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


def fullmatch(values: pd.Series, pattern: str) -> np.ndarray:
    """Vectorised ``re.fullmatch`` (pyarrow's RE2 when it can, Python's ``re`` otherwise)."""
    try:
        result = values.str.fullmatch(pattern)
    except Exception:  # RE2 lacks look-arounds and back-references
        result = values.astype(object).str.fullmatch(pattern)
    return result.to_numpy(dtype=bool, na_value=False)


def typed(values: pd.Series, spec: FieldSpec) -> tuple[np.ndarray, pd.Series | None]:
    """(mask of lexically valid values, typed values for minimum/maximum or None)."""
    kind = spec.type
    fmt = spec.format
    if kind in {"string", "any", "list"}:
        pattern = STRING_FORMATS.get(fmt) if kind == "string" else None
        ok = fullmatch(values, pattern) if pattern else np.ones(len(values), bool)
        return ok, values
    if kind == "boolean":
        return isin(values, list(spec.true_values + spec.false_values)), None
    if kind in {"object", "array", "geojson"}:
        want = list if kind == "array" else dict
        ok = np.fromiter((_json_is(v, want) for v in values.astype(object)), bool, len(values))
        return ok, None
    if kind in {"date", "datetime", "time"} and fmt not in {"default", "any"}:
        parsed = pd.to_datetime(values.astype(object), format=fmt, errors="coerce")
        return parsed.notna().to_numpy(dtype=bool), parsed
    if kind in {"date", "datetime", "time"} and fmt == "any":
        parsed = pd.to_datetime(values.astype(object), format="mixed", errors="coerce")
        return parsed.notna().to_numpy(dtype=bool), parsed
    ok = fullmatch(values, LEXICAL[kind]) if kind in LEXICAL else np.ones(len(values), bool)
    if kind in {"integer", "number", "year"}:
        return ok, pd.to_numeric(values.where(ok, "0").astype(object), errors="coerce")
    if kind in {"date", "yearmonth"}:
        text = values.where(ok, "2000-01-01" if kind == "date" else "2000-01")
        parsed = pd.to_datetime(
            text.astype(object), format="%Y-%m-%d" if kind == "date" else "%Y-%m", errors="coerce"
        )
        ok &= parsed.notna().to_numpy(dtype=bool)
        return ok, parsed
    if kind == "datetime":
        parsed = pd.to_datetime(
            values.where(ok, "2000-01-01T00:00:00Z").astype(object),
            format="ISO8601",
            errors="coerce",
            utc=True,
        )
        ok &= parsed.notna().to_numpy(dtype=bool)
        return ok, parsed
    if kind == "time":
        parsed = pd.to_datetime(
            values.where(ok, "00:00:00").str.slice(0, 8).astype(object),
            format="%H:%M:%S",
            errors="coerce",
        )
        ok &= parsed.notna().to_numpy(dtype=bool)
        return ok, None
    return ok, None


def _json_is(text: str, want: type) -> bool:
    try:
        return isinstance(json.loads(text), want)
    except (ValueError, RecursionError):
        return False


def _bound(value: Any, spec: FieldSpec) -> Any:
    """A minimum/maximum constraint in the field's comparable type (None if it cannot be)."""
    try:
        if spec.type in {"integer", "number", "year"}:
            return float(value)
        if spec.type in {"date", "datetime", "yearmonth"}:
            stamp = pd.Timestamp(str(value))
            return (
                stamp.tz_localize("UTC") if spec.type == "datetime" and stamp.tz is None else stamp
            )
    except (TypeError, ValueError):
        return None
    return None


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _enum_message(value: str, spec: FieldSpec) -> str:
    options = [str(v) for v in spec.enum or []]
    shown = ", ".join(options[:8]) + (", …" if len(options) > 8 else "")
    vocabulary = f"the vocabulary '{spec.vocabulary}'" if spec.vocabulary else "the field's enum"
    close = difflib.get_close_matches(value, options, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{value!r} is not one of {shown} (expected one of {vocabulary}){hint}"


def check_field(ctx: TableContext, spec: FieldSpec, is_key: bool) -> list[Problem]:
    """Every cell check on one field; one problem at most per cell."""
    values = ctx.columns[spec.name]
    problems: list[Problem] = []
    pending = ctx.usable.copy()
    missing = isin(values, ctx.schema.missing_values)

    def report(mask: np.ndarray, check: str, message: Callable[[str], str]) -> None:
        nonlocal pending
        hits = mask & pending
        for row in np.flatnonzero(hits):
            problems.append(ctx.problem(int(row), spec.name, check, message(str(values.iat[row]))))
        pending = pending & ~hits

    if spec.required or is_key:
        why = "part of the primary key" if is_key and not spec.required else "required"
        report(missing, "required", lambda _v: f"a value is {why}, the cell is empty")
    pending &= ~missing
    if not pending.any():
        return problems
    sizes = lengths(values)
    report(
        sizes > MAX_CELL_CHARS,
        "cell-size",
        lambda v: f"{len(v)} characters; cells are limited to {MAX_CELL_CHARS}",
    )
    if spec.type in {"string", "any", "list"}:
        report(
            formula_start(values),
            "formula",
            lambda v: (
                f"{_shorten(v)!r} starts with {v[:1]!r}: spreadsheets execute text beginning "
                "with =, +, -, @, tab or carriage return as a formula; reword it"
            ),
        )
    report(
        padded(values),
        "whitespace",
        lambda v: f"{_shorten(v)!r} has leading or trailing white space",
    )
    ok, converted = typed(values, spec)
    if converted is not None:
        ctx.typed[spec.name] = converted.where(ok & ~missing)
    expected = EXPECTED.get(spec.type, f"a {spec.format} string")
    report(~ok, "type", lambda v: f"{_shorten(v)!r} is not {expected}")
    if spec.enum is not None:
        if spec.type in {"integer", "number", "year"} and converted is not None:
            allowed = pd.to_numeric(pd.Series(spec.enum), errors="coerce").dropna().tolist()
            member = converted.isin(allowed).to_numpy(dtype=bool)
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
        ("minimum", "minimum", np.less),
        ("maximum", "maximum", np.greater),
    ):
        bound = _bound(getattr(spec, key), spec) if getattr(spec, key) is not None else None
        if bound is not None and converted is not None:
            try:
                outside = compare(converted, bound).to_numpy(dtype=bool, na_value=False)
            except TypeError:
                continue
            limit = getattr(spec, key)
            report(outside, check, lambda v, k=key, b=limit: f"{v!r} is outside the {k} {b}")
    if spec.max_words is not None:
        report(
            more_words_than(values, spec.max_words),
            "max-words",
            lambda v: f"{len(v.split())} words; quotes are limited to {spec.max_words} words",
        )
    return problems
