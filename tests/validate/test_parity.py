"""Parity with frictionless-py: what it finds invalid in the corpus, we do too, in one place."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from afpak_data._validate import validate_package
from validate.corpus import BROKEN, Case
from validate.test_corpus import build

frictionless = pytest.importorskip("frictionless")


def frictionless_errors(descriptor: Path) -> tuple[bool, set[tuple[str, int | None]]]:
    """frictionless-py's verdict and the (file, row) of each error it reports."""
    try:
        report = frictionless.validate(str(descriptor))
    except Exception:  # it refuses some broken descriptors outright: invalid, no location
        return False, set()
    found = set()
    for task in report.tasks:
        for error in task.errors:
            found.add((task.place, getattr(error, "row_number", None)))
    return report.valid, found


@pytest.mark.slow
@pytest.mark.parametrize("case", BROKEN, ids=[c.id for c in BROKEN])
def test_we_catch_what_frictionless_catches(case: Case, tmp_path: Path) -> None:
    """If frictionless reports a case invalid, so do we, naming the same file and row (if any)."""
    descriptor = build(case, tmp_path)
    valid, errors = frictionless_errors(descriptor)
    ours = validate_package(descriptor)
    if valid:
        assert not case.frictionless_invalid, "the corpus says frictionless should see this problem"
        return
    assert ours.problems, "frictionless reports invalid, we report valid"
    our_files = {p.file for p in ours.problems}
    our_lines = {(p.file, p.line) for p in ours.problems}
    for place, row in errors:
        if place in our_files and row is not None and (place, 1) not in our_lines:
            # frictionless numbers records (header = 1); we name the physical line an editor shows
            line = record_lines(descriptor.parent / place)[row - 1]
            assert (place, line) in our_lines, (place, row, sorted(our_lines, key=str))


def record_lines(file: Path) -> list[int]:
    """The physical line on which each CSV record starts (records may span lines)."""
    reader = csv.reader(io.StringIO(file.read_text(encoding="utf-8", errors="replace"), newline=""))
    starts, line = [], 1
    for _ in reader:
        starts.append(line)
        line = reader.line_num + 1
    return starts
