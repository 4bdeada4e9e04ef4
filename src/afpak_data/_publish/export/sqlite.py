"""SQLite export: one table per resource with the Table Schema's keys declared, plus helpful views.

Keys are declared so SQL users join on them, ``.schema`` shows the model and ``PRAGMA foreign_keys``
protects edits; required is ``NOT NULL``, a vocabulary a ``CHECK``, a date ``YYYY-MM-DD`` text; a
dangling key fails the export. ``_package``, ``_codebook`` and ``metadata.json`` (``datasette -m``)
say what each column means.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afpak_data._publish.citation import items
from afpak_data._publish.export import ExportError, dump, enum_json, rows

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._model.descriptor import Package, Resource

#: Column type by field type: dates are ``YYYY-MM-DD`` text, booleans 0 or 1.
SQL_TYPES = {"string": "TEXT", "date": "TEXT", "number": "REAL"}
SQL_TYPES |= dict.fromkeys(("integer", "year", "boolean"), "INTEGER")
#: The CHECK of a column without a vocabulary, by type (``{0}``: the quoted column name).
CHECKS = {"boolean": "CHECK ({0} IN (0, 1))", "date": "CHECK ({0} IS date({0}))"}


def write(package: Package, frames: dict[str, pd.DataFrame], staging: Path) -> None:
    path = staging / f"{package.name or 'datapackage'}.sqlite"
    connection = sqlite3.connect(path)
    try:
        with connection:
            for resource in package.resources:
                connection.execute(create_table(resource))
                body = rows(frames[resource.name], resource.schema, iso_dates=True)
                insert(connection, resource.name, len(resource.schema.fields), body)
            write_metadata(connection, package)
            for view in views(package):
                connection.execute(view)
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            table, rowid, parent, _ = problems[0]
            raise ExportError(
                f"{len(problems)} foreign key violation(s), first: table {table!r} row {rowid} "
                f"refers to a missing row of {parent!r} (run `afpak-data validate`)"
            )
    finally:
        connection.close()
    (staging / "metadata.json").write_bytes(dump(datasette_metadata(package, path.stem)))


def datasette_metadata(package: Package, database: str) -> dict[str, Any]:
    descriptor = package.descriptor
    licences, sources = items(descriptor, "licenses"), items(descriptor, "sources")
    meta: dict[str, Any] = {
        "title": package.title or package.name,
        "description": f"{descriptor.get('description', '')} Data version {package.version}.",
    }
    if licences:
        meta["license"] = str(licences[0].get("name", ""))
        if licences[0].get("path"):
            meta["license_url"] = str(licences[0]["path"])
    if sources:
        meta["source"] = "; ".join(str(s.get("title", "")) for s in sources)
    homepage = descriptor.get("homepage")
    if isinstance(homepage, str) and homepage:
        meta["source_url"] = homepage
        meta["about"], meta["about_url"] = f"{package.name} {package.version}", homepage
    tables: dict[str, Any] = {
        resource.name: {
            "title": resource.title or resource.name,
            "description": resource.description,
            "columns": {
                f.name: f.description
                + (f" One of: {', '.join(str(v) for v in f.enum)}." if f.enum is not None else "")
                for f in resource.schema.fields
            },
        }
        for resource in package.resources
    }
    tables["_package"] = {"description": "The descriptor's properties (datapackage.json)."}
    tables["_codebook"] = {"description": "Every field of every table: type, vocabulary, meaning."}
    return {**meta, "databases": {database: {"tables": tables}}}


def quote(name: str) -> str:
    """An SQL identifier, double-quoted (so names like ``table`` or ``date`` are safe)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """An SQL literal for a CHECK constraint (vocabulary values are text or numbers)."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def create_table(resource: Resource) -> str:
    """``CREATE TABLE`` with typed and checked columns and every key the schema declares."""
    schema = resource.schema
    lines = []
    for field in schema.fields:
        name = quote(field.name)
        check = CHECKS.get(field.type, "").format(name)
        if field.enum is not None:
            check = f"CHECK ({name} IN ({', '.join(literal(v) for v in field.enum)}))"
        required = "NOT NULL" if field.required else ""
        parts = [name, SQL_TYPES.get(field.type, "TEXT"), required, check]
        lines.append(" ".join(part for part in parts if part))
    if schema.primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(map(quote, schema.primary_key))})")
    lines.extend(
        f"UNIQUE ({', '.join(map(quote, unique))})"
        for unique in schema.unique_keys
        if tuple(unique) != tuple(schema.primary_key)
    )
    for key in schema.foreign_keys:
        target = key.resource or resource.name  # no resource: a self-reference
        lines.append(
            f"FOREIGN KEY ({', '.join(map(quote, key.fields))}) "
            f"REFERENCES {quote(target)} ({', '.join(map(quote, key.reference_fields))})"
        )
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {quote(resource.name)} (\n  {body}\n)"


def insert(connection: sqlite3.Connection, table: str, width: int, body: Iterable[Any]) -> None:
    connection.executemany(f"INSERT INTO {quote(table)} VALUES ({', '.join('?' * width)})", body)


def write_metadata(connection: sqlite3.Connection, package: Package) -> None:
    """``_package`` (key, value JSON) and ``_codebook`` (table, field, type, ..., description)."""
    connection.execute('CREATE TABLE "_package" (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
    properties = package.descriptor.items()
    values = [(k, json.dumps(v, ensure_ascii=False)) for k, v in properties if k != "resources"]
    insert(connection, "_package", 2, values)
    connection.execute(
        'CREATE TABLE "_codebook" (table_name TEXT NOT NULL, field_name TEXT NOT NULL, '
        "position INTEGER NOT NULL, type TEXT NOT NULL, required INTEGER NOT NULL, "
        "vocabulary TEXT, allowed_values TEXT, description TEXT, "
        "PRIMARY KEY (table_name, field_name))"
    )
    codebook = [
        (r.name, f.name, i, f.type, int(f.required), f.vocabulary, enum_json(f), f.description)
        for r in package.resources
        for i, f in enumerate(r.schema.fields, start=1)
    ]
    insert(connection, "_codebook", 8, codebook)


def views(package: Package) -> list[str]:
    """``CREATE VIEW`` statements for the views this package has the tables for."""
    fields = {r.name: set(r.schema.field_names) for r in package.resources}
    named = {name for name, columns in fields.items() if "name" in columns}
    links: list[tuple[str, str]] = []  # (record table, its link table's part of record_actors)
    for link_table, (parent_field, target) in package.link_parents().items():
        keys, columns = package.resource(link_table).schema.foreign_keys, fields[link_table]
        to_actors = [k for k in keys if k.resource == "actors" and k.fields == ("actor_id",)]
        if target == "actors" or not to_actors or "role" not in columns:
            continue  # a link of records to actors, in a role
        key = quote(parent_field)
        if target in named and {"actor_id", "name"} <= fields.get("actors", set()):
            optional = ", ".join(  # absent optional columns read as NULL
                f"l.{c} AS {c}" if c in columns else f"NULL AS {c}"
                for c in ("attribution", "position", "paragraph", "quote")
            )
            select = (
                f"SELECT {literal(target)} AS record_table, l.{key} AS record_id, "
                f"r.name AS record_name, l.actor_id, a.name AS actor_name, l.role, {optional} "
                f"FROM {quote(link_table)} l JOIN {quote(target)} r ON r.{key} = l.{key} "
                "JOIN actors a ON a.actor_id = l.actor_id"
            )
            links.append((target, select))
    statements = []
    if links:
        union = "\nUNION ALL\n".join(select for _, select in links)
        statements.append("CREATE VIEW record_actors AS\n" + union)
    by_table = {target for target, _ in links}
    if "agreements" in by_table:
        optional = "".join(f" g.{c}," for c in ("kind", "status") if c in fields["agreements"])
        parties = ",".join(
            f" (SELECT group_concat({c}, '; ') FROM (SELECT {c} FROM record_actors"
            " WHERE record_table = 'agreements' AND record_id = g.agreement_id AND role = 'party'"
            f" ORDER BY actor_name)) AS {alias}"
            for c, alias in (("actor_name", "parties"), ("actor_id", "party_ids"))
        )
        statements.append(
            "CREATE VIEW agreements_with_parties AS\n"
            f"SELECT g.agreement_id, g.name,{optional}{parties}\nFROM agreements g"
        )
    if "risks" in by_table:
        statements.append(
            "CREATE VIEW risk_positions AS\n"
            "SELECT record_id AS risk_id, record_name AS risk, actor_id, actor_name AS actor,"
            " position, paragraph, quote\n"
            "FROM record_actors WHERE record_table = 'risks' AND position IS NOT NULL"
        )
    if {"record_id", "quote"} <= fields.get("evidence", set()):
        primary = {r.name: r.schema.primary_key for r in package.resources}
        parts = [  # each record an evidence passage may support, with its table and name
            f"SELECT {literal(name)} AS record_table, {quote(primary[name][0])} AS record_id, "
            f"name AS record_name FROM {quote(name)}"
            for reference in package.resource("evidence").schema.polymorphic_references
            if reference.fields == ("record_id",)
            for name in reference.resources
            if name in named and len(primary[name]) == 1
        ]
        if parts:
            union = "\n  UNION ALL ".join(parts)
            statements.append(
                "CREATE VIEW evidence_with_records AS\n"
                "SELECT e.*, r.record_table, r.record_name\n"
                f"FROM evidence e LEFT JOIN (\n  {union}\n) r ON r.record_id = e.record_id"
            )
    return statements
