"""Run every check on a package and collect one report; no check can stop the others.

Each stage runs under :func:`_guard`, which turns an unexpected exception into a located
``internal-error`` problem: contributors get a message naming the file, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc

from afpak_data._descriptor import DESCRIPTOR, Field, Package, Resource, Schema, read
from afpak_data._paragraphs import split_paragraphs
from afpak_data._validate import cells, changelog, evidence, files, keys, rules, withdrawn
from afpak_data._validate.arrow import bools, string_scalar
from afpak_data._validate.context import TableContext
from afpak_data._validate.problems import FATAL_CHECKS, Problem, Skipped, sort_problems

#: Threads checking tables at the same time (at most two: more only adds memory on this work).
WORKERS = max(1, min(2, os.cpu_count() or 1))
#: Total CSV bytes below which validation runs on one thread (see ``_parallel``).
SERIAL_BELOW = 1 << 20


@dataclass
class Report:
    """The outcome of one validation: what was checked, what is wrong, what was not checked."""

    package: Path
    origin: str
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def fatal(self) -> bool:
        """The input could not be read as a package at all (exit 2)."""
        return any(p.check in FATAL_CHECKS for p in self.problems)

    @property
    def exit_code(self) -> int:
        """0 valid, 1 invalid, 2 unreadable input."""
        return 2 if self.fatal else 1 if self.problems else 0


def _guard(problems: list[Problem], shown: str, stage: str, fn: Callable[[], object]) -> object:
    try:
        return fn()
    except Exception as exc:  # the promise: a located message, never a traceback
        problems.append(
            Problem.whole_file(
                shown,
                "internal-error",
                f"the {stage} check failed unexpectedly ({type(exc).__name__}: {exc}); "
                "please report this",
            )
        )
        return None


def validate_package(
    descriptor_file: Path, sources_dir: Path | None = None, origin: str = ""
) -> Report:
    """Check the package whose descriptor is ``descriptor_file``; never writes to it."""
    root = descriptor_file.parent
    report = Report(package=descriptor_file, origin=origin)
    problems = report.problems
    desc = _guard(problems, DESCRIPTOR, "descriptor", lambda: read(descriptor_file))
    if not isinstance(desc, Package):
        return report
    problems.extend(desc.problems)
    if not desc.readable:
        report.problems = sort_problems(problems)
        return report
    tables: dict[str, TableContext] = {}
    for spec, (ctx, found) in zip(desc.resources, _check_resources(desc.resources), strict=True):
        problems.extend(found)
        if isinstance(ctx, TableContext):
            tables[spec.name] = ctx
            report.rows[spec.name] = ctx.size
    for ctx in tables.values():
        _guard(problems, ctx.shown, "key", lambda c=ctx: problems.extend(_check_keys(c, tables)))  # type: ignore[misc]  # default argument binds the loop value
    _guard(
        problems,
        DESCRIPTOR,
        "withdrawn",
        lambda: problems.extend(withdrawn.check_withdrawn(tables)),
    )
    texts: dict[str, str] = {}
    if sources_dir is None:
        report.skipped.append(
            Skipped(
                "evidence",
                "quotes were not checked against the source texts (pass --sources-dir DIR)",
            )
        )
    else:
        loaded = _guard(
            problems,
            DESCRIPTOR,
            "evidence",
            lambda: _load_texts(tables, sources_dir, problems, report.skipped),
        )
        texts = loaded if isinstance(loaded, dict) else {}
    _guard(
        problems,
        DESCRIPTOR,
        "evidence",
        lambda: problems.extend(_check_citations(tables, texts)),
    )
    _guard(
        problems,
        "CHANGELOG.md",
        "changelog",
        lambda: problems.extend(changelog.check_changelog(root, desc.descriptor.get("version"))),
    )
    report.problems = sort_problems(problems)
    return report


def _parallel(fn: Callable[[Any], Any], jobs: Sequence[Any], weights: list[int]) -> list[Any]:
    """``[fn(job) for job in jobs]`` on ``WORKERS`` threads, heaviest first, results in order.

    Reading, parsing and the Arrow kernels release the GIL, so two threads take about half the
    time of one. Starting the heaviest jobs first keeps one long job from starting last. Below
    ``SERIAL_BELOW`` bytes of data the threads cost more than they save (the real package:
    about 30 ms of 250), so small packages run on one.
    """
    workers = min(WORKERS, len(jobs))
    if workers <= 1 or sum(weights) < SERIAL_BELOW:
        return [fn(job) for job in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -weights[i])
    with ThreadPoolExecutor(workers) as pool:
        done = dict(zip(order, pool.map(fn, [jobs[i] for i in order]), strict=True))
    return [done[i] for i in range(len(jobs))]


def _check_resources(
    resources: Sequence[Resource],
) -> list[tuple[TableContext | None, list[Problem]]]:
    """File, cell and row-rule checks of every resource; problems in a fixed order.

    Files are read and parsed one per thread; then every field of every table is one job, so
    the largest table's columns are shared between the cores instead of keeping one busy while
    the other idles. Each job collects its own problems, which are put together in descriptor
    and schema order: the report is the same whatever the interleaving.
    """

    def prepare(spec: Resource) -> tuple[TableContext | None, list[Problem]]:
        found: list[Problem] = []
        ctx = _guard(found, spec.path or DESCRIPTOR, "file", lambda: _prepare_resource(spec, found))
        return (ctx if isinstance(ctx, TableContext) else None), found

    # undeclared sizes count as large, so a big package without `bytes` still gets the threads
    sizes = [r.bytes if r.bytes is not None else SERIAL_BELOW for r in resources]
    prepared = _parallel(prepare, resources, sizes)
    jobs = [
        (ctx, spec)
        for ctx, _ in prepared
        if ctx is not None
        for spec in ctx.schema.fields
        if spec.name in ctx.columns
    ]

    def check(job: tuple[TableContext, Field]) -> list[Problem]:
        ctx, spec = job
        found: list[Problem] = []
        key = spec.name in ctx.schema.primary_key
        _guard(found, ctx.shown, "cell", lambda: found.extend(cells.check_field(ctx, spec, key)))
        return found

    weights = [ctx.columns[spec.name].nbytes for ctx, spec in jobs]
    by_field = dict(zip(((id(c), s.name) for c, s in jobs), _parallel(check, jobs, weights),
                        strict=True))  # fmt: skip
    out = []
    for ctx, found in prepared:
        if ctx is not None:
            for spec in ctx.schema.fields:
                found.extend(by_field.get((id(ctx), spec.name), []))
            _guard(found, ctx.shown, "rule", lambda c=ctx, f=found: f.extend(rules.check_rules(c)))  # type: ignore[misc]  # default argument binds the loop value
        out.append((ctx, found))
    return out


def _blank(raw: bytes) -> bool:
    """Whether a file holds nothing but a BOM and white space (its start decides, usually)."""
    ignorable = b"\xef\xbb\xbf \t\r\n"
    return not raw[:4096].strip(ignorable) and not raw.strip(ignorable)


def _prepare_resource(spec: Resource, problems: list[Problem]) -> TableContext | None:
    """File-level checks of one resource; its parsed table, ready for the cell checks."""
    if spec.safe_file is None or not spec.path:
        return None
    shown = spec.path
    raw, found = files.read_bytes(spec.safe_file, shown)
    problems.extend(found)
    if raw is None:
        return None
    problems.extend(files.check_integrity(raw, shown, spec.bytes, spec.hash))
    if _blank(raw):
        problems.append(
            Problem.whole_file(
                shown,
                "file-empty",
                "the file is empty; it needs at least a header row",
            )
        )
        return None
    clean, found = files.decode_checks(raw, shown)
    problems.extend(found)
    table = files.parse_csv(clean, shown)
    problems.extend(table.problems)
    if not spec.schema.fields:
        return None
    schema = spec.schema
    columns = _check_header(table.header, schema, shown, problems)
    series = {name: table.cells[i] for name, i in columns.items()}
    blank = np.ones(len(table.lines), bool)
    for cells_of_column in table.cells:
        blank &= bools(pc.equal(cells_of_column, string_scalar("")))
    for row in np.flatnonzero(blank):
        problems.append(
            Problem(
                shown, int(table.lines[row]), None, None, "blank-row", "the row is empty; delete it"
            )
        )
    return TableContext(spec.name, shown, schema, series, table.lines, ~blank)


def _check_header(
    header: list[str], schema: Schema, shown: str, problems: list[Problem]
) -> dict[str, int]:
    """Header problems; returns the column index of each schema field found in the header."""
    import difflib

    def bad(column: str | None, check: str, message: str) -> None:
        problems.append(Problem(shown, 1, None, column, check, message))

    fields = [f.name for f in schema.fields]
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in positions:
            first = positions[name] + 1
            bad(name, "duplicate-column", f"column {i + 1} repeats the name '{name}' "
                f"(first in column {first})")  # fmt: skip
        else:
            positions[name] = i
    extra = [(i, n) for i, n in enumerate(header) if n not in fields and positions.get(n) == i]
    missing = [f for f in fields if f not in positions]
    columns = {f: positions[f] for f in fields if f in positions}
    for i, name in extra:
        guess = fields[i] if i < len(fields) and fields[i] in missing else None
        close = difflib.get_close_matches(name, missing, n=1, cutoff=0.6)
        guess = close[0] if close else guess
        if guess is not None:
            missing.remove(guess)
            columns[guess] = i
            bad(guess, "misnamed-column", f"column {i + 1} is named {name!r}; "
                f"the schema calls it '{guess}'")  # fmt: skip
        elif schema.fields_match not in {"subset", "partial"}:
            bad(name, "extra-column", f"column {i + 1} {name!r} is not a field of the schema "
                f"(fields: {', '.join(fields)})")  # fmt: skip
    if schema.fields_match not in {"superset", "partial"}:
        for name in missing:
            bad(name, "missing-column", f"the header has no column '{name}'")
    in_header = [n for i, n in enumerate(header) if n in fields and positions.get(n) == i]
    ordered = [n for n in fields if n in in_header]
    if schema.fields_match == "exact" and not extra and not missing and in_header != ordered:
        bad(None, "column-order", f"columns are {', '.join(in_header)}; "
            f"the schema's order is {', '.join(ordered)}")  # fmt: skip
    return columns


def _check_keys(ctx: TableContext, tables: dict[str, TableContext]) -> list[Problem]:
    out = []
    if ctx.schema.primary_key:
        out += keys.duplicates(ctx, ctx.schema.primary_key, "primary-key")
    for spec in ctx.schema.fields:
        if spec.unique and spec.name in ctx.columns and (spec.name,) != ctx.schema.primary_key:
            out += keys.duplicates(ctx, [spec.name], "unique")
    for fields in ctx.schema.unique_keys:
        out += keys.duplicates(ctx, fields, "unique")
    out += keys.foreign_keys(ctx, tables)
    out += keys.polymorphic(ctx, tables)
    return out


def _load_texts(
    tables: dict[str, TableContext],
    directory: Path,
    problems: list[Problem],
    skipped: list[Skipped],
) -> dict[str, str]:
    """The source texts by source ID (problems and skipped sources are recorded)."""
    sources = tables.get(evidence.SOURCES)
    if sources is None:
        skipped.append(Skipped("evidence", "the package has no readable 'sources' table"))
        return {}
    if not directory.is_dir():
        skipped.append(Skipped("evidence", f"{directory} is not a directory"))
        return {}
    texts, found, skips = evidence.load_texts(sources, directory)
    problems.extend(found)
    skipped.extend(skips)
    return texts


def _check_citations(tables: dict[str, TableContext], texts: dict[str, str]) -> list[Problem]:
    """Paragraph numbers against the sources' paragraph counts (the texts' own where read), then
    the quotes against the texts."""
    sources = tables.get(evidence.SOURCES)
    counts = evidence.declared_counts(sources) if sources is not None else {}
    counts.update({sid: len(split_paragraphs(text)) for sid, text in texts.items()})
    out: list[Problem] = []
    for ctx in tables.values():
        out += evidence.check_paragraphs(ctx, counts)
        if texts:
            out += evidence.check_quotes(ctx, texts)
    return out
