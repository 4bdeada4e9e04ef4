"""benchmarks/run.py: ratios taken pair by pair, verdicts against the budgets, a well-formed table.

No timing is asserted (the machine is shared and noisy): the fast tests drive the pairing and the
verdicts with scripted timings, and the quick run checks the shape of RESULTS.md and the parts of
it that do not depend on speed (pair counts, verdict values, the problems each corruption reports).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


def load_runner() -> ModuleType:
    """benchmarks/run.py as a module (named apart from any other ``run``)."""
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


runner = load_runner()
SPREAD = f"spread (min{runner.DASH}max)"


def scripted(monkeypatch: pytest.MonkeyPatch, walls: dict[str, list[float]], codes=None) -> list:
    """Replace ``measure`` by one that answers each command's next scripted wall time; return
    the log of the commands in the order they were run."""
    log: list[str] = []
    codes = codes or {}

    def fake(cmd: list[str]) -> object:
        name = cmd[-1]
        log.append(name)
        return runner.Run(walls[name].pop(0), 10.0, codes.get(name, 0), "{}", "boom\n")

    monkeypatch.setattr(runner, "measure", fake)
    return log


def comparison(budget: object, pairs: int = 3, **extra: object) -> object:
    """A comparison of the commands ``a`` and ``b``."""
    return runner.Comparison("k", "a / b", runner.Cmd(["a"]), runner.Cmd(["b"]), budget, pairs,
                             **extra)  # fmt: skip


def test_ratios_are_taken_pair_by_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    """A and B run in turn after the warm-up, and each ratio is A / B of the same pair."""
    log = scripted(monkeypatch, {"a": [9.0, 2.0, 4.0, 9.0], "b": [9.0, 1.0, 1.0, 3.0]})
    outcome = runner.run_pairs(comparison(runner.Budget("<=", 2.5)), warmup=1)
    assert log == ["a", "b"] * 4
    assert outcome.ratios == [2.0, 4.0, 3.0]
    assert (outcome.median, min(outcome.ratios), max(outcome.ratios)) == (3.0, 2.0, 4.0)
    assert outcome.verdict == "FAIL"


def test_scale_turns_times_into_time_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """With scale = rows of B / rows of A, the ratio is A's time per row over B's."""
    scripted(monkeypatch, {"a": [5.0], "b": [1.0]})
    outcome = runner.run_pairs(comparison(runner.Budget("<=", 1), 1, scale=0.1), warmup=0)
    assert outcome.ratios == [0.5] and outcome.verdict == "PASS"


def test_minus_takes_the_third_command_off_both_sides_of_each_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``minus``, each round runs A, B, C and the ratio is scale * (A - C) / (B - C); a
    round where B is not slower than C is left out and said so."""
    log = scripted(monkeypatch, {"a": [7.0, 4.0, 3.0], "b": [7.0, 1.5, 0.9], "c": [7.0, 0.5, 1.0]})
    c = comparison(runner.Budget("<=", 1), 2, scale=0.1, minus=runner.Cmd(["c"]))
    outcome = runner.run_pairs(c, warmup=1)
    assert log == ["a", "b", "c"] * 3
    assert outcome.ratios == [pytest.approx(0.35)]
    assert "1 rounds left out" in outcome.found
    assert outcome.how == ["`a` minus `c` (same round)", "`b` minus `c`"]


@pytest.mark.parametrize(
    ("op", "value", "ratio", "holds"),
    [("<=", 2, 1.99, True), ("<=", 2, 2.0, True), ("<=", 2, 2.01, False),
     (">=", 5, 5.0, True), (">=", 10, 9.9, False), (">=", 10, 20.1, True)],
)  # fmt: skip
def test_budget_holds(op: str, value: float, ratio: float, holds: bool) -> None:
    """A budget is met at its bound and on its side of it, not beyond."""
    assert runner.Budget(op, value).holds(ratio) is holds


def test_unexpected_exit_status_fails_the_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command ending with another exit status than expected FAILs the row, within budget."""
    scripted(monkeypatch, {"a": [1.0, 1.0], "b": [1.0, 1.0]}, codes={"b": 2})
    outcome = runner.run_pairs(comparison(runner.Budget("<=", 2), 2), warmup=0)
    assert outcome.median == 1.0
    assert outcome.verdict == "FAIL"
    assert "B exit [2] (expected 0): boom" in outcome.found


def test_a_failed_check_fails_the_row_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check on A's output decides the row even when the time is within budget."""
    scripted(monkeypatch, {"a": [1.0], "b": [1.0]})
    check = lambda run: (False, "3 of 4 reported")  # noqa: E731
    outcome = runner.run_pairs(comparison(runner.Budget("<=", 2), 1, check=check), warmup=0)
    assert (outcome.verdict, outcome.found) == ("FAIL", "3 of 4 reported")


def test_row_without_budget_has_no_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    """A peer's row is measured and shown, with "—" as verdict."""
    scripted(monkeypatch, {"a": [3.0], "b": [1.0]})
    outcome = runner.run_pairs(comparison(None, 1), warmup=0)
    assert (outcome.median, outcome.verdict) == (3.0, "—")


def test_missing_peer_is_left_out_and_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A peer whose library is not installed gets no row, and the run says which and why."""
    why = "not installed: pip install -e '.[bench]'"
    monkeypatch.setattr(
        runner,
        "peers_available",
        lambda: {p: why if "polars" in p else None for p in runner.PEER_NAMES},
    )
    args = argparse.Namespace(sizes=[300, 600], pairs=1, slow_pairs=1, work=tmp_path, seed=1)
    plan, skipped = runner.comparisons(args, tmp_path / "real")
    keys = {c.key for c in plan}
    assert {"pandera-pandas-300", "pandas-read-600", "frictionless-600", "per-row"} <= keys
    assert not {k for k in keys if "polars" in k}
    assert sorted(set(skipped)) == [f"pandera-polars: {why}", f"polars-read: {why}"]


def write_corruption(pkg: Path, lines: list[int]) -> None:
    """The generator's record of where it wrote bad enum values."""
    pkg.mkdir()
    where = {"file": "data/agreements.csv", "line": lines[0], "column": "status",
             "check": "enum", "lines": lines}  # fmt: skip
    (pkg / ".generated.json").write_text(json.dumps({"corruption": where}))


def report(lines: list[int], check: str = "enum") -> object:
    problems = [{"file": "data/agreements.csv", "line": n, "column": "status", "check": check}
                for n in lines]  # fmt: skip
    return runner.Run(1.0, 1.0, 1, json.dumps({"problems": problems}), "")


@pytest.mark.parametrize(
    ("found", "passes"),
    [([5, 9, 12], True), ([5, 9], False), ([5, 9, 12, 13], False), ([5, 9, 9], False)],
)
def test_problem_check_wants_every_bad_value_and_nothing_else(
    found: list[int], passes: bool, tmp_path: Path
) -> None:
    """The 1% check passes only when exactly the injected values are reported, each once."""
    write_corruption(tmp_path / "pkg", [5, 9, 12])
    ok, text = runner.expect_problems(tmp_path / "pkg")(report(found))
    assert ok is passes
    assert text.startswith(f"{len(found)} of 3 enum problems reported")


def test_problem_check_names_the_one_problem(tmp_path: Path) -> None:
    """With one bad value the check says which problem was reported, and where."""
    write_corruption(tmp_path / "pkg", [7])
    assert runner.expect_problems(tmp_path / "pkg")(report([7])) == (
        True,
        "enum at data/agreements.csv:7 'status'",
    )
    assert runner.expect_problems(tmp_path / "pkg")(report([7], "type"))[0] is False


def test_commands_are_shown_as_typed() -> None:
    """Commands in RESULTS.md name venv scripts and repository paths as a reader would type them."""
    argv = [str(runner.BIN / "afpak-data"), "validate", str(ROOT / "benchmarks" / "_work" / "x")]
    assert runner.show(argv) == "afpak-data validate benchmarks/_work/x"
    assert runner.show([runner.PY, "-c", "import click, pyarrow"]) == (
        "python -c 'import click, pyarrow'"
    )


def table_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of the first markdown table after ``heading`` (header row first)."""
    lines = text.split(heading, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        if not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


@pytest.mark.slow
def test_quick_run_writes_a_well_formed_results_table(tmp_path: Path) -> None:
    """run.py --quick measures every comparison in at least one pair and writes what it prints:
    a budget table with a verdict on every row, and how each ratio was taken."""
    output = tmp_path / "RESULTS.md"
    result = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--work", str(tmp_path / "work"),
         "--output", str(output)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    text = output.read_text(encoding="utf-8")
    assert result.stdout.strip() == text.strip()
    header, *rows = table_rows(text, "## Budgets")
    assert header == ["id", "ratio A / B", "budget", "median", SPREAD, "pairs",
                      "verdict", "checked"]  # fmt: skip
    cells = {row[0].strip("`"): dict(zip(header, row, strict=True)) for row in rows}
    expected = {"cli-start", "import", "frictionless-1000", "frictionless-2000", "per-row",
                "one-bad-date", "one-bad-enum", "one-bad-key", "one-percent-date",
                "one-percent-enum", "one-percent-key", "load-real package", "load-rows-1000",
                "per-row-wall",
                "load-rows-2000"}  # fmt: skip
    assert expected <= set(cells)
    for key, row in cells.items():
        # per-row nets out a 100-row run: at these tiny sizes noise may leave no round to count
        if key != "per-row" or row["pairs"] != "0":
            assert int(row["pairs"]) >= 1, key
            assert row["median"].endswith("x") and runner.DASH in row[SPREAD], key
        budgeted = row["budget"].startswith(("≤", "≥"))
        assert row["verdict"] in ({"**PASS**", "**FAIL**"} if budgeted else {"—"}), key
    for kind in ("date", "enum", "key"):
        assert cells[f"one-bad-{kind}"]["checked"].startswith(
            ("type at", "enum at", "foreign-key at")
        )
        assert "NOT" not in cells[f"one-bad-{kind}"]["checked"]
        assert cells[f"one-percent-{kind}"]["checked"].startswith("20 of 20 ")
    for key in ("frictionless-1000", "frictionless-2000", "cli-start", "import"):
        assert cells[key]["checked"] == "exit 0/0 as expected"
    how_header, *how = table_rows(text, "## How each ratio was taken")
    assert how_header[:3] == ["id", "A (numerator)", "B (denominator)"]
    assert [row[0] for row in how] == [row[0] for row in rows]
    assert "`afpak-data validate " in text and "`frictionless validate " in text
