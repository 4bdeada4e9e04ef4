"""The benchmark's synthetic packages: valid by both validators, one bad value exactly where said.

The benchmark's numbers mean something only if the generated packages are what they claim: valid
under ``afpak-data validate`` and frictionless, and, with ``--corrupt``, wrong in exactly one cell.
No timing is asserted here (timings are reported by ``benchmarks/run.py``, never tested).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

from afpak_data._validate import validate_package  # noqa: E402

ROWS = 3_000


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean generated package of ROWS rows."""
    out = tmp_path_factory.mktemp("gen") / "clean"
    assert generate.generate(out, ROWS, seed=7) is None
    return out


def digest(root: Path) -> str:
    """One hash over every file of a package (names and bytes)."""
    total = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        total.update(file.relative_to(root).as_posix().encode() + file.read_bytes())
    return total.hexdigest()


def test_generated_package_is_valid(clean: Path) -> None:
    """afpak-data validate finds nothing wrong, and every table has rows."""
    report = validate_package(clean / "datapackage.json")
    assert [p.as_dict() for p in report.problems] == []
    assert sum(report.rows.values()) == ROWS
    assert all(report.rows.values())


def test_generated_package_follows_the_real_schemas(clean: Path) -> None:
    """The schemas are the repository's, and the descriptor's bytes and hashes are the files'."""
    for schema in (ROOT / "schemas").glob("*.json"):
        assert (clean / "schemas" / schema.name).read_bytes() == schema.read_bytes()
    descriptor = json.loads((clean / "datapackage.json").read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        raw = (clean / res["path"]).read_bytes()
        assert (res["bytes"], res["hash"]) == (
            len(raw),
            "sha256:" + hashlib.sha256(raw).hexdigest(),
        )


def test_generation_is_deterministic(clean: Path, tmp_path: Path) -> None:
    """The same size and seed give the same bytes; another seed gives other bytes."""
    generate.generate(tmp_path / "again", ROWS, seed=7)
    generate.generate(tmp_path / "other", ROWS, seed=8)
    assert digest(tmp_path / "again") == digest(clean)
    assert digest(tmp_path / "other") != digest(clean)


@pytest.mark.parametrize("kind", sorted(generate.CORRUPTIONS))
def test_corruption_is_one_problem_where_announced(kind: str, tmp_path: Path) -> None:
    """--corrupt puts one bad value in the largest table; the validator reports it alone, there."""
    where = generate.generate(tmp_path / kind, ROWS, seed=7, corruption=kind)
    assert where is not None
    report = validate_package(tmp_path / kind / "datapackage.json")
    found = [(p.file, p.line, p.column, p.check) for p in report.problems]
    assert found == [(where.file, where.line, where.column, where.check)]
    assert where.file == f"data/{generate.LARGEST}.csv"


@pytest.mark.slow
def test_generated_package_is_valid_for_frictionless(clean: Path) -> None:
    """frictionless-py, the reference, also finds the generated package valid."""
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(clean / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


@pytest.mark.slow
def test_runner_quick_mode_prints_the_tables(tmp_path: Path) -> None:
    """run.py --quick measures every side once and writes the markdown tables it prints."""
    output = tmp_path / "RESULTS.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--work",
         str(tmp_path / "work"), "--output", str(output)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    text = output.read_text(encoding="utf-8")
    assert result.stdout.strip() == text.strip()
    for heading in ("## Machine", "## Validation", "## One bad value", "## Import time",
                    "## load_all()"):  # fmt: skip
        assert heading in text
    rows = [line for line in text.splitlines() if line.startswith("| 10,000 |")]
    assert len(rows) == 1 and "INVALID" not in rows[0]
    assert text.count("| yes |") == len(generate.CORRUPTIONS)
