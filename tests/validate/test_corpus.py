"""The corpus: one broken package per problem type, and valid variants that must pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from afpak_data._validate import files, validate_package
from validate.corpus import BROKEN, BROKEN_RAW_DESCRIPTOR, CSVS, Case, write_package, write_sources


def build(case: Case, root: Path) -> Path:
    """Write the case's package under ``root``; return its descriptor."""
    descriptor = write_package(root / "pkg", case.csvs, case.edit, case.changelog)
    if case.id in BROKEN_RAW_DESCRIPTOR:
        descriptor.write_bytes(BROKEN_RAW_DESCRIPTOR[case.id])
    return descriptor


def located(report) -> set[tuple[str, int | None, str | None, str]]:
    return {(p.file, p.line, p.column, p.check) for p in report.problems}


def test_corpus_covers_enough_problem_types() -> None:
    """The corpus has at least 25 distinct checks, each broken on purpose."""
    checks = {check for case in BROKEN for *_, check in case.expected}
    assert len(checks) >= 25, sorted(checks)


@pytest.mark.parametrize("arrow_from", [files.ARROW_FROM, 0], ids=["small-files", "all-arrow"])
@pytest.mark.parametrize("case", BROKEN, ids=[c.id for c in BROKEN])
def test_broken_package_reports_exactly_its_problem(
    case: Case, arrow_from: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each broken package yields exactly the expected (file, line, column, check) problems,
    whichever CSV reader reads it (the standard library's below ARROW_FROM bytes, else Arrow's)."""
    monkeypatch.setattr(files, "ARROW_FROM", arrow_from)
    descriptor = build(case, tmp_path)
    sources = write_sources(tmp_path / "sources") if case.sources else None
    report = validate_package(descriptor, sources)
    assert located(report) == case.expected, [p.message for p in report.problems]
    assert report.exit_code == (2 if case.id == "descriptor-not-json" else 1)
    assert all(p.message for p in report.problems)


def test_valid_package_passes_with_sources(tmp_path: Path) -> None:
    """The base package is valid, the evidence check runs, and nothing is skipped."""
    report = validate_package(write_package(tmp_path / "pkg"), write_sources(tmp_path / "src"))
    assert (report.problems, report.skipped, report.exit_code) == ([], [], 0)


def test_evidence_skipped_without_sources(tmp_path: Path) -> None:
    """Without --sources-dir the evidence check is reported as skipped, not passed."""
    report = validate_package(write_package(tmp_path / "pkg"))
    assert [s.check for s in report.skipped] == ["evidence"]
    assert report.exit_code == 0


def _crlf(csvs: dict[str, str]) -> dict[str, bytes]:
    return {k: v.replace("\n", "\r\n").encode() for k, v in csvs.items()}


def _reversed_rows(csvs: dict[str, str]) -> dict[str, bytes]:
    out = {}
    for name, text in csvs.items():
        header, *rows = text.rstrip("\n").split("\n")
        out[name] = ("\n".join([header, *reversed(rows)]) + "\n").encode()
    return out


def _all_quoted(csvs: dict[str, str]) -> dict[str, bytes]:
    import csv
    import io

    out = {}
    for name, text in csvs.items():
        buffer = io.StringIO()
        csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(
            csv.reader(io.StringIO(text))
        )
        out[name] = buffer.getvalue().encode()
    return out


def _no_final_newline(csvs: dict[str, str]) -> dict[str, bytes]:
    return {k: v.rstrip("\n").encode() for k, v in csvs.items()}


VALID_VARIANTS = {
    "crlf": _crlf,
    "rows-in-any-order": _reversed_rows,
    "all-fields-quoted": _all_quoted,
    "no-final-newline": _no_final_newline,
}


@pytest.mark.parametrize("variant", VALID_VARIANTS.values(), ids=list(VALID_VARIANTS))
def test_valid_variant_passes(variant, tmp_path: Path) -> None:
    """CRLF endings, any row order, quoting every field: still valid (bytes and hash recomputed)."""
    descriptor = write_package(tmp_path / "pkg", variant(CSVS))
    report = validate_package(descriptor, write_sources(tmp_path / "src"))
    assert report.problems == []
    data = json.loads(descriptor.read_text())
    assert data["resources"][0]["hash"].startswith("sha256:")
