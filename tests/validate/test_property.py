"""Random corruption of a package never yields a traceback and never changes a byte of the input."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from afpak_data._validate import CHECKS, validate_package
from validate.corpus import write_package, write_sources

FILES = [
    "datapackage.json",
    "data/actors.csv",
    "data/agreements.csv",
    "data/evidence.csv",
    "data/agreement_actors.csv",
    "data/sources.csv",
]

corruption = st.tuples(
    st.sampled_from(FILES),
    st.sampled_from(["insert", "delete", "replace", "truncate"]),
    st.floats(0, 1),
    st.binary(min_size=0, max_size=8)
    | st.sampled_from([b'"', b",", b"\n", b"\r", b"\xff", b"\xef\xbb\xbf", b"=", b"{"]),
)


def corrupt(raw: bytes, how: str, where: float, data: bytes) -> bytes:
    at = int(where * len(raw))
    if how == "insert":
        return raw[:at] + data + raw[at:]
    if how == "delete":
        return raw[:at] + raw[at + max(1, len(data)) :]
    if how == "replace":
        return raw[:at] + data + raw[at + len(data) :]
    return raw[:at]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(corruption, min_size=1, max_size=4))
def test_corruption_never_crashes_or_writes(changes) -> None:
    """Whatever bytes are damaged, validation gives located problems and leaves the files alone."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        descriptor = write_package(root / "pkg")
        sources = write_sources(root / "src")
        for name, how, where, data in changes:
            file = root / "pkg" / name
            file.write_bytes(corrupt(file.read_bytes(), how, where, data))
        before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
        report = validate_package(descriptor, sources)
        after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
        assert after == before
        assert all(p.check in CHECKS and p.check != "internal-error" for p in report.problems), [
            p for p in report.problems if p.check == "internal-error"
        ]
        assert report.exit_code in (0, 1, 2)
