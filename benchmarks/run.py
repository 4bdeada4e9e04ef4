"""Measure afpak-data against issue 11's budgets, in pairs, and write benchmarks/RESULTS.md.

Why pairs: the budgets are ratios, and a ratio of two series taken one after the other measures
the machine's load as much as the code (RESULTS.md's old "10.4x at 100k, 20.1x at 1M" came out 7.2x
and 10.7x when re-measured in pairs). So each comparison runs its two commands in turn, A B A B ...
(after one untimed warm-up run of each), takes A / B of each pair, and reports the median of those
ratios and their spread (min-max); no ratio here is of two separately-taken medians. Every row of
RESULTS.md (budget, median, spread, PASS/FAIL) is written by this script; never edit it by hand.

What is compared (fresh processes, wall time, imports included, unless said otherwise):

* ``afpak-data validate`` on the real package vs ``python -c "import click, pyarrow"`` (<= 2x);
* ``import afpak_data`` vs ``import pandas`` (<= 0.2x);
* at each size: ``frictionless validate`` vs ``afpak-data validate`` (>= 5x at 100k, >= 10x at 1M),
  and the peers a user would pick instead (``peers.py``: pandera with its pandas and its polars
  backend, a typed polars read, a typed pandas read), for context, without a budget;
* time per row, largest size vs 100k rows (<= 1x: it does not grow);
* at the largest size: one bad date / vocabulary value / key vs clean (<= 2x, exactly that problem
  reported), and 1% bad values (rows / 100 of them) vs clean (<= 1.2x, every one reported);
* ``load_all()`` vs a bare typed ``pandas.read_csv`` in one warm process (``load_child.py``,
  imports excluded; <= 1.5x, the target the benchmark had before issue 11).

Only the CLI and the public API of afpak_data are used, so this survives a rewrite of its insides.

    python benchmarks/run.py              # 100k and 1M rows; writes benchmarks/RESULTS.md (~15 min)
    python benchmarks/run.py --quick      # tiny sizes, 1 pair, no warm-up: prints, writes nothing
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

REPO = generate.REPO
BIN = Path(sys.executable).parent
PY = sys.executable
#: GNU time reports the child's own peak RSS (``wait4`` would report at least this runner's).
GNU_TIME = Path("/usr/bin/time")
#: Between the two ends of a spread (an en dash, written as an escape for the linter).
DASH = " \u2013 "


@dataclass(frozen=True)
class Run:
    """One process: wall seconds, peak resident memory (MB), exit status, output, CPU seconds."""

    wall: float
    peak_mb: float
    code: int
    out: str
    err: str
    cpu: float = 0.0


@dataclass(frozen=True)
class Cmd:
    """A command to time and the exit status it must end with."""

    argv: list[str]
    expect: int = 0


@dataclass(frozen=True)
class Budget:
    """``ratio <= value`` (op "<=") or ``ratio >= value`` (op ">=")."""

    op: str
    value: float

    def holds(self, ratio: float) -> bool:
        """Whether ``ratio`` meets the budget."""
        return ratio <= self.value if self.op == "<=" else ratio >= self.value

    def __str__(self) -> str:
        return f"{'≤' if self.op == '<=' else '≥'} {self.value:g}x"


#: A check on A's last run: (passed, what it found).
Check = Callable[[Run], tuple[bool, str]]


@dataclass
class Comparison:
    """Two commands timed in pairs; ratio = scale * A / B of each pair.

    With ``minus``, each round runs A, B, then that command, C, and the ratio is
    ``scale * (A - C) / (B - C)``: what A and B cost beyond C (start-up, for time per row).
    """

    key: str
    what: str
    a: Cmd
    b: Cmd
    budget: Budget | None
    pairs: int
    scale: float = 1.0
    check: Check | None = None
    #: Why there is no budget (shown in the budget column).
    no_budget: str = "— (peer, no budget)"
    minus: Cmd | None = None
    #: Warm-up runs for this comparison (None: the run's ``--warmup``). The slow sides at 1M rows
    #: take none: one run is most of a minute, and the validate runs before them warm the files.
    warmup: int | None = None


@dataclass
class Outcome:
    """The pairs of one comparison and what they show."""

    key: str
    what: str
    budget: Budget | None
    a_s: list[float]
    b_s: list[float]
    ratios: list[float]
    how: list[str]  # A command, B command (markdown)
    warmup: int
    a_mb: list[float] = field(default_factory=list)
    b_mb: list[float] = field(default_factory=list)
    #: Per-pair ratio of CPU seconds (user + system), for reading the wall ratios under load.
    cpu_ratios: list[float] = field(default_factory=list)
    ok: bool = True
    found: str = ""
    no_budget: str = "—"

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def verdict(self) -> str:
        """PASS or FAIL against the budget ("—" without one); FAIL whenever a check failed."""
        if not self.ok or not self.ratios:
            return "FAIL"
        if self.budget is None:
            return "—"
        return "PASS" if self.budget.holds(self.median) else "FAIL"


# Timed processes may write and reuse bytecode, as an installed package does (pip compiles it
# at install time): with PYTHONDONTWRITEBYTECODE set (some shells and containers set it), every
# start of an editable checkout would recompile our modules from source, a cost no user pays.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str]) -> Run:
    """Run ``cmd`` once: wall time (ours) and peak resident memory (GNU time's, else ``wait4``)."""
    with (
        tempfile.NamedTemporaryFile("r", suffix=".rss") as rss,
        tempfile.TemporaryFile("w+b") as err,
    ):
        wrapped = [str(GNU_TIME), "-f", "%M", "-o", rss.name, *cmd] if GNU_TIME.exists() else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=subprocess.PIPE, stderr=err, env=CHILD_ENV)
        out = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if proc.stdout:
            proc.stdout.close()
        text = rss.read().strip().splitlines()
        peak_kb = int(text[-1]) if GNU_TIME.exists() and text and text[-1].isdigit() else 0
        err.seek(0)
        return Run(
            wall,
            (peak_kb or usage.ru_maxrss) / 1024,
            os.waitstatus_to_exitcode(status),
            out.decode(errors="replace"),
            err.read().decode(errors="replace"),
            usage.ru_utime + usage.ru_stime,  # the child's and its waited-for children's
        )


def show(argv: list[str]) -> str:
    """A command as a reader would type it (venv scripts by name, paths relative to the repo)."""
    out = []
    for arg in argv:
        if arg == PY:
            arg = "python"
        elif arg.startswith(str(BIN) + os.sep):
            arg = arg[len(str(BIN)) + 1 :]
        elif arg.startswith(str(REPO) + os.sep):
            arg = arg[len(str(REPO)) + 1 :]
        out.append(f"'{arg}'" if " " in arg else arg)
    return " ".join(out)


def progress(message: str) -> None:
    """One line on standard error (the report goes to standard output)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_pairs(c: Comparison, warmup: int) -> Outcome:
    """Warm up, then A B A B ...: one ratio per pair; every exit status and the check verified."""
    warmup = warmup if c.warmup is None else min(warmup, c.warmup)
    progress(f"{c.key}: {warmup} warm-up + {c.pairs} pairs")
    for _ in range(warmup):
        measure(c.a.argv)
        measure(c.b.argv)
        if c.minus is not None:
            measure(c.minus.argv)
    a_runs, b_runs, c_runs = [], [], []
    for _ in range(c.pairs):
        a_runs.append(measure(c.a.argv))
        b_runs.append(measure(c.b.argv))
        if c.minus is not None:
            c_runs.append(measure(c.minus.argv))
    if c.minus is None:
        ratios = [c.scale * a.wall / b.wall for a, b in zip(a_runs, b_runs, strict=True)]
        how = [f"`{show(c.a.argv)}`", f"`{show(c.b.argv)}`"]
    else:
        rounds = zip(a_runs, b_runs, c_runs, strict=True)
        # a round where B was no slower than C says nothing about B's own cost: left out
        ratios = [c.scale * (a.wall - z.wall) / (b.wall - z.wall) for a, b, z in rounds
                  if b.wall > z.wall]  # fmt: skip
        minus = f" minus `{show(c.minus.argv)}`"
        how = [f"`{show(c.a.argv)}`{minus} (same round)", f"`{show(c.b.argv)}`{minus}"]
    outcome = Outcome(
        c.key,
        c.what,
        c.budget,
        [r.wall for r in a_runs],
        [r.wall for r in b_runs],
        ratios,
        how,
        warmup,
        [r.peak_mb for r in a_runs],
        [r.peak_mb for r in b_runs],
        no_budget=c.no_budget,
    )
    if c.minus is None:
        outcome.cpu_ratios = [
            c.scale * a.cpu / b.cpu for a, b in zip(a_runs, b_runs, strict=True) if b.cpu > 0
        ]
    found = []
    sides = [("A", c.a, a_runs), ("B", c.b, b_runs)]
    if c.minus is not None:
        sides.append(("C", c.minus, c_runs))
        if len(ratios) < len(a_runs):
            found.append(f"{len(a_runs) - len(ratios)} rounds left out (B not slower than C)")
    for side, cmd, runs in sides:
        bad = sorted({r.code for r in runs if r.code != cmd.expect})
        if bad:
            outcome.ok = False
            last = next(r for r in runs if r.code != cmd.expect)
            tail = (last.err or last.out).strip().splitlines()[-1:] or [""]
            found.append(f"{side} exit {bad} (expected {cmd.expect}): {tail[0][:120]}")
    if c.check is not None and a_runs:
        passed, text = c.check(a_runs[-1])
        outcome.ok = outcome.ok and passed
        found.append(text)
    outcome.found = "; ".join(found) or f"exit {c.a.expect}/{c.b.expect} as expected"
    return outcome


# --- the packages ---------------------------------------------------------------------------


def package(work: Path, rows: int, seed: int, kind: str | None = None, count: int = 1) -> Path:
    """The generated package (reused if generated from the same schemas, generator and seed)."""
    name = f"rows-{rows}" + (f"-{kind}" if kind else "") + (f"-{count}" if count != 1 else "")
    target = work / name
    stamp = hashlib.sha256()
    sources = [*sorted((REPO / "schemas").glob("*.json")), REPO / "datapackage.json"]
    for file in [*sources, HERE / "generate.py", HERE / "tableschema.py"]:
        stamp.update(file.read_bytes())
    key = f"{stamp.hexdigest()} {seed} {rows} {kind} {count}"
    marker = target / ".generated"
    if not (marker.is_file() and marker.read_text() == key):
        progress(f"generating {target}")
        where = generate.generate(target, rows, seed, kind, count=count)
        info = {"corruption": where.__dict__ if where else None}
        (target / ".generated.json").write_text(json.dumps(info))
        marker.write_text(key)
    return target


def corruption_of(pkg: Path) -> dict:
    """Where the generator put the bad values of a corrupted package."""
    return json.loads((pkg / ".generated.json").read_text())["corruption"]


def real_package(work: Path, given: Path | None) -> Path:
    """The real package: ``--real``, else the last commit's (``git archive HEAD``, which keeps the
    measurement off files someone is editing), else a copy of the working tree's."""
    if given is not None:
        return given
    target = work / "real-head"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "HEAD", "datapackage.json", "data", "schemas"],
        capture_output=True,
    )
    if archive.returncode == 0:
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    else:
        shutil.copy2(REPO / "datapackage.json", target)
        for sub in ("data", "schemas"):
            shutil.copytree(REPO / sub, target / sub)
    return target


# --- the checks -----------------------------------------------------------------------------


def expect_problems(pkg: Path) -> Check:
    """A's JSON report lists exactly the bad values the generator wrote into ``pkg``."""
    where = corruption_of(pkg)
    expected = {(where["file"], line, where["column"], where["check"]) for line in where["lines"]}

    def check(run: Run) -> tuple[bool, str]:
        try:
            problems = json.loads(run.out)["problems"]
        except (ValueError, KeyError, TypeError):
            return False, "no JSON report"
        found = [(p["file"], p["line"], p["column"], p["check"]) for p in problems]
        same = len(found) == len(expected) and set(found) == expected
        text = f"{len(found)} of {len(expected)} {where['check']} problems reported"
        if len(expected) == 1 and found:
            f, line, column, kind = found[0]
            text = f"{kind} at {f}:{line} '{column}'"
        return same, text + ("" if same else f" (NOT as written: {len(expected)} expected)")

    return check


def peer_clean(run: Run) -> tuple[bool, str]:
    """A peer's JSON line says it found no failure."""
    try:
        failures = json.loads(run.out.strip().splitlines()[-1])["failures"]
    except (ValueError, KeyError, IndexError):
        return False, "no JSON result"
    return failures == 0, f"{failures} failures"


# --- the comparisons ------------------------------------------------------------------------


def validate(pkg: Path, *extra: str, expect: int = 0) -> Cmd:
    return Cmd([str(BIN / "afpak-data"), "validate", str(pkg), *extra], expect)


def frictionless_budget(rows: int) -> Budget | None:
    """Issue 11: at least 5x at 100k rows, 10x at 1M; no budget below 100k."""
    if rows >= 1_000_000:
        return Budget(">=", 10)
    if rows >= 100_000:
        return Budget(">=", 5)
    return None


def peers_available() -> dict[str, str | None]:
    """Each peer, and why it cannot run here (None when it can)."""
    missing: dict[str, str | None] = {}
    for peer, modules in {
        "pandera-pandas": ("pandera.pandas",),
        "pandera-polars": ("pandera.polars", "polars"),
        "polars-read": ("polars",),
        "pandas-read": ("pandas",),
    }.items():
        probe = subprocess.run([PY, "-c", "import " + ", ".join(modules)], capture_output=True)
        missing[peer] = (
            None if probe.returncode == 0 else "not installed: pip install -e '.[bench]'"
        )
    return missing


PEER_NAMES = {
    "pandera-pandas": "pandera (pandas backend): read + validate",
    "pandera-polars": "pandera (polars backend): read + validate",
    "polars-read": "typed polars.read_csv",
    "pandas-read": "typed pandas.read_csv",
}


def comparisons(args: argparse.Namespace, real: Path) -> tuple[list[Comparison], list[str]]:
    """Every paired comparison of the run, and the peers that could not run (with why)."""
    sizes = sorted(args.sizes)
    largest = sizes[-1]
    slow = args.slow_pairs
    out = [
        Comparison(
            "cli-start",
            "`afpak-data validate` on the real package / a process importing click and pyarrow",
            validate(real),
            Cmd([PY, "-c", "import click, pyarrow"]),
            Budget("<=", 2),
            args.pairs,
        ),
        Comparison(
            "import",
            "`import afpak_data` / `import pandas`",
            Cmd([PY, "-c", "import afpak_data"]),
            Cmd([PY, "-c", "import pandas"]),
            Budget("<=", 0.2),
            args.pairs,
        ),
    ]
    skipped = []
    available = peers_available()
    for rows in sizes:
        pkg = package(args.work, rows, args.seed)
        out.append(
            Comparison(
                f"frictionless-{rows}",
                f"`frictionless validate` / `afpak-data validate`, {rows:,} rows",
                Cmd([str(BIN / "frictionless"), "validate", str(pkg / "datapackage.json")]),
                validate(pkg),
                frictionless_budget(rows),
                slow if rows >= 1_000_000 else args.pairs,
                no_budget="— (budgets are for 100k rows and more)",
                warmup=0 if rows >= 1_000_000 else None,
            )
        )
        for peer, name in PEER_NAMES.items():
            if available[peer] is not None:
                skipped.append(f"{peer}: {available[peer]}")
                continue
            out.append(
                Comparison(
                    f"{peer}-{rows}",
                    f"{name} / `afpak-data validate`, {rows:,} rows",
                    Cmd([PY, str(HERE / "peers.py"), peer, str(pkg)]),
                    validate(pkg),
                    None,
                    slow if rows >= 1_000_000 and peer.startswith("pandera") else args.pairs,
                    check=peer_clean,
                    warmup=0 if rows >= 1_000_000 and peer.startswith("pandera") else None,
                )
            )
    base = 100_000 if 100_000 in sizes and largest > 100_000 else sizes[0]
    if base != largest:
        big = validate(package(args.work, largest, args.seed))
        small = validate(package(args.work, base, args.seed))
        tiny = max(100, base // 100)
        out += [
            Comparison(
                "per-row",
                f"time per row of `afpak-data validate`, {largest:,} / {base:,} rows, beyond "
                f"the time for {tiny:,} rows (start-up)",
                big,
                small,
                Budget("<=", 1),
                args.pairs,
                scale=base / largest,
                minus=validate(package(args.work, tiny, args.seed)),
            ),
            Comparison(
                "per-row-wall",
                f"time per row of `afpak-data validate`, {largest:,} / {base:,} rows, whole "
                "wall time (start-up included, which flatters the larger size)",
                big,
                small,
                None,
                args.pairs,
                scale=base / largest,
                no_budget="— (see per-row)",
            ),
        ]
    clean = package(args.work, largest, args.seed)
    count = max(1, largest // 100)
    # (id prefix, bad values, what is compared, budget): one bad value, then 1% of the rows.
    variants = [
        ("one-bad", 1, "one bad {kind} / clean, `afpak-data validate --format json`", 2),
        (
            "one-percent",
            count,
            "{n:,} bad {kind} values (1% of rows) / clean, `--format json`",
            1.2,
        ),
    ]
    for prefix, n, what, limit in variants:
        for kind in sorted(generate.CORRUPTIONS):
            pkg = package(args.work, largest, args.seed, kind, n)
            out.append(
                Comparison(
                    f"{prefix}-{kind}",
                    f"{what.format(kind=kind, n=n)}, {largest:,} rows",
                    validate(pkg, "--format", "json", expect=1),
                    validate(clean, "--format", "json"),
                    Budget("<=", limit),
                    args.pairs,
                    check=expect_problems(pkg),
                )
            )
    return out, skipped


def run_loads(packages: dict[str, Path], pairs: int) -> list[Outcome]:
    """load_all() / bare typed read, in pairs inside one warm process (``load_child.py``)."""
    progress(f"load_all: {pairs} pairs in one process, {len(packages)} packages")
    child = [PY, str(HERE / "load_child.py"), str(pairs), *map(str, packages.values())]
    run = measure(child)
    results = {}
    for line in run.out.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            results[item["package"]] = item
    out = []
    for key, pkg in packages.items():
        item = results.get(str(pkg))
        outcome = Outcome(
            f"load-{key}",
            f"`load_all()` / typed `pandas.read_csv`, one warm process, {key}"
            + (f" ({item['rows']:,} rows)" if item else ""),
            Budget("<=", 1.5),
            item["a_s"] if item else [],
            item["b_s"] if item else [],
            item["ratios"] if item else [],
            [f"`afpak_data.load_all({show([str(pkg)])!r})`", "`bare_read.read_typed(same)`"],
            1,
        )
        if item is None:
            outcome.ok = False
            tail = run.err.strip().splitlines()[-1:] or ["no output"]
            outcome.found = f"load_child.py exit {run.code}: {tail[0][:120]}"
        else:
            outcome.found = f"{item['rows']:,} rows loaded"
        out.append(outcome)
    return out


# --- the report -----------------------------------------------------------------------------


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
    for dist in ("afpak-data", "pandas", "pyarrow", "frictionless", "pandera", "polars"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "not installed"
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{int(mem) / 1024 / 1024:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        **versions,
        "afpak-data commit": head.stdout.strip() or "unknown",
    }


def table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def ratio(x: float) -> str:
    return f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def budget_table(outcomes: list[Outcome]) -> str:
    """One row per comparison: budget, median ratio, spread, pairs, verdict, what was checked."""
    rows = []
    for o in outcomes:
        spread = ratio(min(o.ratios)) + DASH + ratio(max(o.ratios)) if o.ratios else "-"
        rows.append(
            [
                f"`{o.key}`",
                o.what,
                str(o.budget) if o.budget else o.no_budget,
                ratio(o.median) if o.ratios else "-",
                spread,
                str(len(o.ratios)),
                f"**{o.verdict}**" if o.verdict != "—" else "—",
                o.found,
            ]
        )
    header = ["id", "ratio A / B", "budget", "median", f"spread (min{DASH}max)", "pairs", "verdict"]
    return table([*header, "checked"], rows)


def how_table(outcomes: list[Outcome]) -> str:
    """How each ratio was taken: the two commands, pairs, warm-up, seconds and memory."""
    rows = []
    for o in outcomes:
        mb = (
            f"{statistics.median(o.a_mb):.0f} / {statistics.median(o.b_mb):.0f}"
            if o.a_mb and o.b_mb
            else "-"
        )
        rows.append(
            [
                f"`{o.key}`",
                o.how[0],
                o.how[1],
                str(len(o.ratios)),
                str(o.warmup),
                f"{statistics.median(o.a_s):.3f}" if o.a_s else "-",
                f"{statistics.median(o.b_s):.3f}" if o.b_s else "-",
                mb,
                ratio(statistics.median(o.cpu_ratios)) if o.cpu_ratios else "-",
            ]
        )
    header = ["id", "A (numerator)", "B (denominator)", "pairs", "warm-up runs of each"]
    return table([*header, "A median s", "B median s", "peak MB A / B", "CPU A / B"], rows)


def main(argv: list[str] | None = None) -> int:
    """Run every comparison; print the report and write it where asked."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pairs", type=int, default=5, help="A B pairs per comparison")
    parser.add_argument(
        "--slow-pairs",
        type=int,
        default=3,
        help="pairs for the slow sides at 1M rows and more (frictionless, pandera)",
    )
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of A and B first")
    parser.add_argument("--quick", action="store_true", help="1k and 2k rows, 1 pair, no warm-up")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument("--work", type=Path, default=HERE / "_work", help="generated packages")
    parser.add_argument("--real", type=Path, help="the real package (default: HEAD's)")
    parser.add_argument(
        "--output",
        type=Path,
        help="markdown file to write (default: benchmarks/RESULTS.md; none with --quick)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 if any row FAILs")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.pairs, args.slow_pairs, args.warmup = [1_000, 2_000], 1, 1, 0
    if min(args.pairs, args.slow_pairs) < 1 or args.warmup < 0 or min(args.sizes) < 100:
        parser.error("--pairs and --slow-pairs must be at least 1, sizes at least 100")
    output = args.output or (None if args.quick else HERE / "RESULTS.md")
    given = sys.argv[1:] if argv is None else argv
    command = " ".join(["python benchmarks/run.py", *given])
    load_start = os.getloadavg()
    started, clock = time.strftime("%Y-%m-%d %H:%M:%S %Z"), time.perf_counter()
    info = machine()
    real = real_package(args.work, args.real)
    plan, skipped = comparisons(args, real)
    outcomes = [run_pairs(c, args.warmup) for c in plan]
    loads = {"real package": real} | {
        f"rows-{n}": package(args.work, n, args.seed) for n in sorted(args.sizes)
    }
    outcomes += run_loads(loads, args.pairs)
    wall = time.perf_counter() - clock
    load_end = os.getloadavg()
    verdicts = [o.verdict for o in outcomes if o.budget is not None]
    failed = [o.key for o in outcomes if o.verdict == "FAIL"]
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `{command}` (never edited by hand); started {started}, "
        f"took {wall / 60:.1f} min. Load average (1/5/15 min) at start "
        f"{' / '.join(f'{x:.2f}' for x in load_start)}, at end "
        f"{' / '.join(f'{x:.2f}' for x in load_end)}.",
        "",
        f"**{verdicts.count('PASS')} of {len(verdicts)} budgets PASS**"
        + (f"; FAIL: {', '.join(failed)}." if failed else "."),
        "",
        "## Budgets (issue 11) and peers",
        "",
        "Each ratio is A / B, taken pair by pair: A and B run in turn (A B A B ...), the ratio of "
        "each pair is kept, and the median, least and greatest of those ratios are shown; never a "
        "ratio of two separately-taken series. Processes are fresh and timed by wall clock, "
        "imports included, except the `load-*` rows (one warm process, imports excluded); "
        "bytecode is cached as in an installed package (PYTHONDONTWRITEBYTECODE is unset for "
        "them, and the warm-up runs write it). "
        "`per-row` is ((A - C) / largest size) / ((B - C) / base size), C being a run on a "
        "package of 1% of the base size in the same round, so that start-up is not counted as "
        "time for rows; `per-row-wall` is the same without C. A row FAILs when its median misses "
        "the budget, a command ends with another exit status than expected, or the check fails. "
        "Peers have no budget: they say how much slower (> 1x) or faster (< 1x) than "
        "`afpak-data validate` the tool a user might pick instead is; they check less "
        "(no foreign keys, x-rules or file checks; see benchmarks/peers.py).",
        "",
        budget_table(outcomes),
        "",
        "## How each ratio was taken",
        "",
        "The exact commands (run from the repository root, in the venv of `sys.executable`; "
        "`benchmarks/_work/` holds the generated packages, `real-head` is `git archive HEAD`), "
        "the number of pairs and of untimed warm-up runs before them, and each side's median "
        "seconds and peak memory (GNU time's max RSS) over the pairs. `CPU A / B` is the median "
        "per-pair ratio of CPU seconds (user + system, children included): no budget is on it, "
        "but when it is far from the wall ratio, the machine's load moved the wall times.",
        "",
        how_table(outcomes),
        "",
        *(["Peers not run: " + "; ".join(sorted(set(skipped))) + ".", ""] if skipped else []),
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if output is not None:
        output.write_text(report, encoding="utf-8")
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
