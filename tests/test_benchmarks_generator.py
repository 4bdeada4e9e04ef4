"""The benchmark's synthetic packages: valid by both validators, one bad value exactly where said.

The benchmark's numbers mean something only if the generated packages are what they claim: valid
under ``afpak-data validate`` and frictionless, and, with ``--corrupt``, wrong in exactly one cell.
No timing is asserted here (timings are reported by ``benchmarks/run.py``, never tested). Only
afpak-data's CLI and public API are used, as in the benchmark itself.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bare_read  # noqa: E402
import generate  # noqa: E402

import afpak_data  # noqa: E402

ROWS = 3_000
CLI = str(Path(sys.executable).parent / "afpak-data")


def validate(root: Path) -> dict:
    """``afpak-data validate ROOT --format json``, parsed (exit status 0 valid, 1 invalid)."""
    result = subprocess.run(
        [CLI, "validate", str(root), "--format", "json"], capture_output=True, text=True
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["valid"] == (result.returncode == 0)
    return report


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
    report = validate(clean)
    assert report["problems"] == []
    assert sum(report["rows"].values()) == ROWS
    assert all(report["rows"].values())


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
    problems = validate(tmp_path / kind)["problems"]
    found = [(p["file"], p["line"], p["column"], p["check"]) for p in problems]
    assert found == [(where.file, where.line, where.column, where.check)]
    assert where.file == f"data/{generate.LARGEST}.csv"
    assert where.lines == (where.line,)


@pytest.mark.parametrize("kind", sorted(generate.CORRUPTIONS))
def test_corruption_count_is_that_many_problems_where_announced(kind: str, tmp_path: Path) -> None:
    """--corrupt KIND --count N writes N bad values in N rows; the validator reports each, there."""
    where = generate.generate(tmp_path / kind, ROWS, seed=7, corruption=kind, count=30)
    assert where is not None and len(set(where.lines)) == 30
    problems = validate(tmp_path / kind)["problems"]
    found = sorted((p["file"], p["line"], p["column"], p["check"]) for p in problems)
    assert found == [(where.file, line, where.column, where.check) for line in where.lines]


@pytest.mark.parametrize("count", [0, 10**6])
def test_corruption_count_out_of_range_is_a_usage_error(count: int, tmp_path: Path) -> None:
    """A --count below 1 or above the filled cells of the column exits 2 with a message."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(tmp_path), "--rows",
         "1000", "--corrupt", "enum", "--count", str(count)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--count must be 1 to" in result.stderr and "Traceback" not in result.stderr


def test_command_line_writes_where_the_bad_values_are(tmp_path: Path) -> None:
    """generate.py --where FILE writes the file, every line, the column and the check as JSON."""
    where = tmp_path / "where.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(tmp_path), "--rows",
         "1000", "--corrupt", "key", "--count", "5", "--where", str(where)],
        check=True, capture_output=True,
    )  # fmt: skip
    written = json.loads(where.read_text(encoding="utf-8"))
    assert (written["file"], written["column"], written["check"]) == (
        "data/agreements.csv",
        "source_id",
        "foreign-key",
    )
    assert len(written["lines"]) == 5 and written["line"] == written["lines"][0]
    assert (tmp_path / "rows-1000-key-5" / "datapackage.json").is_file()


def test_load_all_reads_what_the_bare_typed_read_reads(clean: Path) -> None:
    """load_all() gives the bare typed read's frames (dates compared at one resolution), so the
    benchmark's load_all / bare read ratio compares the same work."""
    loaded = afpak_data.load_all(clean)
    bare = bare_read.read_typed(clean)
    assert list(loaded) == list(bare)
    for name, frame in loaded.items():
        expected = bare[name]
        for column in expected.columns:
            if str(expected[column].dtype).startswith("datetime64"):
                expected[column] = expected[column].astype(frame[column].dtype)
        assert len(frame) > 0
        pd.testing.assert_frame_equal(frame, expected)


@pytest.mark.slow
def test_generated_package_is_valid_for_frictionless(clean: Path) -> None:
    """frictionless-py, the reference, also finds the generated package valid."""
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(clean / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def test_empty_when_rule_is_followed(tmp_path: Path) -> None:
    """An ``empty_when`` x-rule added to a schema is obeyed by the generated rows, and validates."""
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy2(ROOT / "datapackage.json", source)
    shutil.copytree(ROOT / "schemas", source / "schemas")
    schema_file = source / "schemas" / "agreements.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["x-rules"].append(
        {"kind": "empty_when", "fields": ["place", "specificity"], "value": "general",
         "description": "place is empty exactly when specificity is general."}
    )  # fmt: skip
    schema_file.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    generate.generate(tmp_path / "out", ROWS, seed=7, source=source)
    rows = pd.read_csv(tmp_path / "out" / "data" / "agreements.csv", dtype=str,
                       keep_default_na=False)  # fmt: skip
    assert ((rows["place"] == "") == (rows["specificity"] == "general")).all()
    assert 0 < (rows["place"] == "").sum() < len(rows)
    assert validate(tmp_path / "out")["problems"] == []
