"""The validator's one door to pyarrow: arrays through buffers, kernels by name, text predicates.

Why not ``pa.array`` and ``pyarrow.compute``: converting a Python object (``pa.array``,
``pa.scalar``, ``to_numpy``) imports pandas (0.3 s, more than checking 100,000 rows), and importing
``pyarrow.compute`` (as ``cast``, ``take``, ``filter`` methods do) writes 300 kernels' docstrings
(25 ms, a tenth of validating the real package). The text predicates mean what ``str``'s methods
mean: white space is spelt out (RE2's ``\\s`` is ASCII-only); what RE2 cannot run goes to ``re``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
from pyarrow import _compute

from afpak_data._model.descriptor import FORMULA_CHARS

#: pyarrow-stubs types each kernel per array class; the validator's columns get theirs at run time
#: (text, then numbers or timestamps after conversion), so they are Any, checked by the tests.
Column: TypeAlias = Any
#: pyarrow's kernels and their option classes (``pyarrow.compute`` re-exports them from here)
kernels = _compute

#: Every character for which ``str.isspace()`` is true (the white space of ``str.split()``).
SPACE_CHARS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def call(name: str, *args: Column, options: Any = None) -> Column:
    """The Arrow kernel ``name`` on ``args``: ``pyarrow.compute.<name>`` without importing it."""
    return kernels.call_function(name, list(args), options)


def cast(values: Column, kind: pa.DataType) -> Column:
    return call("cast", values, options=kernels.CastOptions.safe(kind))


def strings(values: Iterable[str]) -> Column:
    """A string array of ``values`` (no nulls), built from an offsets and a data buffer."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.cumsum([0, *map(len, encoded)], dtype=np.int64)
    buffers = [None, None, pa.py_buffer(b"".join(encoded))]
    if offsets[-1] < 2**31:  # string's 32-bit offsets hold them (no cast from large_string)
        buffers[1] = pa.py_buffer(offsets.astype(np.int32).data)
        return pa.Array.from_buffers(pa.string(), len(encoded), buffers)
    buffers[1] = pa.py_buffer(offsets.data)
    return cast(pa.Array.from_buffers(pa.large_string(), len(encoded), buffers), pa.string())


def array(values: Any) -> Column:
    """A numpy array of booleans, int64 or float64 as the Arrow array of that type (no nulls)."""
    data = np.ascontiguousarray(values)
    buffer = np.packbits(data, bitorder="little") if data.dtype == bool else data
    kind = pa.from_numpy_dtype(data.dtype)
    return pa.Array.from_buffers(kind, len(data), [None, pa.py_buffer(buffer.data)])


def where(mask: np.ndarray, values: Column) -> Column:
    """``values`` where ``mask`` is true, null elsewhere."""
    return call("if_else", array(mask), values, pa.nulls(1, values.type)[0])


def filtered(values: Column, mask: np.ndarray) -> Column:
    """The values of the rows where ``mask`` is true."""
    return call("filter", values, array(mask))


def picked(values: Column, rows: np.ndarray) -> Column:
    """The values of ``rows`` (positions)."""
    return call("take", values, array(rows.astype(np.int64)))


def bools(result: Column) -> np.ndarray:
    """An Arrow boolean result as a numpy mask (null counts as False)."""
    if result.null_count:
        result = call("coalesce", result, array(np.zeros(1, bool))[0])
    bits = np.frombuffer(result.buffers()[1], np.uint8)
    count = len(result) + result.offset
    return np.unpackbits(bits, bitorder="little", count=count)[result.offset :].astype(bool)


def numbers(result: Column) -> np.ndarray:
    """An Arrow integer result as a numpy int64 array (null as 0)."""
    result = cast(result, pa.int64())
    if result.null_count:
        result = call("coalesce", result, array(np.zeros(1, np.int64))[0])
    data = np.frombuffer(result.buffers()[1], np.int64, len(result) + result.offset)
    return data[result.offset :]


def isin(values: Column, allowed: Column) -> np.ndarray:
    """Vectorised membership, a hash join (``allowed``: an Arrow array, or a list of strings)."""
    allowed = strings(allowed) if isinstance(allowed, list) else allowed
    return bools(call("is_in", values, options=kernels.SetLookupOptions(allowed)))


def matches(values: Column, pattern: str, whole: bool = True) -> np.ndarray:
    """``re.fullmatch`` (``re.search`` unless ``whole``) of ``pattern`` on each value."""
    regex = f"^(?:{pattern})$" if whole else pattern
    try:
        options = kernels.MatchSubstringOptions(regex)
        return bools(call("match_substring_regex", values, options=options))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # RE2 lacks this syntax
        match = re.compile(pattern).fullmatch if whole else re.compile(pattern).search
        return np.fromiter((match(v) is not None for v in values.to_pylist()), bool, len(values))


def char_class(chars: str) -> str:
    """An RE2 class of ``chars`` (as ``\\x{...}`` escapes, whatever they are)."""
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


SPACE_RE2 = char_class(SPACE_CHARS)
OTHER_SPACE_RE2 = char_class(SPACE_CHARS.replace(" ", ""))
_FORMULA = strings(FORMULA_CHARS)


@functools.cache
def _arrow_trims_python_space() -> bool:
    """Whether Arrow's ``utf8_trim_whitespace`` trims exactly the ``str.isspace`` characters (it
    does in the versions we know, a test checks every code point; this probe guards the others)."""
    probe = [f"a{c}" for c in SPACE_CHARS + "\u200b\u180e\ufeff\u2060\x00"]
    trimmed = call("utf8_trim_whitespace", strings(probe)).to_pylist()
    return bool(trimmed == ["a"] * len(SPACE_CHARS) + probe[len(SPACE_CHARS) :])


def padded(values: Column) -> np.ndarray:
    """Values with leading or trailing white space (trimming and comparing byte lengths is eight
    times cheaper than slicing out the last character)."""
    if not _arrow_trims_python_space():
        return matches(values, f"^{SPACE_RE2}|{SPACE_RE2}$", False)
    trimmed = call("binary_length", call("utf8_trim_whitespace", values))
    return bools(call("not_equal", trimmed, call("binary_length", values)))


def formula_start(values: Column) -> np.ndarray:
    """Values a spreadsheet would execute: first character =, +, -, @, tab or carriage return."""
    first = call("utf8_slice_codeunits", values, options=kernels.SliceOptions(0, 1))
    return isin(first, _FORMULA)


def more_words_than(values: Column, limit: int) -> np.ndarray:
    """Values with more than ``limit`` words, as ``len(value.split())`` counts them: only values
    with ``limit`` spaces or other white space can have that many, and only those are split."""
    spaces = numbers(call("count_substring", values, options=kernels.MatchSubstringOptions(" ")))
    rows = np.flatnonzero((spaces >= limit) | matches(values, OTHER_SPACE_RE2, False))
    out = np.zeros(len(values), bool)
    out[rows] = [len(v.split()) > limit for v in picked(values, rows).to_pylist()]
    return out
