"""Vectorised text predicates over whole columns, on Arrow compute kernels where possible.

Why not ``Series.str``: pandas hands any pattern using ``\\s`` (and counting regexes) to Python's
``re``, one cell at a time, which made the cell checks of a million rows take seconds each. Here
the kernels run in pyarrow (RE2) with the same meaning as Python's ``str.isspace``/``str.split``:
the white-space class is spelt out, so RE2's ASCII-only ``\\s`` never changes a verdict. Without
pyarrow, or for a column that is not Arrow-backed, the pandas object path gives the same answer.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

#: Every character ``str.isspace()`` accepts, as an RE2/Python character-class body.
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: The same characters without the plain space (a cheap pre-filter for the word count).
OTHER_SPACE = SPACE.replace(" ", "")
_RE2_CLASS = {
    r"\x0b": r"\x{0b}",
    r"\x0c": r"\x{0c}",
    r"\x1c": r"\x{1c}",
    r"\x1f": r"\x{1f}",
    r"\x85": r"\x{85}",
    r"\xa0": r"\x{a0}",
    r"\u1680": r"\x{1680}",
    r"\u2000": r"\x{2000}",
    r"\u200a": r"\x{200a}",
    r"\u2028": r"\x{2028}",
    r"\u2029": r"\x{2029}",
    r"\u202f": r"\x{202f}",
    r"\u205f": r"\x{205f}",
    r"\u3000": r"\x{3000}",
}


def _re2(pattern: str) -> str:
    """Python's ``\\xNN``/``\\uNNNN`` escapes in RE2's ``\\x{...}`` spelling."""
    for python, re2 in _RE2_CLASS.items():
        pattern = pattern.replace(python, re2)
    return pattern


def arrow(values: pd.Series) -> Any:
    """The column as a pyarrow (chunked) string array, or None (no pyarrow, or not text)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency; the fallback stays exact
        return None
    try:
        data = pa.array(values.array) if hasattr(values.array, "__arrow_array__") else None
    except (TypeError, ValueError, pa.ArrowException):
        return None
    if data is None or not (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
        return None
    return data


def _bools(result: Any) -> np.ndarray:
    import pyarrow.compute as pc

    return np.asarray(pc.fill_null(result, False).to_numpy(zero_copy_only=False), dtype=bool)


def search(values: pd.Series, pattern: str) -> np.ndarray:
    """Vectorised ``re.search(pattern, value) is not None`` for every value (missing: False)."""
    data = arrow(values)
    if data is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            return _bools(pc.match_substring_regex(data, _re2(pattern)))
        except pa.ArrowInvalid:  # RE2 lacks look-arounds and back-references
            pass
    result = values.astype(object).str.contains(pattern, regex=True)
    return result.to_numpy(dtype=bool, na_value=False)


def lengths(values: pd.Series) -> np.ndarray:
    """Length of each value in characters (missing: 0)."""
    data = arrow(values)
    if data is not None:
        import pyarrow.compute as pc

        return pc.fill_null(pc.utf8_length(data), 0).to_numpy().astype(np.int64)
    return values.str.len().to_numpy(dtype=np.int64, na_value=0)


def padded(values: pd.Series) -> np.ndarray:
    """Values with leading or trailing white space (``str.isspace`` characters).

    On Arrow: the first and last character of each value against the set of white space (a
    regex alternation anchored at the end makes RE2 scan every character through a large class).
    """
    data = arrow(values)
    if data is None:
        return search(values, f"^[{SPACE}]|[{SPACE}]$")
    import pyarrow as pa
    import pyarrow.compute as pc

    spaces = pa.array(list(_space_chars()), type=data.type)
    first = pc.is_in(pc.utf8_slice_codeunits(data, 0, 1), value_set=spaces)
    last = pc.is_in(pc.utf8_slice_codeunits(data, -1), value_set=spaces)
    return _bools(pc.or_(first, last))


@functools.cache
def _space_chars() -> tuple[str, ...]:
    """The characters of ``SPACE`` one by one (the 29 for which ``str.isspace`` is true)."""
    import re

    return tuple(chr(c) for c in range(0x3001) if re.fullmatch(f"[{SPACE}]", chr(c)))


def formula_start(values: pd.Series) -> np.ndarray:
    """Values a spreadsheet would execute: first character =, +, -, @, tab or carriage return."""
    return search(values, r"^[=+\-@\t\r]")


def more_words_than(values: pd.Series, limit: int) -> np.ndarray:
    """Values with more than ``limit`` words, as ``len(value.split())`` counts them.

    Words can only exceed ``limit`` if the value has at least ``limit`` spaces or some other white
    space; those few candidates are counted exactly in Python, the rest never leave Arrow.
    """
    data = arrow(values)
    if data is None:
        counts = values.astype(object).map(lambda v: len(v.split()) if isinstance(v, str) else 0)
        return counts.to_numpy(dtype=np.int64) > limit
    import pyarrow.compute as pc

    spaces = pc.fill_null(pc.count_substring(data, " "), 0).to_numpy()
    candidate = (spaces >= limit) | search(values, f"[{OTHER_SPACE}]")
    out = np.zeros(len(values), bool)
    rows = np.flatnonzero(candidate)
    if len(rows):
        texts = values.to_numpy(dtype=object)[rows]
        out[rows] = [isinstance(v, str) and len(v.split()) > limit for v in texts]
    return out
