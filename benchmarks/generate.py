"""Generate synthetic afpak-data packages of any size from the REAL Table Schemas.

Why: the benchmark must measure the validator and the loader on the package's own schemas (the
same patterns, vocabularies, keys and ``x-rules``), at sizes the real dataset will only reach in
years. Every value is derived from the schema read through the descriptor, so a schema change is
picked up without touching this file; a field this generator cannot fill raises an error rather
than writing something invalid.

Rows are distributed over the tables by fixed weights (``agreements`` is the largest table, so a
corrupted date, vocabulary value or key lands in one table that has all three); link tables and
foreign keys stay valid because children pick their keys from the parents generated first. The
output is deterministic for a seed. ``--corrupt date|enum|key`` writes ONE bad value in the
largest table and prints where it is.

    python benchmarks/generate.py OUT_DIR --rows 10000 100000 1000000 [--seed 1] [--corrupt date]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from afpak_data._descriptor import Field, Package, Resource, read_package  # noqa: E402

#: Share of the rows each table gets (the rest of the tables get a fixed small number).
WEIGHTS = {
    "agreements": 0.24,
    "agreement_actors": 0.16,
    "actors": 0.05,
    "actor_names": 0.08,
    "drivers": 0.08,
    "driver_actors": 0.10,
    "motivations": 0.05,
    "motivation_actors": 0.07,
    "risks": 0.04,
    "risk_actors": 0.06,
    "evidence": 0.07,
}
FIXED = {"sources": 5, "withdrawn": 5}
LARGEST = "agreements"
PARAGRAPHS = 30
CORRUPTIONS = {
    # kind: (field of the largest table, bad value, check the validator must report)
    "date": ("date", "2025-13-45", "type"),
    "enum": ("status", "signd", "enum"),
    "key": ("source_id", "src-not-a-source", "foreign-key"),
}
WORDS = np.array(
    [
        "border",
        "trade",
        "talks",
        "railway",
        "security",
        "refugees",
        "pledge",
        "visit",
        "envoy",
        "corridor",
        "agreement",
        "ministers",
        "dialogue",
        "transit",
        "water",
        "customs",
    ]
)


@dataclass
class Corruption:
    """Where the one bad value was written: file, editor line, column and the expected check."""

    file: str
    line: int
    column: str
    check: str


def id_prefix(field: Field) -> str | None:
    """The literal prefix an ID pattern demands (``^agr-...`` gives ``agr``), if it has one."""
    match = re.match(r"\^([a-z]+)-", field.pattern or "")
    return match.group(1) if match else None


def split_rows(total: int, names: list[str]) -> dict[str, int]:
    """Rows per table: the fixed tables' counts, the rest by weight (at least 2 each)."""
    rest = max(total - sum(FIXED.get(n, 0) for n in names if n in FIXED), 0)
    counts = {
        n: FIXED[n] if n in FIXED else max(2, int(rest * WEIGHTS.get(n, 0.01))) for n in names
    }
    counts[LARGEST] += total - sum(counts.values())
    return counts


def words(rng: np.random.Generator, n: int, count: int, limit: int) -> pd.Series:
    """``n`` short texts of ``count`` words each, cut to ``limit`` characters (no formula start)."""
    picks = WORDS[rng.integers(0, len(WORDS), size=(n, count))]
    text = pd.Series(picks[:, 0], dtype=object)
    for i in range(1, count):
        text = text + " " + picks[:, i]
    text = ("Synthetic " + text).str.slice(0, limit).str.rstrip()
    return text


def numbered(prefix: str, n: int, start: int = 0) -> pd.Series:
    """``prefix0``, ``prefix1``, ... as a text column."""
    return prefix + pd.Series(np.arange(start, start + n)).astype(str)


class Generator:
    """Fills the tables of one package, parents before children, from the schemas."""

    def __init__(self, package: Package, total: int, seed: int) -> None:
        self.package = package
        self.rng = np.random.default_rng(seed)
        self.counts = split_rows(total, list(package.names))
        self.frames: dict[str, pd.DataFrame] = {}

    def order(self) -> list[Resource]:
        """Resources with every referenced table before the tables referring to it."""
        done: list[Resource] = []
        pending = list(self.package.resources)
        while pending:
            for res in pending:
                needs = {fk.resource for fk in res.schema.foreign_keys if fk.resource}
                needs |= {t for ref in res.schema.polymorphic_references for t in ref.resources}
                if needs <= {d.name for d in done}:
                    done.append(res)
                    pending.remove(res)
                    break
            else:
                raise RuntimeError(f"cyclic references among {[r.name for r in pending]}")
        return done

    def run(self) -> dict[str, pd.DataFrame]:
        """Every table as a frame of text columns (missing values as "")."""
        for res in self.order():
            self.frames[res.name] = self.table(res)
        return self.frames

    def table(self, res: Resource) -> pd.DataFrame:
        """One table: keys first-class (unique, referring to existing rows), then the rules."""
        n = self.counts[res.name]
        schema = res.schema
        refs = {fk.fields[0]: fk for fk in schema.foreign_keys if len(fk.fields) == 1}
        pk = list(schema.primary_key)
        cols = {spec.name: self.column(res, spec, n, refs) for spec in schema.fields}
        if len(pk) > 1:
            cols.update(self.composite_key(res, n, refs))
        frame = pd.DataFrame(cols)
        self.apply_rules(res, frame)
        return frame

    def composite_key(self, res: Resource, n: int, refs: dict) -> dict[str, pd.Series]:
        """A unique composite key as a mixed-radix count over its parts' possible values.

        Foreign-key parts walk the parent's keys (the first varies fastest, so every parent gets
        children), vocabulary parts walk the vocabulary, and a free text part makes rows unique.
        """
        index = np.arange(n)
        out: dict[str, pd.Series] = {}
        free = False
        for name in res.schema.primary_key:
            spec = res.schema.field(name)
            fk = refs.get(name)
            if fk is not None and fk.resource:
                pool = self.frames[fk.resource][fk.reference_fields[0]].to_numpy()
            elif spec.enum is not None:
                pool = np.array([str(v) for v in spec.enum])
            else:
                out[name] = self.value(res, spec, n) + " " + numbered("n", n)
                free = True
                continue
            out[name] = pd.Series(pool[index % len(pool)])
            index = index // len(pool)
        if not free and index.any():
            raise ValueError(f"{res.name}: {n} rows is more than its parents allow unique keys")
        return out

    def column(self, res: Resource, spec: Field, n: int, refs: dict) -> pd.Series:
        """The values of one field (key parts of a composite key are replaced afterwards)."""
        rng = self.rng
        name = spec.name
        fk = refs.get(name)
        pk = res.schema.primary_key
        if res.name == "withdrawn" and name == "record_id":
            return numbered("agr-withdrawn-", n)
        if fk is not None and fk.resource is None:  # self-reference (actors.part_of)
            parents = numbered(f"{id_prefix(spec)}-r", n).shift(1).fillna("")
            return parents.where(rng.random(n) < 0.2, "")
        if fk is not None:
            target = self.frames[fk.resource][fk.reference_fields[0]].to_numpy()
            return pd.Series(target[rng.integers(0, len(target), n)])
        poly = [r for r in res.schema.polymorphic_references if name in r.fields]
        if poly:
            pool = np.concatenate(
                [
                    self.frames[t][self.package.resource(t).schema.primary_key[0]].to_numpy()
                    for t in poly[0].resources
                ]
            )
            return pd.Series(pool[rng.integers(0, len(pool), n)])
        if pk == (name,):
            prefix = id_prefix(spec)
            if prefix is None:
                raise ValueError(f"{res.name}.{name}: a key needs an ID pattern with a prefix")
            return numbered(f"{prefix}-r", n)
        values = self.value(res, spec, n)
        if not spec.required and name not in pk:
            values = values.where(rng.random(n) < 0.7, "")
        return values

    def value(self, res: Resource, spec: Field, n: int) -> pd.Series:
        rng = self.rng
        name, kind = spec.name, spec.type
        if spec.enum is not None:
            options = np.array([str(v) for v in spec.enum])
            return pd.Series(options[rng.integers(0, len(options), n)])
        if name == "paragraph":
            return pd.Series(rng.integers(1, PARAGRAPHS + 1, n)).astype(str)
        if name == "paragraph_count":
            return pd.Series([str(PARAGRAPHS)] * n)
        if name == "sha256":
            return pd.Series([hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)])
        if name == "file_name":
            return numbered("source-", n) + ".txt"
        if name == "language":
            return pd.Series(["en"] * n)
        if name == "withdrawn_in":
            return pd.Series(["1.0.0"] * n)
        if kind == "date":
            days = rng.integers(0, 6 * 365, n)
            stamp = pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D")
            return pd.Series(stamp.strftime("%Y-%m-%d"))
        if kind == "year":
            return pd.Series(rng.integers(2000, 2026, n)).astype(str)
        if kind in ("integer", "number"):
            low = int(spec.minimum) if spec.minimum is not None else 0
            return pd.Series(rng.integers(low, low + 1000, n)).astype(str)
        if kind == "string" and spec.pattern == "^[A-Z]{3}$":  # ISO 3166-1 alpha-3 codes
            letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            picks = letters[rng.integers(0, 26, (n, 3))]
            return pd.Series(["".join(p) for p in picks])
        if kind == "string" and spec.pattern is None:
            limit = spec.max_length or 200
            count = max(1, min(spec.max_words or 12, limit // 30))
            return words(rng, n, count, limit)
        raise ValueError(f"{res.name}.{name}: no generator for {kind} with pattern {spec.pattern}")

    def apply_rules(self, res: Resource, frame: pd.DataFrame) -> None:
        """Make every row obey the table's ``x-rules`` (docs/architecture.md)."""
        n = len(frame)
        for rule in res.schema.rules:
            a, b = rule.fields
            if rule.kind == "paired":
                both = (frame[a] != "") & (frame[b] != "")
                frame.loc[~both, [a, b]] = ""
            elif rule.kind == "ordered":
                both = (frame[a] != "") & (frame[b] != "")
                low = frame[[a, b]].where(both, "").min(axis=1)
                high = frame[[a, b]].where(both, "").max(axis=1)
                frame.loc[both, a] = low[both]  # years and ISO dates sort as text
                frame.loc[both, b] = high[both]
            elif rule.kind in ("unknown_when_empty", "empty_when"):
                filled = self.rng.random(n) < 0.8
                field = res.schema.field(b)
                known = [str(v) for v in field.enum or () if v != rule.value]
                frame[b] = np.where(
                    filled, np.array(known)[self.rng.integers(0, len(known), n)], rule.value
                )
                if (frame[a] == "").any():
                    frame.loc[frame[a] == "", a] = self.value(res, res.schema.field(a), n)[
                        frame[a] == ""
                    ]
                frame.loc[~filled, a] = ""
            else:
                raise ValueError(f"{res.name}: unknown x-rules kind {rule.kind!r}")


def corrupt(frames: dict[str, pd.DataFrame], kind: str, seed: int) -> Corruption:
    """Write one bad value of ``kind`` into a filled cell of the largest table."""
    column, bad, check = CORRUPTIONS[kind]
    frame = frames[LARGEST]
    candidates = np.flatnonzero((frame[column] != "").to_numpy())
    row = int(
        candidates[np.random.default_rng(seed).integers(len(candidates) // 2, len(candidates))]
    )
    frame.loc[row, column] = bad
    return Corruption(f"data/{LARGEST}.csv", row + 2, column, check)


def write(package: Package, frames: dict[str, pd.DataFrame], out: Path) -> None:
    """Write CSVs, copy the schemas, and write datapackage.json with each file's bytes and hash."""
    if out.exists():
        shutil.rmtree(out)
    (out / "data").mkdir(parents=True)
    shutil.copytree(package.root / "schemas", out / "schemas")
    descriptor = json.loads(package.descriptor_file.read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        file = out / res["path"]
        frames[res["name"]].to_csv(file, index=False, lineterminator="\n")
        raw = file.read_bytes()
        res["bytes"] = len(raw)
        res["hash"] = "sha256:" + hashlib.sha256(raw).hexdigest()
    text = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    (out / "datapackage.json").write_text(text, encoding="utf-8")


def generate(
    out: Path, rows: int, seed: int = 1, corruption: str | None = None, source: Path = REPO
) -> Corruption | None:
    """Generate one package of about ``rows`` rows under ``out``; return where a corruption went."""
    package = read_package(source)
    frames = Generator(package, rows, seed).run()
    where = corrupt(frames, corruption, seed) if corruption else None
    write(package, frames, out)
    return where


def main(argv: list[str] | None = None) -> None:
    """Command line: one package per size under OUT_DIR/rows-<n>[-<corruption>]."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="directory to write the packages under")
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000], help="total rows")
    parser.add_argument("--seed", type=int, default=1, help="random seed (output is deterministic)")
    parser.add_argument("--corrupt", choices=sorted(CORRUPTIONS), help="write one bad value")
    args = parser.parse_args(argv)
    for rows in args.rows:
        target = args.out / (f"rows-{rows}" + (f"-{args.corrupt}" if args.corrupt else ""))
        where = generate(target, rows, args.seed, args.corrupt)
        message = f"{target}: {rows} rows"
        if where is not None:
            message += f"; bad {where.column} at {where.file}:{where.line} (expect {where.check})"
        print(message)


if __name__ == "__main__":
    main()
