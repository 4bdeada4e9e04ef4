"""Build the static site: load the tables once, write every page, publish the folder in one step.

``index.html``, ``tables/<name>.html`` (rows as JSON), ``codebook.html``, ``assets/``, and a copy
of the package's files, so every download link and JSON-LD ``contentUrl`` works.
"""

from __future__ import annotations

import functools
import importlib.resources
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afpak_data._model.resources import DESCRIPTOR, Source
from afpak_data._publish.citation import citation, items
from afpak_data._publish.export import publish, rows
from afpak_data._publish.export.codebook import constraints_text, vocabularies
from afpak_data._publish.jsonld import dataset_jsonld
from afpak_data._publish.site import environment, render
from afpak_data._publish.site.relations import figures

if TYPE_CHECKING:
    import pandas as pd

    from afpak_data._model.descriptor import Package, Resource

#: Text fields allowed this many characters or more get a wide column (descriptions, quotes).
WIDE_TEXT = 300


def build_site(out: str | Path, source: Source = None, base_url: str | None = None) -> list[Path]:
    """Write the site for the package at ``source`` into directory ``out``; return its files."""
    environment()  # without jinja2, fail before loading anything
    return publish(out, source, functools.partial(write_site, base_url=base_url))


def write_site(
    package: Package, frames: dict[str, pd.DataFrame], staging: Path, base_url: str | None
) -> None:
    def page(template: str, path: str = "", **context: Any) -> None:
        path = path or template
        html = render(template, package=package, root="../" * path.count("/"), **context)
        (staging / path).parent.mkdir(parents=True, exist_ok=True)
        (staging / path).write_text(html, encoding="utf-8", newline="\n")

    descriptor = package.descriptor
    page(
        "index.html",
        jsonld=dataset_jsonld(descriptor, base_url),
        citation=citation(descriptor),
        counts={name: len(frame) for name, frame in frames.items()},
        figures=figures(frames, package.link_parents()),
        sources=items(descriptor, "sources"),
        licences=items(descriptor, "licenses"),
    )
    page("codebook.html", constraints=constraints_text, vocabularies=vocabularies(package))
    evidence = evidence_by_record(package, frames)
    labels = record_labels(package, frames)
    for resource in package.resources:
        data = table_data(resource, frames[resource.name], evidence, labels)
        page("table.html", f"tables/{resource.name}.html", resource=resource, data=data)
    (staging / "assets").mkdir(exist_ok=True)
    static = importlib.resources.files("afpak_data._publish.site") / "static"
    for name in ("site.css", "site.js"):
        (staging / "assets" / name).write_bytes((static / name).read_bytes())
    shutil.copyfile(package.descriptor_file, staging / DESCRIPTOR)
    for resource in package.resources:  # paths the reader checked to be in the package
        for relative in (resource.path, resource.schema_path):
            if relative is not None:
                (staging / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(package.root / relative, staging / relative)


def record_labels(package: Package, frames: dict[str, pd.DataFrame]) -> dict[str, dict[str, str]]:
    """Table -> {key: name}, so links to records can show names (``Pakistan``), not IDs."""
    result = {}
    for resource in package.resources:
        key = resource.schema.primary_key
        frame = frames[resource.name]
        if len(key) == 1 and "name" in frame.columns:
            pairs = zip(frame[key[0]], frame["name"], strict=True)
            result[resource.name] = {str(k): str(v) for k, v in pairs}
    return result


def table_data(
    resource: Resource,
    frame: pd.DataFrame,
    evidence: dict[str, list[Any]],
    labels: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """What ``site.js`` needs to draw, search and filter a table; a column constant over two or
    more rows is ``hidden`` (the page says so once, above the table)."""
    schema = resource.schema
    refs = {
        k.fields[0]: k.resource or resource.name for k in schema.foreign_keys if len(k.fields) == 1
    }
    body = [list(row) for row in rows(frame, schema, iso_dates=True)]
    fields, used = [], {}
    for i, field in enumerate(schema.fields):
        column = [row[i] for row in body]
        distinct, ref = set(column), refs.get(field.name)
        filterable = field.enum is not None or field.type == "boolean" or ref is not None
        constant = len(body) > 1 and len(distinct) == 1
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
                "hidden": constant and field.name not in schema.primary_key,
                "constant": str(column[0]) if constant and column[0] is not None else None,
            }
        )
        if ref in labels:  # the names of the records this column refers to
            names = labels[ref]
            used[ref] = {str(v): names[str(v)] for v in column if v is not None and str(v) in names}
    key = list(schema.primary_key)
    ids = [str(row[schema.field_names.index(key[0])]) for row in body] if len(key) == 1 else []
    return {
        "name": resource.name,
        "key": key,
        "fields": fields,
        "rows": body,
        "evidence": {i: evidence[i] for i in ids if i in evidence},
        "labels": {ref: names for ref, names in used.items() if names},
    }


def evidence_by_record(package: Package, frames: dict[str, pd.DataFrame]) -> dict[str, list[Any]]:
    """Record ID -> its ``[paragraph, quote, contribution]`` passages in the evidence table."""
    schema = package.resource("evidence").schema if "evidence" in frames else None
    if schema is None or not {"record_id", "paragraph", "quote"} <= set(schema.field_names):
        return {}
    result: dict[str, list[Any]] = {}
    for row in rows(frames["evidence"], schema):
        cells = dict(zip(schema.field_names, row, strict=True))
        passage = [cells["paragraph"], cells["quote"], cells.get("contribution")]
        result.setdefault(str(cells["record_id"]), []).append(passage)
    return result
