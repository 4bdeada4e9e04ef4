"""Arrow arrays to and from numpy and Python, without pyarrow importing pandas.

Why: pyarrow imports pandas (0.3 s, more than validating 100,000 rows) the first time it converts a
Python object (``pa.array([...])``, ``pa.scalar(x)``, a Python value passed to a compute function)
or converts a result with ``to_numpy()`` in some cases. The validator builds its arrays from
buffers instead, and reads results back from buffers, so ``afpak-data validate`` never pays for
pandas. Pattern strings and other *options* of compute functions are fine; data values are not.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: An Arrow column or scalar. pyarrow-stubs types each compute kernel per concrete array class
#: (StringArray, Int64Array...); the validator's columns get their class at run time (text, then
#: numbers or timestamps after conversion), so they are typed as Any, checked by the tests.
Column: TypeAlias = Any


def strings(values: Iterable[str]) -> Column:
    """A string array of ``values`` (no nulls), built from an offsets and a data buffer."""
    encoded = [str(v).encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return pa.Array.from_buffers(
        pa.large_string(),
        len(encoded),
        [None, pa.py_buffer(offsets.data), pa.py_buffer(b"".join(encoded))],
    ).cast(pa.string())


def string_scalar(value: str) -> Column:
    """``value`` as an Arrow string scalar (to pass to compute functions as data)."""
    return strings([value])[0]


def null_scalar(kind: pa.DataType) -> Column:
    """A null of type ``kind``."""
    nulls: Column = pa.nulls(1, kind)  # type: ignore[call-overload]  # any kind
    return nulls[0]


def mask_array(mask: np.ndarray) -> Column:
    """A numpy boolean mask as an Arrow boolean array (bit-packed, no nulls)."""
    mask = np.asarray(mask, dtype=bool)
    bits = np.packbits(mask, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits.data)])


def int_array(values: np.ndarray) -> Column:
    """A numpy integer array as an Arrow int64 array (row positions for ``take``)."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data.data)])


def float_array(values: Iterable[float]) -> Column:
    """Numbers as an Arrow float64 array (NaN stays NaN, not null)."""
    data = np.ascontiguousarray(np.fromiter(values, np.float64), dtype=np.float64)
    return pa.Array.from_buffers(pa.float64(), len(data), [None, pa.py_buffer(data.data)])


@functools.cache
def _false() -> Column:
    return mask_array(np.zeros(1, bool))[0]


def _single(result: Column) -> Column:
    return result.combine_chunks() if isinstance(result, pa.ChunkedArray) else result


def bools(result: Column) -> np.ndarray:
    """An Arrow boolean result as a numpy mask (null counts as False)."""
    result = _single(result)
    if result.null_count:
        result = pc.coalesce(result, _false())
    bits = np.frombuffer(result.buffers()[1], np.uint8)
    count = len(result) + result.offset
    return np.unpackbits(bits, bitorder="little", count=count)[result.offset :].astype(bool)


def numbers(result: Column, kind: type = np.int64) -> np.ndarray:
    """An Arrow numeric result as a numpy array of ``kind`` (int64: null as 0; float64: NaN)."""
    result = _single(result)
    target = pa.int64() if kind is np.int64 else pa.float64()
    result = result.cast(target)
    if result.null_count:
        fill = (np.zeros if kind is np.int64 else lambda n: np.full(n, np.nan))(1)
        filler = int_array(fill) if kind is np.int64 else float_array(fill)
        result = pc.coalesce(result, filler[0])
    data: np.ndarray = np.frombuffer(result.buffers()[1], kind, count=len(result) + result.offset)
    return data[result.offset :]
