"""Build the static site: load the tables once, write every page into a staging directory, publish.

The site is a directory of plain files that opens from disk: ``index.html`` (overview, citation,
relation figures, schema.org JSON-LD), ``tables/<name>.html`` (one per table, rows embedded as
JSON), ``codebook.html``, ``assets/`` (CSS and JS from this package), and a copy of the package's
``datapackage.json``, CSVs and schemas so every download link and JSON-LD ``contentUrl`` works.
Publishing goes through the export's staging (see :mod:`afpak_data._atomic`).
"""

from __future__ import annotations

import importlib.resources
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afpak_data._resources import Source

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._descriptor import Package, Resource

ASSETS = ("site.css", "site.js")
#: Text fields allowed this many characters or more get a wide column (descriptions, quotes).
WIDE_TEXT = 300


def build_site(out: str | Path, source: Source = None, base_url: str | None = None) -> list[Path]:
    """Write the site for the package at ``source`` into directory ``out``; return its files."""
    from afpak_data._atomic import staged_directory
    from afpak_data._loader import read_resource, whole_package

    package = whole_package(source)
    frames = {r.name: read_resource(r) for r in package.resources}
    with staged_directory(Path(out)) as staging:
        write_site(package, frames, staging, base_url)
        written = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
    return [Path(out) / p for p in written]


def write_site(
    package: Package, frames: dict[str, pd.DataFrame], staging: Path, base_url: str | None
) -> None:
    """Every page, the assets and the package files, into ``staging``."""
    from afpak_data._citation import citation
    from afpak_data._export.codebook import field_rows, vocabularies
    from afpak_data._jsonld import script_tag
    from afpak_data._site.pages import json_script, markup, render

    descriptor = package.descriptor
    common: dict[str, Any] = {
        "package_title": package.title or package.name,
        "version": package.version,
        "tables": package.names,
    }
    licences = [
        {
            "name": str(item.get("name", "") or item.get("path", "")),
            "title": str(item.get("title", "")),
            "url": str(item.get("path", ""))
            if str(item.get("path", "")).startswith(("http://", "https://"))
            else "",
        }
        for item in descriptor.get("licenses", [])
        if isinstance(item, dict)
    ]
    index = render(
        "index.html",
        **common,
        title=package.title or package.name,
        root="",
        page_class="overview",
        head=markup(script_tag(descriptor, base_url)),
        descriptor={k: str(descriptor.get(k) or "") for k in ("title", "name", "description")}
        | {"version": package.version},
        keywords=[str(k) for k in descriptor.get("keywords", [])],
        citation=citation(package.root, descriptor),
        table_rows=[
            {
                "name": r.name,
                "title": r.title,
                "description": r.description,
                "rows": len(frames[r.name]),
                "path": r.path,
            }
            for r in package.resources
        ],
        figures=figures(package, frames),
        sources=[
            {"title": str(s.get("title", "")), "description": str(s.get("description", ""))}
            for s in descriptor.get("sources", [])
            if isinstance(s, dict)
        ],
        licences=licences,
    )
    _write(staging / "index.html", index)
    rows = field_rows(package)
    codebook = render(
        "codebook.html",
        **common,
        title=f"Codebook · {package.name}",
        root="",
        page_class="codebook",
        head="",
        fields=[(name, [f for f in rows if f.table == name]) for name in package.names],
        vocabularies=vocabularies(package),
    )
    _write(staging / "codebook.html", codebook)
    evidence = evidence_by_record(package, frames)
    labels = record_labels(package, frames)
    for resource in package.resources:
        data = table_data(resource, frames[resource.name], evidence, labels)
        page = render(
            "table.html",
            **common,
            title=f"{resource.title or resource.name} · {package.name}",
            root="../",
            page_class="table-page",
            head="",
            name=resource.name,
            table_title=resource.title,
            description=resource.description,
            path=resource.path,
            primary_key=list(resource.schema.primary_key),
            foreign_keys=[
                {
                    "fields": list(key.fields),
                    "target": key.resource or resource.name,
                    "reference_fields": list(key.reference_fields),
                }
                for key in resource.schema.foreign_keys
            ],
            constants=[
                {"name": f["name"], "value": f["constant"]}
                for f in data["fields"]
                if f["hidden"] and f["constant"] is not None
            ],
            empty=[f["name"] for f in data["fields"] if f["hidden"] and f["constant"] is None],
            data_script=json_script("table-data", data),
        )
        _write(staging / "tables" / f"{resource.name}.html", page)
    copy_assets(staging / "assets")
    copy_package_files(package, staging)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def copy_assets(target: Path) -> None:
    """The stylesheet and script shipped in ``afpak_data/_site/static``."""
    target.mkdir(parents=True, exist_ok=True)
    static = importlib.resources.files("afpak_data._site") / "static"
    for name in ASSETS:
        (target / name).write_bytes((static / name).read_bytes())


def copy_package_files(package: Package, staging: Path) -> None:
    """``datapackage.json``, the CSVs and the schema files, at their descriptor paths."""
    shutil.copyfile(package.descriptor_file, staging / "datapackage.json")
    paths = []
    for raw in package.descriptor.get("resources", []):
        paths.append(raw.get("path"))
        if isinstance(raw.get("schema"), str):
            paths.append(raw["schema"])
    for relative in paths:
        if isinstance(relative, str):  # already checked to be inside the package by the reader
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(package.root / relative, target)


def references(resource: Resource) -> dict[str, str]:
    """Field -> table it refers to, for single-field foreign keys (self-references included)."""
    return {
        key.fields[0]: key.resource or resource.name
        for key in resource.schema.foreign_keys
        if len(key.fields) == 1
    }


def record_labels(package: Package, frames: dict[str, pd.DataFrame]) -> dict[str, dict[str, str]]:
    """Table -> {key: name} for tables with a one-field primary key and a ``name`` column, so
    links to their records can show names (``Pakistan``) rather than IDs (``act-pakistan``)."""
    result = {}
    for resource in package.resources:
        key = resource.schema.primary_key
        frame = frames[resource.name]
        if len(key) == 1 and "name" in frame.columns:
            result[resource.name] = {
                str(k): str(v)
                for k, v in zip(frame[key[0]], frame["name"], strict=True)
                if k is not None and v is not None
            }
    return result


def table_data(
    resource: Resource,
    frame: pd.DataFrame,
    evidence: dict[str, list[list[Any]]],
    labels: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """What ``site.js`` needs to draw, search and filter one table.

    A column with the same value in every row (of two or more rows), or empty in every row, is
    marked ``hidden``: the page says so once above the table instead of repeating it in each row.
    """
    from afpak_data._export.values import json_value, rows

    refs = references(resource)
    labels = labels or {}
    body = [[json_value(v) for v in row] for row in rows(frame, resource.schema)]
    fields = []
    for i, field in enumerate(resource.schema.fields):
        distinct = {row[i] for row in body}
        filterable = field.enum is not None or field.type == "boolean" or field.name in refs
        constant = len(body) > 1 and len(distinct) == 1
        ref = refs.get(field.name)
        fields.append(
            {
                "name": field.name,
                "type": field.type,
                "description": field.description,
                "enum": list(field.enum) if field.enum is not None else None,
                "ref": ref,
                "filter": filterable and len(distinct) > 1,
                "wide": field.type == "string" and (field.max_length or 0) >= WIDE_TEXT,
                "id": field.pattern is not None or ref is not None,
                "hidden": constant and field.name not in resource.schema.primary_key,
                "constant": (None if body[0][i] is None else str(body[0][i])) if constant else None,
            }
        )
    key = list(resource.schema.primary_key)
    own = {}
    if len(key) == 1:
        position = resource.schema.field_names.index(key[0])
        own = {
            str(row[position]): evidence[str(row[position])]
            for row in body
            if str(row[position]) in evidence
        }
    used = {
        ref: {
            str(row[i]): labels[ref][str(row[i])]
            for row in body
            if row[i] is not None and str(row[i]) in labels[ref]
        }
        for i, ref in enumerate(f["ref"] for f in fields)
        if ref in labels
    }
    return {
        "name": resource.name,
        "key": key,
        "fields": fields,
        "rows": body,
        "evidence": own,
        "labels": {ref: names for ref, names in used.items() if names},
    }


def evidence_by_record(
    package: Package, frames: dict[str, pd.DataFrame]
) -> dict[str, list[list[Any]]]:
    """Further evidence passages (the ``evidence`` table) keyed by the record they support:
    ``[paragraph, quote, contribution]`` each, in table order."""
    from afpak_data._export.values import rows

    if "evidence" not in package.names:
        return {}
    schema = package.resource("evidence").schema
    names = schema.field_names
    if not {"record_id", "paragraph", "quote"} <= set(names):
        return {}
    result: dict[str, list[list[Any]]] = {}
    for row in rows(frames["evidence"], schema):
        cells = dict(zip(names, row, strict=True))
        result.setdefault(str(cells["record_id"]), []).append(
            [cells["paragraph"], cells["quote"], cells.get("contribution")]
        )
    return result


def figures(package: Package, frames: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The relation figures the package has tables for: id, caption, SVG, positions table rows."""
    from afpak_data._site.pages import markup
    from afpak_data._site.relations import Link, bipartite_svg, matrix_svg

    needed = {"actors"}
    if not needed <= set(frames) or not {"actor_id", "name"} <= set(frames["actors"].columns):
        return []
    actor_names = dict(zip(frames["actors"]["actor_id"], frames["actors"]["name"], strict=True))
    result: list[dict[str, Any]] = []
    if {"agreements", "agreement_actors"} <= set(frames) and "name" in frames["agreements"]:
        agreements, links = frames["agreements"], frames["agreement_actors"]
        svg = bipartite_svg(
            "Actors and the agreements and engagement signals they take part in",
            list(agreements["agreement_id"]),
            dict(zip(agreements["agreement_id"], agreements["name"], strict=True)),
            [
                Link(str(a), str(r), str(role))
                for a, r, role in zip(
                    links["actor_id"], links["agreement_id"], links["role"], strict=True
                )
            ],
            actor_names,
            record_href="tables/agreements.html",
            actor_href="tables/actors.html",
        )
        result.append(
            {
                "id": "figure-agreements",
                "caption": "Who takes part in which agreement or engagement signal (line colour "
                "and dash: role; hover a line for details).",
                "svg": markup(svg),
                "positions": [],
            }
        )
    if {"risks", "risk_actors"} <= set(frames) and "name" in frames["risks"]:
        risks, links = frames["risks"], frames["risk_actors"]
        names = dict(zip(risks["risk_id"], risks["name"], strict=True))
        has_position = "position" in links.columns
        link_list = [
            Link(
                str(links["actor_id"].iloc[i]),
                str(links["risk_id"].iloc[i]),
                str(links["role"].iloc[i]),
                str(links["position"].iloc[i])
                if has_position and links["position"].notna().iloc[i]
                else "",
            )
            for i in range(len(links))
        ]
        svg = matrix_svg(
            "Actors involved in each risk, and who holds a position on it",
            list(risks["risk_id"]),
            names,
            link_list,
            actor_names,
            record_href="tables/risks.html",
            actor_href="tables/actors.html",
        )
        result.append(
            {
                "id": "figure-risks",
                "caption": "Who is involved in each risk, in which role, and who holds which "
                "position on it.",
                "svg": markup(svg),
                "positions": [
                    (
                        names.get(k.record_id, k.record_id),
                        actor_names.get(k.actor_id, k.actor_id),
                        k.note,
                    )
                    for k in link_list
                    if k.note
                ],
            }
        )
    return result
