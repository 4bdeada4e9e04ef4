"""Quotes against the source texts: each must occur verbatim in the paragraph its row names.

Source texts live outside the package (``--sources-dir``); each is matched to its ``sources`` row by
``file_name`` or, failing that, by ``sha256``. Paragraphs are counted by ``afpak_data._paragraphs``,
the rule the codebook states. Without the texts the check is reported as skipped, never as passed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from afpak_data._descriptor import sha256_of
from afpak_data._paragraphs import split_paragraphs
from afpak_data._validate.arrow import float_array, int_array, strings
from afpak_data._validate.context import TableContext, bools, isin, take
from afpak_data._validate.files import MAX_FILE_BYTES
from afpak_data._validate.problems import Problem, Skipped
from afpak_data._validate.text import fullmatch

SOURCES = "sources"
EVIDENCE_FIELDS = ("source_id", "paragraph", "quote")
PARAGRAPH_COUNT = "paragraph_count"


def declared_counts(sources: TableContext) -> dict[str, int]:
    """Each source's ``paragraph_count`` as the ``sources`` table declares it (valid rows only)."""
    id_field = _id_field(sources)
    counts = sources.typed.get(PARAGRAPH_COUNT)
    if id_field is None or counts is None:
        return {}
    keep = sources.usable & bools(pc.is_valid(counts))
    ids = take(sources.columns[id_field], keep).to_pylist()
    return {i: int(c) for i, c in zip(ids, take(counts, keep).to_pylist(), strict=True)}


def _id_field(sources: TableContext) -> str | None:
    pk = sources.schema.primary_key
    return pk[0] if len(pk) == 1 and pk[0] in sources.columns else None


def load_texts(
    sources: TableContext, directory: Path
) -> tuple[dict[str, str], list[Problem], list[Skipped]]:
    """Map each source ID to its text; report mismatched or unreadable texts, skip absent ones.

    A text is matched by ``file_name``, else by ``sha256``; its digest must equal ``sha256`` and
    its paragraph count must equal ``paragraph_count`` (both ``source-text`` problems).
    """
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    skipped: list[Skipped] = []
    candidates = (
        [p for p in sorted(directory.iterdir()) if p.is_file()] if directory.is_dir() else []
    )
    by_hash: dict[str, Path] | None = None
    id_field = _id_field(sources)
    if id_field is None:
        return (
            texts,
            problems,
            [Skipped("evidence", "the sources table has no single-field primary key")],
        )
    names = sources.columns.get("file_name")
    hashes = sources.columns.get("sha256")
    declared = declared_counts(sources)
    for row in np.flatnonzero(sources.usable):
        source_id = str(sources.columns[id_field][int(row)].as_py())
        name = str(names[int(row)].as_py()) if names is not None else ""
        expected = (
            str(hashes[int(row)].as_py()).lower().removeprefix("sha256:")
            if hashes is not None
            else ""
        )
        file = directory / name if name and "/" not in name and "\\" not in name else None
        if (file is None or not file.is_file()) and expected:
            if by_hash is None:
                by_hash = {
                    sha256_of(p)[1]: p for p in candidates if p.stat().st_size <= MAX_FILE_BYTES
                }
            file = by_hash.get(expected)
        if file is None or not file.is_file():
            skipped.append(
                Skipped(
                    "evidence",
                    f"no text for source {source_id!r} in {directory} "
                    f"(looked for {name or '-'} and sha256 {expected or '-'}); "
                    "its quotes were not checked",
                )
            )
            continue
        raw = file.read_bytes()
        actual = hashlib.sha256(raw).hexdigest()
        if expected and actual != expected:
            problems.append(
                sources.problem(
                    int(row),
                    "sha256",
                    "source-text",
                    f"{file.name} has sha256 {actual}, the row says {expected}",
                )
            )
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(
                sources.problem(int(row), "file_name", "source-text", f"{file.name} is not UTF-8")
            )
            continue
        texts[source_id] = text
        count = len(split_paragraphs(text))
        if source_id in declared and declared[source_id] != count:
            problems.append(
                sources.problem(
                    int(row),
                    PARAGRAPH_COUNT,
                    "source-text",
                    f"{file.name} has {count} paragraphs, the row says {declared[source_id]}",
                )
            )
    return texts, problems, skipped


def check_paragraphs(ctx: TableContext, counts: dict[str, int]) -> list[Problem]:
    """Rows citing a paragraph beyond their source's paragraph count (a hash join on source_id).

    ``counts`` are the declared ``paragraph_count`` values, or the texts' own counts where the texts
    were read. Paragraphs below 1 are the ``minimum`` check's, not this one's.
    """
    if "source_id" not in ctx.columns or "paragraph" not in ctx.typed or not counts:
        return []
    source = ctx.columns["source_id"]
    position = pc.index_in(source, value_set=strings(counts))
    limit = float_array(counts.values()).take(position)
    beyond = ctx.usable & bools(pc.greater(ctx.typed["paragraph"], limit))
    number = ctx.typed["paragraph"]
    return [
        ctx.problem(
            int(row),
            "paragraph",
            "paragraph",
            f"paragraph {int(number[int(row)].as_py())} does not exist; source "
            f"{source[int(row)].as_py()!r} has {int(limit[int(row)].as_py())} paragraphs",
        )
        for row in np.flatnonzero(beyond)
    ]


def check_quotes(ctx: TableContext, texts: dict[str, str]) -> list[Problem]:
    """Every row with a quote and an existing paragraph: the paragraph holds the quote verbatim.

    Paragraphs that do not exist are reported by :func:`check_paragraphs`.
    """
    if any(f not in ctx.columns for f in EVIDENCE_FIELDS):
        return []
    source, paragraph, quote = (ctx.columns[f] for f in EVIDENCE_FIELDS)
    rows = ctx.present(list(EVIDENCE_FIELDS)) & isin(source, list(texts))
    rows &= fullmatch(paragraph, r"\d+")  # non-integers are reported by the type check
    paragraphs = {sid: split_paragraphs(text) for sid, text in texts.items()}
    problems = []
    index = np.flatnonzero(rows)
    picked = int_array(index)
    for row, sid, para, text in zip(
        index,
        source.take(picked).to_pylist(),
        paragraph.take(picked).to_pylist(),
        quote.take(picked).to_pylist(),
        strict=True,
    ):
        paras = paragraphs[sid]
        number = int(para)
        if 1 <= number <= len(paras) and text not in paras[number - 1]:
            problems.append(
                ctx.problem(int(row), "quote", "quote", _quote_message(text, number, paras))
            )
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
