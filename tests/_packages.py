"""Small hand-made data packages for tests: every field type, enum, keys of every kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def field(name: str, type_: str = "string", required: bool = False, **constraints: Any) -> dict:
    """A Table Schema field with explicit ``required``, as our conventions demand."""
    extra = {k: constraints.pop(k) for k in list(constraints) if k.startswith("x_")}
    spec: dict[str, Any] = {
        "name": name,
        "type": type_,
        "description": f"The {name}.",
        "constraints": {"required": required, **constraints},
    }
    spec.update({k.replace("x_", "x-", 1): v for k, v in extra.items()})
    return spec


ACTORS = {
    "fields": [
        field("actor_id", required=True, pattern="^act-[a-z0-9]+$", unique=True),
        field("name", required=True, maxLength=20),
        field("kind", required=True, enum=["state", "group", "person"], x_vocabulary="kind"),
        field("part_of", pattern="^act-[a-z0-9]+$"),
    ],
    "primaryKey": ["actor_id"],
    "foreignKeys": [{"fields": ["part_of"], "reference": {"fields": ["actor_id"]}}],
    "missingValues": [""],
}
ACTORS_CSV = (
    "actor_id,name,kind,part_of\n"
    "act-pak,Pakistan,state,\n"
    "act-isi,NA,group,act-pak\n"
    "act-x,null,person,\n"
)

AGREEMENTS = {
    "fields": [
        field("agreement_id", required=True, pattern="^agr-[a-z0-9]+$"),
        field("title", required=True, maxLength=40),
        field("date", "date"),
        field("date_precision", required=True, enum=["day", "month", "unknown"]),
        field("status", required=True, enum=["signed", "pledged"]),
        field("binding", "boolean"),
        field("parties", "integer", minimum=1),
        field("value_musd", "number"),
        field("year", "year"),
    ],
    "primaryKey": ["agreement_id"],
    "missingValues": [""],
    "x-rules": [
        {
            "kind": "unknown_when_empty",
            "fields": ["date", "date_precision"],
            "description": "date is empty exactly when date_precision is unknown.",
        },
        {"kind": "paired", "fields": ["binding", "parties"], "description": "both or neither"},
        {"kind": "ordered", "fields": ["parties", "year"], "description": "parties <= year"},
    ],
}
AGREEMENTS_CSV = (
    "agreement_id,title,date,date_precision,status,binding,parties,value_musd,year\n"
    "agr-rail,Railway study,2025-07-17,day,signed,true,3,1.5,2025\n"
    "agr-trade,Trade pledge,,unknown,pledged,,,,\n"
)

AGREEMENT_ACTORS = {
    "fields": [
        field("agreement_id", required=True, pattern="^agr-[a-z0-9]+$"),
        field("actor_id", required=True, pattern="^act-[a-z0-9]+$"),
        field("role", required=True, enum=["party", "witness"]),
    ],
    "primaryKey": ["agreement_id", "actor_id"],
    "foreignKeys": [
        {
            "fields": ["agreement_id"],
            "reference": {"resource": "agreements", "fields": ["agreement_id"]},
        },
        {"fields": ["actor_id"], "reference": {"resource": "actors", "fields": ["actor_id"]}},
    ],
    "missingValues": [""],
}
AGREEMENT_ACTORS_CSV = (
    "agreement_id,actor_id,role\nagr-rail,act-pak,party\nagr-rail,act-isi,witness\n"
)

EVIDENCE = {
    "fields": [
        field("evidence_id", "integer", required=True, minimum=1),
        field("record_id", required=True),
        field("quote", required=True, maxLength=300, x_maxWords=5),
    ],
    "primaryKey": ["evidence_id"],
    "x-polymorphicReferences": [{"fields": ["record_id"], "resources": ["agreements", "actors"]}],
    "missingValues": [""],
}
EVIDENCE_CSV = (
    'evidence_id,record_id,quote\n1,agr-rail,"signed in Kabul, July"\n2,act-pak,Pakistan said\n'
)

TABLES = {
    "actors": (ACTORS, ACTORS_CSV),
    "agreements": (AGREEMENTS, AGREEMENTS_CSV),
    "agreement_actors": (AGREEMENT_ACTORS, AGREEMENT_ACTORS_CSV),
    "evidence": (EVIDENCE, EVIDENCE_CSV),
}


def write_package(
    root: Path,
    tables: dict[str, tuple[dict, str]] | None = None,
    *,
    inline_schema: bool = False,
    **properties: Any,
) -> Path:
    """Write a package under ``root`` (schemas as files unless ``inline_schema``); return root."""
    tables = TABLES if tables is None else tables
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "schemas").mkdir(exist_ok=True)
    resources = []
    for name, (schema, text) in tables.items():
        (root / "data" / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
        schema_ref: Any = schema
        if not inline_schema:
            schema_ref = f"schemas/{name}.schema.json"
            (root / schema_ref).write_text(json.dumps(schema, indent=2), encoding="utf-8")
        resources.append(
            {
                "name": name,
                "type": "table",
                "path": f"data/{name}.csv",
                "scheme": "file",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema_ref,
            }
        )
    descriptor = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "mini",
        "title": "Mini package",
        "version": "0.1.0",
        "created": "2025-01-02T00:00:00Z",
        "contributors": [{"title": "Test Team", "roles": ["creator"]}],
        "licenses": [{"name": "CC-BY-4.0"}],
        **properties,
        "resources": resources,
    }
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    return root


def replace_csv(root: Path, table: str, text: str) -> None:
    """Overwrite one table's CSV (to break a package on purpose)."""
    (root / "data" / f"{table}.csv").write_text(text, encoding="utf-8", newline="")
