"""JSON export: one file of records per table, and a descriptor that describes those files.

``<table>.json`` is an array of objects keyed by field name (missing cells are ``null``, dates
``YYYY-MM-DD``), the shape most web tools read directly. A table with no rows is written as an
array holding only its header (``[["record_id", ...]]``, the other tabular JSON shape), because a
reader cannot tell the columns of ``[]`` and frictionless refuses it ("cannot extract JSON tabular
data"). ``datapackage.json`` is the package's own descriptor with each resource pointed at its JSON
file (format, media type and hash recomputed) and its Table Schema inlined, so the directory is a
self-contained data package that ``frictionless validate`` accepts.

Why ``hash`` but no ``bytes``: frictionless 5 reads JSON through ijson, which bypasses the byte
counter of its loader, so a correct ``bytes`` is reported as a ``byte-count`` error ("actual is
None"); the sha256 is checked where frictionless can compute it, and by our tests. afpak-data's
own loader and validator read CSV packages only and say so when given this one.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afpak_data._export.values import records

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._descriptor import Package, Resource


def write(package: Package, frames: dict[str, pd.DataFrame], staging: Path) -> None:
    """Write ``<table>.json`` for every resource and the rewritten ``datapackage.json``."""
    descriptor = copy.deepcopy(package.descriptor)
    by_name = {r.get("name"): r for r in descriptor.get("resources", [])}
    for resource in package.resources:
        rows = records(frames[resource.name], resource.schema)
        data = dump(rows if rows else [list(resource.schema.field_names)])
        file_name = f"{resource.name}.json"
        (staging / file_name).write_bytes(data)
        by_name[resource.name].update(
            resource_entry(resource, file_name, data, by_name[resource.name])
        )
    (staging / "datapackage.json").write_bytes(dump(descriptor))


def resource_entry(
    resource: Resource, file_name: str, data: bytes, original: dict[str, Any]
) -> dict[str, Any]:
    """The descriptor properties that change when a resource's data is a JSON file (the CSV's
    ``bytes`` is dropped: see the module docstring)."""
    schema = original.get("schema")
    if isinstance(schema, str):
        schema = json.loads((resource.root / schema).read_text(encoding="utf-8"))
    original.pop("bytes", None)
    return {
        "path": file_name,
        "format": "json",
        "mediatype": "application/json",
        "encoding": "utf-8",
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "schema": schema,
    }


def dump(value: Any) -> bytes:
    """Pretty, stable, UTF-8 JSON (non-ASCII text such as typographic quotes kept readable)."""
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
