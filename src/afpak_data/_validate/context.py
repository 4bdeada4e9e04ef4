"""What the table-level checks share: one parsed resource with its schema and locations."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from afpak_data._validate.problems import Problem
from afpak_data._validate.schema import SchemaSpec


@dataclass
class TableContext:
    """A resource whose file parsed: cells by field name, the line of each row, and its schema.

    ``columns`` maps field names to string Series (missing values as ""); ``usable`` marks the rows
    that reached the cell checks (not blank, right shape). ``typed`` keeps each field's values as
    the cell checks converted them (invalid or missing: NA), so later checks (``x-rules``) compare
    numbers and dates without parsing a column twice.
    """

    name: str
    shown: str
    schema: SchemaSpec
    columns: dict[str, pd.Series]
    lines: np.ndarray
    usable: np.ndarray
    typed: dict[str, pd.Series] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of data rows kept."""
        return len(self.lines)

    def record_id(self, row: int) -> str | None:
        """The row's primary key as shown to people (composite keys joined with '/')."""
        key = [self.columns[f] for f in self.schema.primary_key if f in self.columns]
        if not key or len(key) != len(self.schema.primary_key):
            return None
        values = [str(series.iat[row]) for series in key]
        return "/".join(values) if any(values) else None

    def problem(self, row: int, column: str | None, check: str, message: str) -> Problem:
        """A problem located at data row ``row`` (0-based in ``columns``)."""
        return Problem(
            self.shown, int(self.lines[row]), self.record_id(row), column, check, message
        )

    def key(self, fields: list[str]) -> pd.Series | None:
        """The values of ``fields`` as one string Series (composites joined with a separator)."""
        if any(f not in self.columns for f in fields):
            return None
        if len(fields) == 1:
            return self.columns[fields[0]]
        out = self.columns[fields[0]].astype(str)
        for f in fields[1:]:
            out = out + "\x1f" + self.columns[f].astype(str)
        return out

    def present(self, fields: list[str]) -> np.ndarray:
        """Rows where every one of ``fields`` has a value (and the row is usable)."""
        mask = self.usable.copy()
        missing = self.schema.missing_values
        for f in fields:
            mask &= ~isin(self.columns[f], missing)
        return mask


def isin(values: pd.Series, allowed: pd.Series | list[str]) -> np.ndarray:
    """Vectorised membership as a hash join (pandas' Arrow ``isin`` loops over ``allowed``)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        left = pa.array(values, type=pa.string())
        right = pa.array(
            pd.Series(allowed, dtype=object).dropna().astype(str).unique(), type=pa.string()
        )
        return pc.is_in(left, value_set=right).to_numpy(zero_copy_only=False).astype(bool)
    except (ImportError, TypeError, ValueError):  # no pyarrow, or values that are not text
        return (
            values.astype(object)
            .isin(set(pd.Series(allowed, dtype=object).tolist()))
            .to_numpy(dtype=bool)
        )
