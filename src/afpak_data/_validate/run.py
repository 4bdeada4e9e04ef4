"""Run every check on a package and collect one report; no check can stop the others.

Each stage runs under :func:`_guard`, which turns an unexpected exception into a located
``internal-error`` problem: contributors get a message naming the file, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from afpak_data._errors import Problem
from afpak_data._model.descriptor import DESCRIPTOR, Field, Package, Resource, read
from afpak_data._validate import cells, changelog, evidence, keys, rules
from afpak_data._validate.files import TableContext, read_table
from afpak_data._validate.problems import Report

#: Threads checking tables at the same time (at most two: more only adds memory on this work).
WORKERS = max(1, min(2, os.cpu_count() or 1))
#: Total CSV bytes below which validation runs on one thread (see ``_parallel``).
SERIAL_BELOW = 1 << 20

T = TypeVar("T")


def _guard(
    problems: list[Problem], shown: str, stage: str, fn: Callable[..., T], *args: Any
) -> T | None:
    """``fn(*args)``, or None and an ``internal-error`` problem if it raises."""
    try:
        return fn(*args)
    except Exception as exc:  # the promise: a located message, never a traceback
        message = (
            f"the {stage} check failed unexpectedly ({type(exc).__name__}: {exc}); "
            "please report this"
        )
        problems.append(Problem.whole_file(shown, "internal-error", message))
        return None


def validate_package(
    descriptor_file: Path, sources_dir: Path | None = None, origin: str = ""
) -> Report:
    """Check the package whose descriptor is ``descriptor_file``; never writes to it."""
    report = Report(package=descriptor_file, origin=origin)
    problems = report.problems
    desc = _guard(problems, DESCRIPTOR, "descriptor", read, descriptor_file)
    if isinstance(desc, Package):
        problems += desc.problems
    if isinstance(desc, Package) and desc.readable:
        _check(desc, sources_dir, report)
    report.problems = sorted(problems, key=lambda p: (p.file, p.line or 0))
    return report


def _check(desc: Package, sources_dir: Path | None, report: Report) -> None:
    """Every check after the descriptor's. Files are parsed one per thread, then every field is a
    job, so a large table's columns share the cores; problems are put together in descriptor and
    schema order, so the report is the same whatever the interleaving."""
    problems = report.problems

    def prepare(spec: Resource) -> tuple[TableContext | None, list[Problem]]:
        found: list[Problem] = []
        return _guard(found, spec.path or DESCRIPTOR, "file", read_table, spec, found), found

    def check(job: tuple[TableContext, Field]) -> list[Problem]:
        ctx, spec = job
        found: list[Problem] = []
        key = spec.name in ctx.schema.primary_key
        return _guard(found, ctx.shown, "cell", cells.check_field, ctx, spec, key) or found

    # undeclared sizes count as large, so a big package without `bytes` still gets the threads
    sizes = [r.bytes if r.bytes is not None else SERIAL_BELOW for r in desc.resources]
    prepared = _parallel(prepare, desc.resources, sizes)
    tables = {ctx.name: ctx for ctx, _ in prepared if ctx is not None}
    jobs = [(c, f) for c in tables.values() for f in c.schema.fields if f.name in c.columns]
    weights = [ctx.columns[spec.name].nbytes for ctx, spec in jobs]
    found_in = {id(ctx): found for ctx, found in prepared}
    for (ctx, _), found in zip(jobs, _parallel(check, jobs, weights), strict=True):
        found_in[id(ctx)] += found
    for table, found in prepared:
        problems += found
        if table is not None:
            problems += _guard(problems, table.shown, "rule", rules.check_rules, table) or []
            report.rows[table.name] = len(table.lines)
    for ctx in tables.values():
        problems += _guard(problems, ctx.shown, "key", keys.check_keys, ctx, tables) or []
    problems += _guard(problems, DESCRIPTOR, "withdrawn", keys.check_withdrawn, tables) or []
    load = evidence.load_texts
    texts = _guard(problems, DESCRIPTOR, "evidence", load, tables, sources_dir, report) or {}
    cite = evidence.check_citations
    problems += _guard(problems, DESCRIPTOR, "evidence", cite, tables, texts) or []
    log = changelog.check_changelog
    version = desc.descriptor.get("version")
    problems += _guard(problems, "CHANGELOG.md", "changelog", log, desc.root, version) or []


def _parallel(fn: Callable[[Any], T], jobs: Sequence[Any], weights: list[int]) -> list[T]:
    """``[fn(job) for job in jobs]`` on ``WORKERS`` threads, heaviest first, results in order:
    reading, parsing and the Arrow kernels release the GIL. Below ``SERIAL_BELOW`` bytes the threads
    cost more than they save, so small packages (the real one) do not even import the pool."""
    workers = min(WORKERS, len(jobs))
    if workers <= 1 or sum(weights) < SERIAL_BELOW:
        return [fn(job) for job in jobs]
    from concurrent.futures import ThreadPoolExecutor

    order = sorted(range(len(jobs)), key=lambda i: -weights[i])
    with ThreadPoolExecutor(workers) as pool:
        done = dict(zip(order, pool.map(fn, [jobs[i] for i in order]), strict=True))
    return [done[i] for i in range(len(jobs))]
