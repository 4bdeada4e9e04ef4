"""Vectorised text predicates over whole columns, on Arrow compute kernels.

Why not ``Series.str``: pandas hands any pattern using ``\\s`` (and counting regexes) to Python's
``re``, one cell at a time, which made the cell checks of a million rows take seconds each. Here
the kernels run in pyarrow (RE2) with the same meaning as Python's ``str.isspace``/``str.split``:
the white-space characters are spelt out, so RE2's ASCII-only ``\\s`` never changes a verdict. A
pattern RE2 cannot run (look-arounds, back-references) falls back to Python's ``re``.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from afpak_data._descriptor import FORMULA_CHARS
from afpak_data._validate.arrow import Column, bools, int_array, numbers, strings

#: Every character for which ``str.isspace()`` is true (the white space of ``str.split()``).
SPACE_CHARS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@functools.cache
def _spaces() -> Column:
    return strings(SPACE_CHARS)


@functools.cache
def _formula() -> Column:
    return strings(FORMULA_CHARS)


@functools.cache
def _other_space_re2() -> str:
    """An RE2 class of the white space other than the plain space, as ``\\x{...}`` escapes."""
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in SPACE_CHARS if c != " ") + "]"


def search(values: Column, pattern: str) -> np.ndarray:
    """``re.search(pattern, value) is not None`` for every value (RE2, else Python's ``re``)."""
    try:
        return bools(pc.match_substring_regex(values, pattern))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # RE2 lacks this syntax
        compiled = re.compile(pattern)
        return np.fromiter(
            (v is not None and compiled.search(v) is not None for v in values.to_pylist()),
            bool,
            len(values),
        )


def fullmatch(values: Column, pattern: str) -> np.ndarray:
    """``re.fullmatch(pattern, value) is not None`` for every value (missing: False)."""
    try:
        return bools(pc.match_substring_regex(values, f"^(?:{pattern})$"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        compiled = re.compile(pattern)
        return np.fromiter(
            (v is not None and compiled.fullmatch(v) is not None for v in values.to_pylist()),
            bool,
            len(values),
        )


def lengths(values: Column) -> np.ndarray:
    """Length of each value in characters (code points, as Python's ``len``)."""
    return numbers(pc.utf8_length(values))


def first_char(values: Column) -> Column:
    """The first character of each value ("" for empty values)."""
    return pc.utf8_slice_codeunits(values, 0, 1)


@functools.cache
def _arrow_trims_python_space() -> bool:
    """Whether Arrow's ``utf8_trim_whitespace`` trims exactly ``str.isspace`` characters.

    It does in the pyarrow versions we know (a test checks every code point); this probe of the
    white space and its usual look-alikes keeps an Arrow that changed its mind from being trusted.
    """
    probe = [f"a{c}" for c in SPACE_CHARS + "\u200b\u180e\ufeff\u2060\x00"]
    trimmed: list[str] = pc.utf8_trim_whitespace(strings(probe)).to_pylist()
    return trimmed == ["a"] * len(SPACE_CHARS) + probe[len(SPACE_CHARS) :]


def padded(values: Column, first: Column | None = None) -> np.ndarray:
    """Values with leading or trailing white space (``str.isspace`` characters).

    Trimming and comparing byte lengths is eight times cheaper than slicing out the last
    character; where Arrow's white space might differ from Python's, the first and last
    characters are compared with the set of white space instead.
    """
    if _arrow_trims_python_space():
        trimmed = pc.binary_length(pc.utf8_trim_whitespace(values))
        return bools(pc.not_equal(trimmed, pc.binary_length(values)))
    first = first_char(values) if first is None else first
    leading = pc.is_in(first, value_set=_spaces())
    trailing = pc.is_in(pc.utf8_slice_codeunits(values, -1), value_set=_spaces())
    return bools(pc.or_(leading, trailing))


def formula_start(values: Column, first: Column | None = None) -> np.ndarray:
    """Values a spreadsheet would execute: first character =, +, -, @, tab or carriage return.

    ``first``: the values' first characters, if the caller has them already.
    """
    first = first_char(values) if first is None else first
    return bools(pc.is_in(first, value_set=_formula()))


def more_words_than(values: Column, limit: int) -> np.ndarray:
    """Values with more than ``limit`` words, as ``len(value.split())`` counts them.

    Words can only exceed ``limit`` if the value has at least ``limit`` spaces or some other white
    space; those few candidates are counted exactly in Python, the rest never leave Arrow.
    """
    spaces = numbers(pc.count_substring(values, " "))
    candidate = (spaces >= limit) | search(values, _other_space_re2())
    out = np.zeros(len(values), bool)
    rows = np.flatnonzero(candidate)
    if len(rows):
        texts = values.take(int_array(rows)).to_pylist()
        out[rows] = [isinstance(v, str) and len(v.split()) > limit for v in texts]
    return out
