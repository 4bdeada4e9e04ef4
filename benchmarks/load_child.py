"""Time ``afpak_data.load_all()`` against the bare typed read, in one warm process.

Why in-process: both sides then pay the same (already done) imports, so the ratio compares the
loading work alone. Each package is loaded once untimed (first-use imports such as pyarrow happen
there), then the two are timed alternately, ``repeats`` times each; medians are printed as JSON.

    python benchmarks/load_child.py REPEATS PACKAGE_DIR [PACKAGE_DIR ...]   (or "bundled")
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_read import read_typed

import afpak_data
from afpak_data._resources import bundled_root


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    """Print one JSON object per package: rows, load_all and bare-read medians (seconds)."""
    repeats = int(sys.argv[1])
    for name in sys.argv[2:]:
        root = bundled_root() if name == "bundled" else Path(name)
        frames = afpak_data.load_all(root)
        read_typed(root)
        loads, reads = [], []
        for _ in range(repeats):
            loads.append(timed(afpak_data.load_all, root))
            reads.append(timed(read_typed, root))
        rows = sum(len(f) for f in frames.values())
        print(
            json.dumps(
                {
                    "package": name,
                    "rows": rows,
                    "load_all_s": statistics.median(loads),
                    "read_s": statistics.median(reads),
                }
            )
        )


if __name__ == "__main__":
    main()
