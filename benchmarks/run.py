"""Measure afpak-data against its yardsticks, side by side, and write benchmarks/RESULTS.md.

Why one runner: the targets of issue 6 are ratios (validate vs frictionless, validate and
load_all vs a bare typed read, import afpak_data vs import pandas), so every side is measured in
the same run, on the same machine state, with the same packages. Nothing here is a test: the
numbers are reported, never asserted.

What is measured (medians; peak memory = the child's max RSS from ``os.wait4``):

* ``afpak-data validate PKG`` and ``frictionless validate PKG/datapackage.json``: fresh
  processes, wall time (imports included);
* the bare typed read (``bare_read.py``): a fresh process, wall time, pandas' import included,
  so it pays what the command pays;
* ``load_all()`` vs the bare read: one warm process (``load_child.py``), imports excluded;
* ``import afpak_data`` vs ``import pandas``: fresh interpreters, wall time, median of 9;
* at the largest size, one bad date, vocabulary value and key: time and what is reported.

    python benchmarks/run.py                  # 10k, 100k, 1M rows; writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick          # 10k rows, one repeat, prints the tables only
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

BIN = Path(sys.executable).parent
PY = sys.executable


@dataclass
class Run:
    """One process: wall seconds, peak resident memory (MB), exit status, standard output."""

    wall: float
    peak_mb: float
    code: int
    out: str


@dataclass
class Series:
    """Repeated runs of one command; medians of time and memory."""

    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return statistics.median(r.peak_mb for r in self.runs)


#: GNU time reports the child's peak RSS. Taking it from our own ``wait4`` would not do: Linux
#: starts a forked child's high-water mark at the parent's size, and this runner holds the
#: generated tables (hundreds of MB), so every command would seem to need at least that much.
GNU_TIME = Path("/usr/bin/time")


def measure(cmd: list[str]) -> Run:
    """Run ``cmd`` once: wall time (ours) and peak resident memory (GNU time's, else ``wait4``)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [str(GNU_TIME), "-f", "%M", "-o", rss.name, *cmd] if GNU_TIME.exists() else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        text = rss.read().strip().splitlines()
        peak_kb = int(text[-1]) if GNU_TIME.exists() and text else usage.ru_maxrss
    return Run(wall, peak_kb / 1024, code, out.decode(errors="replace"))


def repeat(cmd: list[str], times: int) -> Series:
    """``times`` runs of ``cmd``."""
    return Series([measure(cmd) for _ in range(max(1, times))])


def package(work: Path, rows: int, seed: int, corruption: str | None = None) -> Path:
    """The generated package for ``rows`` (reused if generated from the same schemas and seed)."""
    target = work / (f"rows-{rows}" + (f"-{corruption}" if corruption else ""))
    stamp = hashlib.sha256()
    for file in [*sorted((generate.REPO / "schemas").glob("*.json")), Path(generate.__file__)]:
        stamp.update(file.read_bytes())
    key = f"{stamp.hexdigest()} {seed} {rows} {corruption}"
    marker = target / ".generated"
    if not (marker.is_file() and marker.read_text() == key):
        where = generate.generate(target, rows, seed, corruption)
        info = {"key": key, "corruption": where.__dict__ if where else None}
        (target / ".generated.json").write_text(json.dumps(info))
        marker.write_text(key)
    return target


def corruption_of(pkg: Path) -> dict:
    """Where the generator put the bad value of a corrupted package."""
    return json.loads((pkg / ".generated.json").read_text())["corruption"]


def size_mb(pkg: Path) -> float:
    return sum(f.stat().st_size for f in (pkg / "data").glob("*.csv")) / 1e6


def machine() -> dict[str, str]:
    """CPU model, cores, memory, versions: what the reader needs to compare numbers."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next(
        (
            ln.split()[1]
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        ),
        "0",
    )
    versions = {}
    for dist in ("afpak-data", "pandas", "pyarrow", "numpy", "frictionless"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "not installed"
    blas = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    head = subprocess.run(
        ["git", "-C", str(generate.REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    )
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{int(mem) / 1024 / 1024:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        **{k: v for k, v in versions.items()},
        "OPENBLAS variables": ", ".join(f"{k}={v}" for k, v in blas.items()) or "none",
        "afpak-data commit": head.stdout.strip() or "unknown",
    }


def table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def validate_cmd(pkg: Path, *extra: str) -> list[str]:
    return [str(BIN / "afpak-data"), "validate", str(pkg), *extra]


def bench_sizes(sizes: list[int], repeats: int, work: Path, seed: int) -> tuple[str, dict]:
    """Validation and the bare read at each size; frictionless with fewer repeats at 1M."""
    rows_out, clean = [], {}
    for rows in sizes:
        pkg = package(work, rows, seed)
        ours = repeat(validate_cmd(pkg), repeats)
        if any(r.code != 0 for r in ours.runs):
            raise SystemExit(f"{pkg} is not valid:\n{ours.runs[0].out[-2000:]}")
        theirs = repeat(
            [str(BIN / "frictionless"), "validate", str(pkg / "datapackage.json")],
            repeats if rows < 1_000_000 else 1,
        )
        bare = repeat([PY, str(HERE / "bare_read.py"), str(pkg)], repeats)
        clean[rows] = ours.wall
        rows_out.append(
            [
                f"{rows:,}",
                f"{size_mb(pkg):.0f}",
                f"{ours.wall:.2f}",
                f"{ours.peak_mb:.0f}",
                f"{theirs.wall:.2f}" + ("" if theirs.runs[0].code == 0 else " (INVALID)"),
                f"{theirs.peak_mb:.0f}",
                f"{theirs.wall / ours.wall:.1f}x",
                f"{bare.wall:.2f}",
                f"{bare.peak_mb:.0f}",
                f"{ours.wall / bare.wall:.2f}x",
                f"{ours.wall / rows * 1e5:.3f}",
                f"{len(ours.runs)}/{len(theirs.runs)}/{len(bare.runs)}",
            ]
        )
    header = [
        "rows",
        "CSV MB",
        "validate s",
        "validate MB",
        "frictionless s",
        "frictionless MB",
        "frictionless / validate",
        "bare read s",
        "bare read MB",
        "validate / bare read",
        "validate s per 100k rows",
        "runs (ours/fl/read)",
    ]
    return table(header, rows_out), clean


def bench_corruptions(rows: int, repeats: int, work: Path, seed: int, clean: float) -> str:
    """One bad value of each kind at ``rows``: time against the clean run, and what is reported."""
    out = []
    for kind in sorted(generate.CORRUPTIONS):
        pkg = package(work, rows, seed, kind)
        where = corruption_of(pkg)
        runs = repeat(validate_cmd(pkg, "--format", "json"), repeats)
        problems = json.loads(runs.runs[0].out)["problems"]
        found = [f"{p['check']} at {p['file']}:{p['line']} '{p['column']}'" for p in problems]
        expected = [f"{where['check']} at {where['file']}:{where['line']} '{where['column']}'"]
        out.append(
            [
                kind,
                f"{runs.wall:.2f}",
                f"{runs.wall / clean:.2f}x",
                f"{runs.peak_mb:.0f}",
                "; ".join(found) or "nothing",
                "yes" if found == expected else f"NO (expected {expected[0]})",
            ]
        )
    header = ["bad value", "validate s", "vs clean", "peak MB", "reported", "exactly as expected"]
    return table(header, out)


def bench_imports(times: int) -> str:
    """Fresh interpreters: wall time of each import, and which heavy modules it pulled in."""
    probe = "import sys; print(','.join(m for m in ('pandas','click','pyarrow','pandera') if m in sys.modules))"  # noqa: E501
    cases = {
        "python -c pass": "pass",
        "import pandas": "import pandas",
        "import afpak_data": "import afpak_data",
    }
    result = {name: repeat([PY, "-c", code], times) for name, code in cases.items()}
    pandas = result["import pandas"].wall
    rows = []
    for name, series in result.items():
        heavy = measure([PY, "-c", f"{cases[name]}\n{probe}"]).out.strip() or "none"
        rows.append([name, f"{series.wall:.3f}", f"{series.wall / pandas:.2f}x", heavy])
    return table(["command", "median s", "vs import pandas", "heavy modules imported"], rows)


def bench_load(packages: list[str], repeats: int) -> str:
    """load_all() vs the bare typed read in one warm process (imports excluded)."""
    rows = []
    for pkg in packages:
        run = measure([PY, str(HERE / "load_child.py"), str(repeats), pkg])
        name = "real package" if pkg == packages[0] else Path(pkg).name
        if run.code != 0 or not run.out.strip():
            rows.append([name, "-", "failed (see load_child.py output)", "-", "-"])
            continue
        r = json.loads(run.out.splitlines()[-1])
        rows.append([
            name, f"{r['rows']:,}", f"{r['load_all_s']:.3f}", f"{r['read_s']:.3f}",
            f"{r['load_all_s'] / r['read_s']:.2f}x",
        ])  # fmt: skip
    return table(["package", "rows", "load_all() s", "bare read s", "load_all / bare read"], rows)


def real_package(work: Path, given: Path | None) -> str:
    """The real package to load: ``--real``, else the last commit's (``git archive HEAD``), else
    the bundled one. The commit's copy keeps the measurement off files someone is editing."""
    if given is not None:
        return str(given)
    target = work / "real-head"
    archive = subprocess.run(
        ["git", "-C", str(generate.REPO), "archive", "HEAD", "datapackage.json", "data", "schemas"],
        capture_output=True,
    )
    if archive.returncode != 0:
        return "bundled"
    if target.exists():
        import shutil

        shutil.rmtree(target)
    target.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return str(target)


def main(argv: list[str] | None = None) -> str:
    """Run every measurement; print the report and write it where asked."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--quick", action="store_true", help="10k rows, one repeat (smoke test)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument("--work", type=Path, default=HERE / "_work", help="generated packages")
    parser.add_argument("--real", type=Path, help="the real package to load (default: HEAD's)")
    parser.add_argument(
        "--output",
        type=Path,
        help="markdown file to write (default: benchmarks/RESULTS.md, none with --quick)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats = [10_000], 1
    output = args.output or (None if args.quick else HERE / "RESULTS.md")
    load_start = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    info = machine()
    import_runs = 1 if args.quick else 9
    imports = bench_imports(import_runs)
    sizes, clean = bench_sizes(args.sizes, args.repeats, args.work, args.seed)
    largest = max(args.sizes)
    corrupt = bench_corruptions(
        largest,
        max(1, args.repeats // 2 if largest >= 1_000_000 else args.repeats),
        args.work,
        args.seed,
        clean[largest],
    )
    real = real_package(args.work, args.real)
    loads = bench_load(
        [real] + [str(package(args.work, n, args.seed)) for n in args.sizes], args.repeats
    )
    load_end = os.getloadavg()
    command = (
        "python benchmarks/run.py"
        + ("" if argv is None and len(sys.argv) == 1 else " ")
        + " ".join(sys.argv[1:] if argv is None else argv)
    )
    lines = [
        "# Benchmark results",
        "",
        f"Command: `{command.strip()}` (started {started}; each figure is a median, "
        f"{args.repeats} runs unless the runs column says otherwise).",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        f"- load average at start: {' / '.join(f'{x:.2f}' for x in load_start)} (1/5/15 min); "
        f"at end: {' / '.join(f'{x:.2f}' for x in load_end)}",
        "",
        "## Validation (fresh processes, wall time, imports included)",
        "",
        sizes,
        "",
        f"## One bad value in the largest table at {largest:,} rows",
        "",
        corrupt,
        "",
        f"## Import time (fresh interpreters, median of {import_runs})",
        "",
        imports,
        "",
        "## load_all() vs bare typed read_csv (one warm process, imports excluded)",
        "",
        loads,
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if output is not None:
        output.write_text(report, encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
