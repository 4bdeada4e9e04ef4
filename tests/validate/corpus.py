"""A small valid package, built in a temporary directory, and the broken variants of the corpus.

Each broken case changes one thing and states the structured result the validator must give:
``(file, line, column, check)`` tuples. The package is written with its ``bytes`` and ``hash``
recomputed, so a case breaks exactly what it means to break.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE_TEXT = (
    "Review of things\n\n"
    "Pakistan and the Taliban signed a railway agreement in Kabul.\n\n"
    "The TTP remains the main source of tension between the two governments.\n"
)
SOURCE_SHA = hashlib.sha256(SOURCE_TEXT.encode()).hexdigest()


def _field(name: str, type_: str = "string", **constraints: Any) -> dict[str, Any]:
    extra = {k: constraints.pop(k) for k in list(constraints) if k.startswith("x-")}
    return {"name": name, "type": type_, "constraints": {"required": False, **constraints}, **extra}


ID = r"^{}-[a-z0-9]+(?:-[a-z0-9]+)*$"

SCHEMAS: dict[str, dict[str, Any]] = {
    "sources": {
        "fields": [
            _field("source_id", required=True, pattern=ID.format("src")),
            _field("title", required=True, maxLength=200),
            _field("file_name", maxLength=200),
            _field("sha256", pattern="^[0-9a-f]{64}$"),
            _field("paragraph_count", "integer", minimum=1),
        ],
        "primaryKey": ["source_id"],
    },
    "actors": {
        "fields": [
            _field("actor_id", required=True, pattern=ID.format("act")),
            _field("name", required=True, maxLength=40, unique=True),
            {
                **_field("kind", required=True, enum=["state", "group"]),
                "x-vocabulary": "actor_kind",
            },
            _field("part_of", pattern=ID.format("act")),
            _field("members", "integer", minimum=0),
        ],
        "primaryKey": ["actor_id"],
        "foreignKeys": [{"fields": ["part_of"], "reference": {"fields": ["actor_id"]}}],
    },
    "agreements": {
        "fields": [
            _field("agreement_id", required=True, pattern=ID.format("agr")),
            _field("title", required=True, maxLength=80, minLength=3),
            {
                **_field("status", required=True, enum=["signed", "agreed", "pledged"]),
                "x-vocabulary": "agreement_status",
            },
            _field("signed", "date", maximum="2030-12-31"),
            _field("confirmed", "boolean"),
            _field("source_id", required=True),
            _field("paragraph", "integer", required=True, minimum=1),
            {**_field("quote", required=True, maxLength=400), "x-maxWords": 40},
        ],
        "primaryKey": ["agreement_id"],
        "foreignKeys": [
            {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}}
        ],
    },
    "agreement_actors": {
        "fields": [
            _field("agreement_id", required=True),
            _field("actor_id", required=True),
        ],
        "primaryKey": ["agreement_id", "actor_id"],
        "foreignKeys": [
            {
                "fields": ["agreement_id"],
                "reference": {"resource": "agreements", "fields": ["agreement_id"]},
            },
            {"fields": ["actor_id"], "reference": {"resource": "actors", "fields": ["actor_id"]}},
        ],
    },
    "evidence": {
        "fields": [
            _field("evidence_id", required=True, pattern=ID.format("evi")),
            _field("record_id", required=True),
            _field("source_id", required=True),
            _field("paragraph", "integer", required=True, minimum=1),
            {**_field("quote", required=True, maxLength=400), "x-maxWords": 40},
        ],
        "primaryKey": ["evidence_id"],
        "foreignKeys": [
            {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}}
        ],
        "x-polymorphicReferences": [
            {"fields": ["record_id"], "resources": ["agreements", "actors"]}
        ],
    },
    "withdrawn": {
        "fields": [
            _field("record_id", required=True),
            _field("table", required=True),
            _field("withdrawn_in", required=True),
            _field("reason", required=True),
        ],
        "primaryKey": ["record_id"],
    },
}

CSVS: dict[str, str] = {
    "sources": (
        "source_id,title,file_name,sha256,paragraph_count\n"
        f"src-review,Review of things,review.txt,{SOURCE_SHA},3\n"
    ),
    "actors": (
        "actor_id,name,kind,part_of,members\n"
        "act-pakistan,Pakistan,state,,\n"
        "act-taliban,Taliban government,state,,\n"
        "act-ttp,Tehreek-e-Taliban Pakistan,group,,5000\n"
        "act-ttp-wing,TTP wing,group,act-ttp,\n"
    ),
    "agreements": (
        "agreement_id,title,status,signed,confirmed,source_id,paragraph,quote\n"
        "agr-railway,Railway feasibility study,signed,2025-07-17,true,src-review,2,"
        '"signed a railway agreement in Kabul"\n'
        "agr-ttp-talks,Talks on the TTP,pledged,,,src-review,3,main source of tension\n"
    ),
    "agreement_actors": (
        "agreement_id,actor_id\n"
        "agr-railway,act-pakistan\n"
        "agr-railway,act-taliban\n"
        "agr-ttp-talks,act-ttp\n"
    ),
    "evidence": (
        "evidence_id,record_id,source_id,paragraph,quote\n"
        "evi-1,agr-railway,src-review,2,Pakistan and the Taliban signed\n"
        "evi-2,act-ttp,src-review,3,The TTP remains\n"
    ),
}


def descriptor(csvs: dict[str, bytes]) -> dict[str, Any]:
    """The descriptor for ``csvs`` with inline schemas, bytes and sha256 hashes computed."""
    return {
        "name": "corpus",
        "version": "1.0.0",
        "resources": [
            {
                "name": name,
                "path": f"data/{name}.csv",
                "schema": copy.deepcopy(SCHEMAS[name]),
                "bytes": len(raw),
                "hash": "sha256:" + hashlib.sha256(raw).hexdigest(),
            }
            for name, raw in csvs.items()
        ],
    }


def write_package(
    root: Path,
    csvs: dict[str, bytes] | None = None,
    edit: Callable[[dict[str, Any]], None] | None = None,
    changelog: str | None = None,
) -> Path:
    """Write the package (optionally changed) under ``root``; return the descriptor's path."""
    csvs = csvs if csvs is not None else {k: v.encode() for k, v in CSVS.items()}
    (root / "data").mkdir(parents=True, exist_ok=True)
    for name, raw in csvs.items():
        (root / "data" / f"{name}.csv").write_bytes(raw)
    desc = descriptor(csvs)
    if edit is not None:
        edit(desc)
    (root / "datapackage.json").write_text(json.dumps(desc, indent=2) + "\n", encoding="utf-8")
    if changelog is not None:
        (root / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    return root / "datapackage.json"


def write_sources(root: Path) -> Path:
    """The directory of source texts for the evidence check."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "review.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    return root


def csv_with(name: str, old: str, new: str) -> dict[str, bytes]:
    """The corpus CSVs with one replacement in table ``name`` (which must change something)."""
    text = CSVS[name]
    assert old in text, (name, old)
    out = {k: v.encode() for k, v in CSVS.items()}
    out[name] = text.replace(old, new, 1).encode()
    return out


def raw_with(name: str, raw: bytes) -> dict[str, bytes]:
    """The corpus CSVs with table ``name`` replaced by ``raw``."""
    out = {k: v.encode() for k, v in CSVS.items()}
    out[name] = raw
    return out


def resource(desc: dict[str, Any], name: str) -> dict[str, Any]:
    """The resource called ``name`` in ``desc``."""
    return next(r for r in desc["resources"] if r["name"] == name)


@dataclass
class Case:
    """One broken package and the structured problems it must produce."""

    id: str
    expected: set[tuple[str, int | None, str | None, str]]
    csvs: dict[str, bytes] | None = None
    edit: Callable[[dict[str, Any]], None] | None = None
    changelog: str | None = None
    sources: bool = False
    frictionless_invalid: bool = True  # whether frictionless-py can see this problem at all


def _res(name: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit setting ``key`` of resource ``name`` to ``value`` (None deletes it)."""

    def edit(desc: dict[str, Any]) -> None:
        target = resource(desc, name)
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value

    return edit


def _field_edit(name: str, field: str, **changes: Any) -> Callable[[dict[str, Any]], None]:
    """An edit updating the constraints of ``field`` in resource ``name``."""

    def edit(desc: dict[str, Any]) -> None:
        spec = next(f for f in resource(desc, name)["schema"]["fields"] if f["name"] == field)
        spec["constraints"].update(changes)

    return edit


def _rule(name: str, kind: str, a: str, b: str) -> Callable[[dict[str, Any]], None]:
    """An edit adding an ``x-rules`` entry to the schema of resource ``name``."""

    def edit(desc: dict[str, Any]) -> None:
        rule = {"kind": kind, "fields": [a, b], "description": f"{a} and {b}: {kind}"}
        resource(desc, name)["schema"].setdefault("x-rules", []).append(rule)

    return edit


def _with_ended(desc: dict[str, Any]) -> None:
    """Agreements get a date field ``ended`` after ``signed`` and the rule signed <= ended."""
    resource(desc, "agreements")["schema"]["fields"].insert(4, _field("ended", "date"))
    _rule("agreements", "ordered", "signed", "ended")(desc)


def _ended_csvs(railway_ended: str) -> dict[str, bytes]:
    """The corpus CSVs with an ``ended`` column after ``signed`` in agreements."""
    out = {k: v.encode() for k, v in CSVS.items()}
    out["agreements"] = (
        CSVS["agreements"]
        .replace(",signed,confirmed,", ",signed,ended,confirmed,")
        .replace(",2025-07-17,true,", f",2025-07-17,{railway_ended},true,")
        .replace(",pledged,,,", ",pledged,,2026-01-01,,")
        .encode()
    )
    return out


def _with_withdrawn(old_id: str) -> dict[str, bytes]:
    """The corpus CSVs plus a withdrawn table listing ``old_id`` (withdrawn in 1.1.0)."""
    out = {k: v.encode() for k, v in CSVS.items()}
    out["withdrawn"] = (
        f"record_id,table,withdrawn_in,reason\n{old_id},agreements,1.1.0,Merged\n".encode()
    )
    return out


def _top(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(desc: dict[str, Any]) -> None:
        if value is None:
            desc.pop(key, None)
        else:
            desc[key] = value

    return edit


AG = "data/agreements.csv"
AC = "data/actors.csv"
AA = "data/agreement_actors.csv"
EV = "data/evidence.csv"
SR = "data/sources.csv"
DP = "datapackage.json"


def resource_line(name: str) -> int:
    """The line of resource ``name`` in the corpus descriptor (resource problems name it)."""
    text = json.dumps(descriptor({k: v.encode() for k, v in CSVS.items()}), indent=2)
    return text[: text.index(f'"name": "{name}"')].count("\n") + 1


ACTORS_LINE = resource_line("actors")
AGREEMENTS_LINE = resource_line("agreements")
LONG_QUOTE = " ".join(["word"] * 41)

BROKEN: list[Case] = [
    Case(
        "descriptor-not-json", {(DP, 3, None, "descriptor-unreadable")}, edit=lambda d: d.clear()
    ),  # replaced by raw text in the test helper
    Case(
        "descriptor-missing-version",
        {(DP, 1, None, "descriptor-property")},
        edit=_top("version", None),
        frictionless_invalid=False,
    ),
    Case(
        "version-not-semver",
        {(DP, 3, None, "version")},
        edit=_top("version", "1.0"),
        frictionless_invalid=False,
    ),
    Case(
        "no-resources",
        {(DP, 1, None, "descriptor-property")},
        edit=_top("resources", []),
        frictionless_invalid=False,
    ),
    Case(
        "path-absolute",
        {(DP, ACTORS_LINE, None, "resource-path")},
        edit=_res("actors", "path", "/etc/passwd"),
    ),
    Case(
        "path-dotdot",
        {(DP, ACTORS_LINE, None, "resource-path")},
        edit=_res("actors", "path", "../outside.csv"),
    ),
    Case(
        "schema-missing",
        {(DP, ACTORS_LINE, None, "schema")},
        edit=_res("actors", "schema", None),
        frictionless_invalid=False,
    ),
    Case(
        "schema-file-missing",
        {(DP, ACTORS_LINE, None, "schema")},
        edit=_res("actors", "schema", "schemas/actors.schema.json"),
    ),
    Case(
        "schema-bad-type",
        {(DP, ACTORS_LINE, "members", "schema")},
        edit=lambda d: resource(d, "actors")["schema"]["fields"][4].update(type="integr"),
    ),
    Case("bytes-mismatch", {(AC, None, None, "bytes")}, edit=_res("actors", "bytes", 1)),
    Case(
        "hash-mismatch",
        {(AC, None, None, "hash")},
        edit=_res("actors", "hash", "sha256:" + "0" * 64),
    ),
    Case(
        "file-missing",
        {("data/nope.csv", None, None, "file-missing")},
        edit=_res("actors", "path", "data/nope.csv"),
    ),
    Case("file-empty", {(AA, None, None, "file-empty")}, csvs=raw_with("agreement_actors", b"")),
    Case(
        "not-utf8",
        {(AC, 3, None, "encoding")},
        csvs=raw_with(
            "actors",
            CSVS["actors"].encode().replace(b"Taliban government", b"Taliban gov\xe9rnment"),
        ),
        frictionless_invalid=False,
    ),
    Case(
        "bom",
        {(AC, 1, None, "bom")},
        csvs=raw_with("actors", b"\xef\xbb\xbf" + CSVS["actors"].encode()),
        frictionless_invalid=False,
    ),
    Case(
        "missing-column",
        {(AA, 1, "actor_id", "missing-column")},
        csvs=raw_with("agreement_actors", b"agreement_id\nagr-railway\n"),
    ),
    Case(
        "extra-column",
        {(AA, 1, "note", "extra-column")},
        csvs=raw_with(
            "agreement_actors", b"agreement_id,actor_id,note\nagr-railway,act-pakistan,x\n"
        ),
    ),
    Case(
        "duplicate-column",
        {(AA, 1, "actor_id", "duplicate-column")},
        csvs=raw_with(
            "agreement_actors", b"agreement_id,actor_id,actor_id\nagr-railway,act-pakistan,act-x\n"
        ),
    ),
    Case(
        "misnamed-column",
        {(AC, 1, "kind", "misnamed-column")},
        csvs=csv_with("actors", "name,kind,", "name,knd,"),
    ),
    Case(
        "column-order",
        {(AA, 1, None, "column-order")},
        csvs=raw_with("agreement_actors", b"actor_id,agreement_id\nact-pakistan,agr-railway\n"),
    ),
    Case(
        "extra-cells",
        {(AC, 5, None, "extra-cells")},
        csvs=csv_with(
            "actors",
            "act-ttp-wing,TTP wing,group,act-ttp,",
            "act-ttp-wing,TTP wing,group,act-ttp,,x",
        ),
    ),
    Case(
        "missing-cells",
        {(AC, 5, None, "missing-cells")},
        csvs=csv_with("actors", "act-ttp-wing,TTP wing,group,act-ttp,", "act-ttp-wing,TTP wing"),
    ),
    Case(
        "blank-row",
        {(AC, 5, None, "blank-row")},
        csvs=csv_with("actors", "act-ttp-wing,TTP wing,group,act-ttp,", ",,,,"),
    ),
    Case("type-integer", {(AC, 4, "members", "type")}, csvs=csv_with("actors", "5000", "5k")),
    Case(
        "type-date",
        {(AG, 2, "signed", "type")},
        csvs=csv_with("agreements", "2025-07-17", "2025-02-30"),
    ),
    Case(
        "type-boolean",
        {(AG, 2, "confirmed", "type")},
        csvs=csv_with("agreements", ",true,", ",yes,"),
    ),
    Case(
        "required",
        {(AC, 2, "name", "required")},
        csvs=csv_with("actors", "act-pakistan,Pakistan,", "act-pakistan,,"),
    ),
    Case(
        "enum",
        {(AG, 2, "status", "enum")},
        csvs=csv_with("agreements", "study,signed,", "study,signd,"),
    ),
    Case(
        "pattern",
        {(AC, 5, "actor_id", "pattern")},
        csvs=csv_with("actors", "act-ttp-wing,TTP", "Act_TTP_wing,TTP"),
    ),
    Case(
        "min-length",
        {(AG, 3, "title", "min-length")},
        csvs=csv_with("agreements", "Talks on the TTP", "TT"),
    ),
    Case(  # the unclosed quote's record reads to the end of the file: both are said
        "csv-unclosed-quote",
        {(AC, 5, None, "csv-syntax"), (AC, 5, None, "missing-cells")},
        csvs=csv_with("actors", "act-ttp-wing,TTP wing", 'act-ttp-wing,"TTP wing'),
    ),
    Case(  # a paragraph number too large for any count is reported, not an internal error
        "paragraph-huge",
        {(AG, 2, "paragraph", "paragraph")},
        csvs=csv_with("agreements", "src-review,2,", "src-review," + "9" * 5000 + ","),
        frictionless_invalid=False,
    ),
    Case(  # any cell size is read (none stops the file), then reported over the limit
        "cell-size",
        {(AC, 3, "name", "cell-size"), (AC, 4, "kind", "enum")},
        csvs=csv_with(
            "actors",
            "Taliban government,state,,\nact-ttp,Tehreek-e-Taliban Pakistan,group",
            "Taliban " + "x" * 200_000 + ",state,,\nact-ttp,Tehreek-e-Taliban Pakistan,gang",
        ),
    ),
    Case(
        "max-length",
        {(AC, 3, "name", "max-length")},
        csvs=csv_with("actors", "Taliban government", "Taliban government " + "x" * 40),
    ),
    Case(
        "minimum",
        {(AG, 3, "paragraph", "minimum")},
        csvs=csv_with("agreements", "src-review,3,", "src-review,0,"),
    ),
    Case(
        "maximum",
        {(AG, 2, "signed", "maximum")},
        csvs=csv_with("agreements", "2025-07-17", "2031-01-01"),
    ),
    Case(
        "whitespace",
        {(AC, 2, "name", "whitespace")},
        csvs=csv_with("actors", ",Pakistan,", ", Pakistan,"),
        frictionless_invalid=False,
    ),
    Case(
        "formula",
        {(AG, 3, "title", "formula")},
        csvs=csv_with("agreements", "Talks on the TTP", "=HYPERLINK(1)"),
        frictionless_invalid=False,
    ),
    Case(
        "max-words",
        {(AG, 3, "quote", "max-words")},
        csvs=csv_with("agreements", "main source of tension", LONG_QUOTE),
        frictionless_invalid=False,
    ),
    Case(
        "primary-key",
        {(AC, 5, "actor_id", "primary-key")},
        csvs=csv_with("actors", "act-ttp-wing,TTP wing", "act-ttp,TTP wing"),
    ),
    Case(
        "composite-primary-key",
        {(AA, 4, "agreement_id, actor_id", "primary-key")},
        csvs=csv_with("agreement_actors", "agr-ttp-talks,act-ttp", "agr-railway,act-taliban"),
    ),
    Case("unique", {(AC, 5, "name", "unique")}, csvs=csv_with("actors", "TTP wing", "Pakistan")),
    Case(
        "foreign-key",
        {(AG, 2, "source_id", "foreign-key")},
        csvs=csv_with("agreements", "true,src-review", "true,src-other"),
    ),
    Case(
        "foreign-key-link-table",
        {(AA, 4, "actor_id", "foreign-key")},
        csvs=csv_with("agreement_actors", "agr-ttp-talks,act-ttp", "agr-ttp-talks,act-nobody"),
    ),
    Case(
        "foreign-key-self",
        {(AC, 5, "part_of", "foreign-key")},
        csvs=csv_with("actors", ",act-ttp,", ",act-ttx,"),
    ),
    Case(
        "polymorphic-no-table",
        {(EV, 2, "record_id", "polymorphic-key")},
        csvs=csv_with("evidence", "evi-1,agr-railway", "evi-1,xyz-railway"),
        frictionless_invalid=False,
    ),
    Case(
        "polymorphic-no-row",
        {(EV, 3, "record_id", "polymorphic-key")},
        csvs=csv_with("evidence", "evi-2,act-ttp", "evi-2,act-nobody"),
        frictionless_invalid=False,
    ),
    Case(
        "quote-not-verbatim",
        {(EV, 3, "quote", "quote")},
        csvs=csv_with("evidence", "The TTP remains", "The TTP stays"),
        sources=True,
        frictionless_invalid=False,
    ),
    Case(
        "quote-wrong-paragraph",
        {(AG, 3, "quote", "quote")},
        csvs=csv_with("agreements", "src-review,3,main", "src-review,2,main"),
        sources=True,
        frictionless_invalid=False,
    ),
    Case(
        "paragraph-missing",
        {(EV, 3, "paragraph", "paragraph")},
        csvs=csv_with("evidence", "src-review,3,The", "src-review,9,The"),
        sources=True,
        frictionless_invalid=False,
    ),
    Case(
        "source-text-hash",
        {(SR, 2, "sha256", "source-text")},
        csvs=csv_with("sources", SOURCE_SHA, "a" * 64),
        sources=True,
        frictionless_invalid=False,
    ),
    Case(
        "rule-paired",
        {(AG, 2, "signed", "rule")},
        csvs=csv_with("agreements", "2025-07-17,true,", "2025-07-17,,"),
        edit=_rule("agreements", "paired", "signed", "confirmed"),
        frictionless_invalid=False,
    ),
    Case(
        "rule-ordered-dates",
        {(AG, 2, "signed", "rule")},
        csvs=_ended_csvs("2025-07-01"),
        edit=_with_ended,
        frictionless_invalid=False,
    ),
    Case(
        "rule-unknown-when-empty",
        {(AG, 3, "signed", "rule")},
        edit=_rule("agreements", "unknown_when_empty", "signed", "status"),
        frictionless_invalid=False,
    ),
    Case(
        "rule-unknown-kind",
        {(DP, AGREEMENTS_LINE, None, "schema")},
        edit=_rule("agreements", "before", "signed", "confirmed"),
        frictionless_invalid=False,
    ),
    Case(
        "paragraph-beyond-count",
        {(EV, 3, "paragraph", "paragraph")},
        csvs=csv_with("evidence", "src-review,3,The", "src-review,4,The"),
        frictionless_invalid=False,
    ),
    Case(
        "source-text-paragraph-count",
        {(SR, 2, "paragraph_count", "source-text")},
        csvs=csv_with("sources", f"{SOURCE_SHA},3", f"{SOURCE_SHA},4"),
        sources=True,
        frictionless_invalid=False,
    ),
    Case(
        "withdrawn-id",
        {(AG, 3, "agreement_id", "withdrawn-id")},
        csvs=_with_withdrawn("agr-ttp-talks"),
        frictionless_invalid=False,
    ),
    Case(
        "changelog",
        {("CHANGELOG.md", 3, None, "changelog")},
        changelog="# Changelog\n\n## [0.9.0] - 2026-01-01\n",
        frictionless_invalid=False,
    ),
    Case(
        "quoted-newline-line-numbers",
        {(AC, 5, "members", "type")},
        csvs=raw_with(
            "actors",
            CSVS["actors"]
            .replace("Taliban government", '"Taliban\ngovernment"')
            .replace("5000", "5k")
            .encode(),
        ),
    ),
]

BROKEN_RAW_DESCRIPTOR = {"descriptor-not-json": b'{"name": "corpus",\n  "resources": [\n'}
