"""JSON export: one file of records per table, and a descriptor that describes those files.

``<table>.json`` is an array of objects keyed by field name (missing cells are ``null``, dates
``YYYY-MM-DD``), the shape most web tools read directly. ``datapackage.json`` is the package's own
descriptor with each resource pointed at its JSON file (format, media type, bytes and hash
recomputed) and its Table Schema inlined, so the directory is a self-contained data package.
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
        data = dump(records(frames[resource.name], resource.schema))
        file_name = f"{resource.name}.json"
        (staging / file_name).write_bytes(data)
        by_name[resource.name].update(
            resource_entry(resource, file_name, data, by_name[resource.name])
        )
    (staging / "datapackage.json").write_bytes(dump(descriptor))


def resource_entry(
    resource: Resource, file_name: str, data: bytes, original: dict[str, Any]
) -> dict[str, Any]:
    """The descriptor properties that change when a resource's data is a JSON file."""
    schema = original.get("schema")
    if isinstance(schema, str):
        schema = json.loads((resource.root / schema).read_text(encoding="utf-8"))
    return {
        "path": file_name,
        "format": "json",
        "mediatype": "application/json",
        "encoding": "utf-8",
        "bytes": len(data),
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "schema": schema,
    }


def dump(value: Any) -> bytes:
    """Pretty, stable, UTF-8 JSON (non-ASCII text such as typographic quotes kept readable)."""
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
