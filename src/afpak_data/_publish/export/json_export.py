"""JSON export: one file of records per table, and a descriptor that describes those files.

``<table>.json`` is an array of objects (``null`` for missing, ``YYYY-MM-DD`` dates); an empty
table is its header alone, since frictionless refuses ``[]`` (no columns). ``datapackage.json``
inlines each schema, so ``frictionless validate`` accepts the directory; it has ``hash`` but no
``bytes``: frictionless 5 reads JSON through ijson, bypassing its byte counter (a false error).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afpak_data._model.resources import DESCRIPTOR
from afpak_data._publish.export import dump, rows

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._model.descriptor import Package

#: What each resource says of its JSON file, besides its path, hash and inlined schema.
JSON_FILE = {"format": "json", "mediatype": "application/json", "encoding": "utf-8"}


def write(package: Package, frames: dict[str, pd.DataFrame], staging: Path) -> None:
    descriptor = copy.deepcopy(package.descriptor)
    by_name = {r.get("name"): r for r in descriptor.get("resources", [])}
    for resource in package.resources:
        names = resource.schema.field_names
        body = rows(frames[resource.name], resource.schema, iso_dates=True)
        records: list[Any] = [dict(zip(names, row, strict=True)) for row in body]
        data = dump(records or [list(names)])
        file_name = f"{resource.name}.json"
        (staging / file_name).write_bytes(data)
        entry = by_name[resource.name]
        schema = entry.get("schema")
        if isinstance(schema, str):
            schema = json.loads((resource.root / schema).read_text(encoding="utf-8"))
        entry.pop("bytes", None)
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        entry.update({"path": file_name, **JSON_FILE, "hash": digest, "schema": schema})
    (staging / DESCRIPTOR).write_bytes(dump(descriptor))
