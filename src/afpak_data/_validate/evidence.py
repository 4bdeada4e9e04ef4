"""Quotes against the source texts: each must occur verbatim in the paragraph its row names.

Texts live outside the package (``--sources-dir``), matched to their ``sources`` row by
``file_name`` or else ``sha256``; paragraphs are counted by ``_paragraphs``, the codebook's rule.
Without texts the check is skipped, never passed; a directory with none of them is refused (exit
2), since a typo in CI would otherwise turn the check off silently.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np

from afpak_data._errors import Problem
from afpak_data._model.descriptor import sha256_of
from afpak_data._paragraphs import split_paragraphs
from afpak_data._validate.arrow import (
    array,
    bools,
    call,
    filtered,
    isin,
    kernels,
    matches,
    picked,
    strings,
)
from afpak_data._validate.cells import shorten
from afpak_data._validate.files import MAX_FILE_BYTES, TableContext
from afpak_data._validate.problems import Report, Skipped

SOURCES = "sources"
EVIDENCE_FIELDS = ("source_id", "paragraph", "quote")


def load_texts(
    tables: dict[str, TableContext], directory: Path | None, report: Report
) -> dict[str, list[str]]:
    """Each source ID's paragraphs: a mismatched (``sha256``, ``paragraph_count``) or unreadable
    text is a ``source-text`` problem, an absent one is skipped."""
    sources = tables.get(SOURCES)
    if directory is None:
        reason = "quotes were not checked against the source texts (pass --sources-dir DIR)"
    elif sources is None:
        reason = "the package has no readable 'sources' table"
    elif not directory.is_dir():
        reason = f"{directory} is not a directory"
    elif (id_field := _id_field(sources)) is None:
        reason = "the sources table has no single-field primary key"
    else:
        return _load_texts(sources, id_field, directory, report)
    report.skipped.append(Skipped("evidence", reason))
    return {}


def check_citations(tables: dict[str, TableContext], texts: dict[str, list[str]]) -> list[Problem]:
    """Paragraph numbers against the sources' paragraph counts (the texts' own where read), then
    the quotes against the texts."""
    sources = tables.get(SOURCES)
    counts = _declared_counts(sources) if sources is not None else {}
    counts.update({sid: len(paragraphs) for sid, paragraphs in texts.items()})
    out: list[Problem] = []
    for ctx in tables.values():
        out += _check_paragraphs(ctx, counts)
        if texts:
            out += _check_quotes(ctx, texts)
    return out


def _id_field(sources: TableContext) -> str | None:
    pk = sources.schema.primary_key
    return pk[0] if len(pk) == 1 and pk[0] in sources.columns else None


def _declared_counts(sources: TableContext) -> dict[str, int]:
    """Each source's ``paragraph_count`` as the ``sources`` table declares it (valid rows only)."""
    id_field = _id_field(sources)
    counts = sources.typed.get("paragraph_count")
    if id_field is None or counts is None:
        return {}
    keep = sources.usable & bools(call("is_valid", counts))
    ids = filtered(sources.columns[id_field], keep).to_pylist()
    return {i: int(c) for i, c in zip(ids, filtered(counts, keep).to_pylist(), strict=True)}


def _load_texts(
    sources: TableContext, id_field: str, directory: Path, report: Report
) -> dict[str, list[str]]:
    rows = np.flatnonzero(sources.usable)

    def cells(name: str) -> list[str]:
        values = sources.columns.get(name)
        return [""] * len(rows) if values is None else picked(values, rows).to_pylist()

    @functools.cache
    def by_hash() -> dict[str, Path]:
        files = [p for p in sorted(directory.iterdir()) if p.is_file()]
        return {sha256_of(p)[1]: p for p in files if p.stat().st_size <= MAX_FILE_BYTES}

    texts: dict[str, list[str]] = {}
    declared = _declared_counts(sources)
    looked_for, found = [], False
    for row, source_id, name, digest in zip(
        rows, cells(id_field), cells("file_name"), cells("sha256"), strict=True
    ):
        expected = digest.lower().removeprefix("sha256:")
        if name or expected:
            sha = expected or "-"
            looked_for.append(f"{source_id or '?'}: {name or '-'} or a file with sha256 {sha}")
        file = directory / name if name and "/" not in name and "\\" not in name else None
        if (file is None or not file.is_file()) and expected:
            file = by_hash().get(expected)
        if file is None or not file.is_file():
            reason = (
                f"no text for source {source_id!r} in {directory} (looked for {name or '-'} and "
                f"sha256 {expected or '-'}); its quotes were not checked"
            )
            report.skipped.append(Skipped("evidence", reason))
            continue
        found = True
        raw = file.read_bytes()
        actual = hashlib.sha256(raw).hexdigest()
        if expected and actual != expected:
            message = f"{file.name} has sha256 {actual}, the row says {expected}"
            report.problems.append(sources.problem(int(row), "sha256", "source-text", message))
            continue
        try:
            paragraphs = texts[source_id] = split_paragraphs(raw.decode("utf-8"))
        except UnicodeDecodeError:
            message = f"{file.name} is not UTF-8"
            report.problems.append(sources.problem(int(row), "file_name", "source-text", message))
            continue
        count = len(paragraphs)
        if source_id in declared and declared[source_id] != count:
            message = f"{file.name} has {count} paragraphs, the row says {declared[source_id]}"
            problem = sources.problem(int(row), "paragraph_count", "source-text", message)
            report.problems.append(problem)
    if looked_for and not found:
        report.refused = (
            f"{directory}: --sources-dir holds none of the package's source texts, so no quote "
            f"could be checked (looked for {'; '.join(looked_for)})"
        )
    return texts


def _check_paragraphs(ctx: TableContext, counts: dict[str, int]) -> list[Problem]:
    """Rows citing a paragraph beyond their source's count (below 1 is the ``minimum`` check's)."""
    if "source_id" not in ctx.columns or "paragraph" not in ctx.typed or not counts:
        return []
    source, number = ctx.columns["source_id"], ctx.typed["paragraph"]
    position = call("index_in", source, options=kernels.SetLookupOptions(strings(counts)))
    limit = call("take", array(np.array(list(counts.values()), np.float64)), position)
    cited = ctx.columns["paragraph"]  # as written: a 5,000-digit number has no int
    return [
        ctx.problem(
            row,
            "paragraph",
            "paragraph",
            f"paragraph {shorten(str(cited[row].as_py()))} does not exist; source "
            f"{source[row].as_py()!r} has {int(limit[row].as_py())} paragraphs",
        )
        for row in np.flatnonzero(ctx.usable & bools(call("greater", number, limit))).tolist()
    ]


def _check_quotes(ctx: TableContext, texts: dict[str, list[str]]) -> list[Problem]:
    """Every row with a quote and an existing paragraph: the paragraph holds the quote verbatim."""
    if any(f not in ctx.columns for f in EVIDENCE_FIELDS):
        return []
    source, paragraph, quote = (ctx.columns[f] for f in EVIDENCE_FIELDS)
    rows = ctx.present(list(EVIDENCE_FIELDS)) & isin(source, list(texts))
    rows &= matches(paragraph, r"\d+")  # non-integers are reported by the type check
    index = np.flatnonzero(rows)
    problems = []
    for row, sid, para, text in zip(
        index,
        picked(source, index).to_pylist(),
        picked(paragraph, index).to_pylist(),
        picked(quote, index).to_pylist(),
        strict=True,
    ):
        paras, number = texts[sid], int(para)
        if 1 <= number <= len(paras) and text not in paras[number - 1]:
            message = _quote_message(text, number, paras)
            problems.append(ctx.problem(int(row), "quote", "quote", message))
    return problems


def _quote_message(quote: str, number: int, paras: list[str]) -> str:
    """Say where the quote is if it is elsewhere, or what differs (failing rows only)."""
    elsewhere = [i for i, p in enumerate(paras, 1) if quote in p]
    if elsewhere:
        return f"the quote is not in paragraph {number}; it occurs in paragraph {elsewhere[0]}"
    plain = quote.replace("'", "\u2019").replace('"', "\u201d")
    if any(plain in p or quote.replace("'", "\u2019") in p for p in paras):
        return (
            f"the quote is not verbatim in paragraph {number}: the source uses typographic "
            # the typographic marks are the point: they show which characters to copy
            "apostrophes or quotation marks (’ ” “)"  # noqa: RUF001
        )
    return f"the quote does not occur verbatim in paragraph {number} (copy it from the source text)"
