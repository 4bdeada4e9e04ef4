"""Time ``afpak_data.load_all()`` against the bare typed read, in pairs, in one warm process.

Why in-process: both sides then pay the same (already done) imports, so the ratio compares the
loading work alone. Each package is loaded once by each side untimed (first-use imports such as
pyarrow happen there); then ``pairs`` times: ``load_all(root)``, then ``read_typed(root)``, and the
ratio of that pair. Only the public API is used (``afpak_data.load_all``).

    python benchmarks/load_child.py PAIRS PACKAGE_DIR [PACKAGE_DIR ...]

Prints one JSON object per package: ``{"package", "rows", "a_s", "b_s", "ratios"}`` (``a_s`` and
``b_s`` are the load_all and bare-read seconds of each pair, ``ratios`` their quotients).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_read import read_typed

import afpak_data


def timed(fn: Callable[[Path], Any], root: Path) -> float:
    """Seconds one call of ``fn(root)`` takes."""
    start = time.perf_counter()
    fn(root)
    return time.perf_counter() - start


def main() -> None:
    """Time each package given on the command line and print its pairs as JSON."""
    pairs = int(sys.argv[1])
    for name in sys.argv[2:]:
        root = Path(name)
        frames = afpak_data.load_all(root)
        read_typed(root)
        loads, reads = [], []
        for _ in range(pairs):
            loads.append(timed(afpak_data.load_all, root))
            reads.append(timed(read_typed, root))
        print(
            json.dumps(
                {
                    "package": name,
                    "rows": sum(len(f) for f in frames.values()),
                    "a_s": loads,
                    "b_s": reads,
                    "ratios": [a / b for a, b in zip(loads, reads, strict=True)],
                }
            )
        )


if __name__ == "__main__":
    main()
