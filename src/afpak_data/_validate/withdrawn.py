"""Withdrawn IDs stay reserved: no table may reuse an ID listed in ``withdrawn.record_id``.

A citation made against an older version must never silently point at a different record, so a
retired ID is never given out again (docs/architecture.md). Checked only when the package has a
``withdrawn`` resource, as one membership test (a hash join) per table's primary key.
"""

from __future__ import annotations

import numpy as np

from afpak_data._validate.context import TableContext, isin, take
from afpak_data._validate.problems import Problem

WITHDRAWN = "withdrawn"
RECORD_ID = "record_id"
VERSION = "withdrawn_in"


def check_withdrawn(tables: dict[str, TableContext]) -> list[Problem]:
    """Rows of every other table whose primary key is a withdrawn ID."""
    retired = tables.get(WITHDRAWN)
    if retired is None or RECORD_ID not in retired.columns:
        return []
    present = retired.present([RECORD_ID])
    ids = take(retired.columns[RECORD_ID], present)
    if len(ids) == 0:
        return []
    versions = retired.columns.get(VERSION)
    when = (
        dict(zip(ids.to_pylist(), take(versions, present).to_pylist(), strict=True))
        if versions is not None
        else {}
    )
    problems = []
    for name, ctx in tables.items():
        pk = ctx.schema.primary_key
        if name == WITHDRAWN or not pk:
            continue
        key = ctx.key(pk)
        if key is None:
            continue
        reused = ctx.present(pk) & isin(key, ids)
        for row in np.flatnonzero(reused):
            value = str(key[int(row)].as_py())
            version = when.get(value) or "an earlier version"
            problems.append(
                ctx.problem(
                    int(row),
                    ", ".join(pk),
                    "withdrawn-id",
                    f"ID {value!r} was withdrawn in version {version} and stays reserved; "
                    "choose a new ID",
                )
            )
    return problems
