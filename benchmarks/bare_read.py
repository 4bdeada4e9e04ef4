"""The baseline: a bare, typed ``pandas.read_csv`` of every table of a package.

Why: "as fast as the hardware allows" needs a yardstick. This is the least any typed load must do:
one ``read_csv`` per table with the dtypes the schema implies (the same ones ``afpak_data.load``
returns: nullable Int64/Float64/boolean, categories for vocabularies, ``string`` for text, dates
parsed with their format), and nothing else: no checks, no afpak_data code.

Run as a script it prints JSON ``{"rows", "import_s", "read_s"}`` (pandas' import timed apart), so
the runner can time it in a fresh process exactly like the ``afpak-data validate`` command.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

NULLABLE = {"integer": "Int64", "year": "Int64", "number": "Float64", "boolean": "boolean"}


def read_typed(root: Path) -> dict[str, Any]:
    """Every table of the package under ``root`` as a typed DataFrame (schemas read as JSON)."""
    import pandas as pd

    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    frames = {}
    for res in descriptor["resources"]:
        schema = res["schema"]
        if isinstance(schema, str):
            schema = json.loads((root / schema).read_text(encoding="utf-8"))
        dtype: dict[str, Any] = {}
        dates = []
        for field in schema["fields"]:
            enum = field.get("constraints", {}).get("enum")
            if field["type"] == "date":
                dates.append(field["name"])
            elif enum is not None and field["type"] == "string":
                dtype[field["name"]] = pd.CategoricalDtype(enum)
            else:
                dtype[field["name"]] = NULLABLE.get(field["type"], "string")
        frames[res["name"]] = pd.read_csv(
            root / res["path"],
            dtype=dtype,
            parse_dates=dates,
            date_format="%Y-%m-%d",
            keep_default_na=False,
            na_values=schema.get("missingValues", [""]),
        )
    return frames


def main() -> None:
    """``python benchmarks/bare_read.py PACKAGE_DIR``: read it, print the timings as JSON."""
    start = time.perf_counter()
    import pandas  # noqa: F401

    imported = time.perf_counter()
    frames = read_typed(Path(sys.argv[1]))
    done = time.perf_counter()
    rows = sum(len(f) for f in frames.values())
    print(json.dumps({"rows": rows, "import_s": imported - start, "read_s": done - imported}))


if __name__ == "__main__":
    main()
