"""What the table-level checks share: one parsed resource with its schema and locations.

Columns are pyarrow string arrays, not pandas Series: the validator never imports pandas (its
import alone cost more than validating 100,000 rows), and every check is an Arrow compute kernel
over a whole column or a numpy mask, so clean data never runs a Python loop per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from afpak_data._descriptor import Schema
from afpak_data._validate.arrow import Column, bools, mask_array, string_scalar, strings
from afpak_data._validate.problems import Problem

__all__ = ["KEY_SEPARATOR", "TableContext", "bools", "isin", "take", "value_set"]

#: Separator of the parts of a composite key (never in a CSV value a person types).
KEY_SEPARATOR = "\x1f"


@dataclass
class TableContext:
    """A resource whose file parsed: cells by field name, the line of each row, and its schema.

    ``columns`` maps field names to string arrays (missing values as ""); ``usable`` marks the rows
    that reached the cell checks (not blank, right shape). ``typed`` keeps each field's values as
    the cell checks converted them (invalid or missing: null), so later checks (``x-rules``) compare
    numbers and dates without parsing a column twice.
    """

    name: str
    shown: str
    schema: Schema
    columns: dict[str, Column]
    lines: np.ndarray
    usable: np.ndarray
    typed: dict[str, Column] = field(default_factory=dict)
    missing_cache: dict[str, np.ndarray] = field(default_factory=dict)
    #: distinct referenced values per key, built once however many foreign keys point here
    key_sets: dict[tuple[str, ...], Column | None] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of data rows kept."""
        return len(self.lines)

    def record_id(self, row: int) -> str | None:
        """The row's primary key as shown to people (composite keys joined with '/')."""
        key = [self.columns[f] for f in self.schema.primary_key if f in self.columns]
        if not key or len(key) != len(self.schema.primary_key):
            return None
        values = [str(column[row].as_py()) for column in key]
        return "/".join(values) if any(values) else None

    def problem(self, row: int, column: str | None, check: str, message: str) -> Problem:
        """A problem located at data row ``row`` (0-based in ``columns``)."""
        return Problem(
            self.shown, int(self.lines[row]), self.record_id(row), column, check, message
        )

    def key(self, fields: Sequence[str]) -> Column | None:
        """The values of ``fields`` as one string array (composites joined with a separator)."""
        if any(f not in self.columns for f in fields):
            return None
        if len(fields) == 1:
            return self.columns[fields[0]]
        parts = (self.columns[f] for f in fields)
        return pc.binary_join_element_wise(*parts, string_scalar(KEY_SEPARATOR))

    def missing(self, name: str) -> np.ndarray:
        """Rows whose ``name`` cell is a missing value (``missingValues``, usually "")."""
        if name not in self.missing_cache:
            self.missing_cache[name] = isin(self.columns[name], self.schema.missing_values)
        return self.missing_cache[name]

    def present(self, fields: Sequence[str]) -> np.ndarray:
        """Rows where every one of ``fields`` has a value (and the row is usable)."""
        mask = self.usable.copy()
        for f in fields:
            mask &= ~self.missing(f)
        return mask


def value_set(allowed: Any) -> Column:
    """Distinct non-null text values of ``allowed`` (an Arrow array or a list of strings)."""
    if isinstance(allowed, KeySet):
        return allowed.values
    if not isinstance(allowed, pa.Array | pa.ChunkedArray):
        allowed = strings(v for v in allowed if v is not None)
    if pa.types.is_large_string(allowed.type):
        allowed = allowed.cast(pa.string())
    return pc.unique(allowed.drop_null())


@dataclass(frozen=True)
class KeySet:
    """Distinct values already computed (``value_set``), so a membership test does not redo it."""

    values: Column


def isin(values: Column, allowed: Any) -> np.ndarray:
    """Vectorised membership as a hash join (Arrow's ``is_in`` builds a hash set of ``allowed``)."""
    if pa.types.is_large_string(values.type):
        values = values.cast(pa.string())
    return bools(pc.is_in(values, value_set=value_set(allowed)))


def take(values: Column, mask: np.ndarray) -> Column:
    """The values of the rows where ``mask`` is true."""
    return values.filter(mask_array(mask))
