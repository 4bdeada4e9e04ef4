#!/usr/bin/env python3
"""Generate the data package's derived files from the hand-written metadata.

Why a generator: each fact has one source (see docs/architecture.md). The version, package
properties, field definitions and category lists live in `metadata/`; the records live in
`data/*.csv`. This script writes everything derived from them -- `schemas/*.schema.json`,
`datapackage.json` (with each resource's `bytes` and `hash`), `docs/codebook.md`, `CITATION.cff`
and `.zenodo.json` (what Zenodo reads when a GitHub release mints a DOI) -- so they can never drift
apart.

    python scripts/build_datapackage.py          # rewrite the derived files (atomically)
    python scripts/build_datapackage.py --check  # exit 1 and name each stale file; write nothing

Standard library only, so a contributor can run it without installing anything.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import io
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The canonical CSV form is defined once, in the package (standard library only, so importing it
# needs nothing installed).
sys.path.insert(0, str(ROOT / "src"))
from afpak_data._csvfmt import CsvFormatError, canonical  # noqa: E402

TABLESCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
OVERRIDABLE = {"name", "description", "example", "required", "vocabulary"}


class MetadataError(Exception):
    """The hand-written metadata is inconsistent; the message says where."""


def read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def resolve_field(spec: dict[str, Any], shared: dict[str, Any], where: str) -> dict[str, Any]:
    """Expand a `use = "<key>"` reference into the shared definition plus allowed overrides."""
    if "use" not in spec:
        return dict(spec)
    key = spec["use"]
    if key not in shared:
        raise MetadataError(f"{where}: field uses unknown shared field {key!r}")
    extra = set(spec) - {"use"} - OVERRIDABLE
    if extra:
        raise MetadataError(f"{where}: field {key!r} may not override {sorted(extra)}")
    merged = dict(shared[key])
    merged.update({k: v for k, v in spec.items() if k != "use"})
    return merged


def field_schema(spec: dict[str, Any], vocabularies: dict[str, Any], where: str) -> dict[str, Any]:
    """Turn one field definition into its Table Schema form."""
    for needed in ("name", "type", "description", "example", "required"):
        if needed not in spec:
            raise MetadataError(f"{where}: field {spec.get('name', '?')!r} lacks {needed!r}")
    field: dict[str, Any] = {
        "name": spec["name"],
        "type": spec["type"],
        "description": spec["description"],
        "example": spec["example"],
    }
    if spec["type"] == "date":
        field["format"] = "%Y-%m-%d"
    constraints: dict[str, Any] = {"required": spec["required"]}
    vocabulary = spec.get("vocabulary")
    if vocabulary is not None:
        if vocabulary not in vocabularies:
            raise MetadataError(
                f"{where}: field {spec['name']!r} names unknown vocabulary {vocabulary!r}"
            )
        constraints["enum"] = list(vocabularies[vocabulary]["values"])
        field["x-vocabulary"] = vocabulary
    for source, target in (
        ("pattern", "pattern"),
        ("max_length", "maxLength"),
        ("minimum", "minimum"),
        ("maximum", "maximum"),
    ):
        if source in spec:
            constraints[target] = spec[source]
    if spec["type"] == "string" and "maxLength" not in constraints and "enum" not in constraints:
        raise MetadataError(f"{where}: text field {spec['name']!r} needs max_length")
    field["constraints"] = constraints
    if "max_words" in spec:
        field["x-maxWords"] = spec["max_words"]
    return field


def table_schema(
    table: dict[str, Any], shared: dict[str, Any], vocabularies: dict[str, Any]
) -> dict:
    where = f"metadata/tables/{table['name']}.toml"
    fields = [
        field_schema(resolve_field(spec, shared, where), vocabularies, where)
        for spec in table["fields"]
    ]
    names = [f["name"] for f in fields]
    if len(set(names)) != len(names):
        raise MetadataError(f"{where}: duplicate field names")
    schema: dict[str, Any] = {
        "$schema": TABLESCHEMA_PROFILE,
        "title": table["title"],
        "description": table["description"],
        "fields": fields,
        "missingValues": [""],
        "primaryKey": table["primary_key"],
    }
    foreign_keys = []
    for fk in table.get("foreign_keys", []):
        reference: dict[str, Any] = {"fields": fk["reference"]}
        if fk["resource"]:
            reference["resource"] = fk["resource"]
        foreign_keys.append({"fields": fk["fields"], "reference": reference})
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    if "polymorphic_references" in table:
        schema["x-polymorphicReferences"] = table["polymorphic_references"]
    if "rules" in table:
        schema["x-rules"] = table["rules"]
    for key in [*table["primary_key"], *(f for fk in foreign_keys for f in fk["fields"])]:
        if key not in names:
            raise MetadataError(f"{where}: key field {key!r} is not a field")
    return schema


def dumps_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def load_metadata(root: Path) -> tuple[dict, dict, dict, dict[str, dict]]:
    meta = root / "metadata"
    package = read_toml(meta / "package.toml")
    shared = read_toml(meta / "fields.toml")
    vocabularies = read_toml(meta / "vocabularies.toml")
    tables = {name: read_toml(meta / "tables" / f"{name}.toml") for name in package["resources"]}
    for name, table in tables.items():
        if table.get("name") != name:
            raise MetadataError(f"metadata/tables/{name}.toml: name must be {name!r}")
    return package, shared, vocabularies, tables


def build(root: Path) -> dict[Path, str]:
    """Return every derived file's path and its exact content."""
    package, shared, vocabularies, tables = load_metadata(root)
    outputs: dict[Path, str] = {}
    schemas = {name: table_schema(t, shared, vocabularies) for name, t in tables.items()}
    resources = []
    for name, table in tables.items():
        schema_path = f"schemas/{name}.schema.json"
        data_path = root / "data" / f"{name}.csv"
        if not data_path.is_file():
            raise MetadataError(f"data/{name}.csv: missing (named in metadata/package.toml)")
        outputs[root / schema_path] = dumps_json(schemas[name])
        fields = [(f["name"], f["type"]) for f in schemas[name]["fields"]]
        try:
            csv_text = canonical(data_path.read_bytes(), fields, f"data/{name}.csv")
        except CsvFormatError as error:
            raise MetadataError(str(error)) from None
        outputs[data_path] = csv_text
        csv_bytes = csv_text.encode("utf-8")
        resources.append(
            {
                "name": name,
                "type": "table",
                "title": table["title"],
                "description": table["description"],
                "path": f"data/{name}.csv",
                "scheme": "file",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(csv_bytes),
                "hash": f"sha256:{hashlib.sha256(csv_bytes).hexdigest()}",
                "schema": schema_path,
            }
        )
    descriptor = {
        "$schema": DATAPACKAGE_PROFILE,
        "name": package["name"],
        "title": package["title"],
        "description": package["description"],
        "version": package["version"],
        "created": package["created"],
        "homepage": package["homepage"],
        "keywords": package["keywords"],
        "licenses": package["licenses"],
        "contributors": package["contributors"],
        "sources": package["sources"],
        "resources": resources,
        # The category definitions travel with the package (the wheel has no metadata/), so the
        # codebook sheet and the site can explain every value. frictionless-py 5 does not read v2
        # `categories`; the lists themselves are each field's `constraints.enum`.
        "x-vocabularies": vocabularies,
    }
    outputs[root / "datapackage.json"] = dumps_json(descriptor)
    outputs[root / "docs" / "codebook.md"] = render_codebook(
        root, package, vocabularies, tables, schemas
    )
    outputs[root / "CITATION.cff"] = render_citation(package)
    if (root / "src" / "afpak_data").is_dir():
        outputs[root / "src" / "afpak_data" / "_names.py"] = render_names(list(tables))
    outputs[root / ".zenodo.json"] = render_zenodo(package)
    readme = root / "README.md"
    if readme.is_file():
        counts = {name: count_records(outputs[root / "data" / f"{name}.csv"]) for name in schemas}
        outputs[readme] = render_readme_tables(readme.read_text(encoding="utf-8"), schemas, counts)
    return outputs


README_START = "<!-- tables:start (generated by scripts/build_datapackage.py: do not edit) -->"
README_END = "<!-- tables:end -->"


def render_names(names: list[str]) -> str:
    """`src/afpak_data/_names.py`: the table names as a `Literal`, so editors complete
    `load("...")` and mypy catches a misspelt name."""
    members = "".join(f"    {json.dumps(name)},\n" for name in names)
    return (
        '"""Table names of the bundled package (generated by scripts/build_datapackage.py)."""\n\n'
        "from typing import Literal, get_args\n\n"
        "#: A table of the bundled package: the type of ``load``'s ``name``.\n"
        f"TableName = Literal[\n{members}]\n\n"
        "TABLE_NAMES: tuple[TableName, ...] = get_args(TableName)\n"
    )


def count_records(text: str) -> int:
    """Records in a CSV's text (a quoted cell may span lines, so lines are not records)."""
    return max(sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - 1, 0)


def render_readme_tables(readme: str, schemas: dict[str, dict], counts: dict[str, int]) -> str:
    """README.md with the "tables at a glance" block between its markers regenerated."""
    start = readme.find("<!-- tables:start")
    end = readme.find(README_END)
    if start < 0 or end < start:
        raise MetadataError(
            "README.md: missing the <!-- tables:start … --> / <!-- tables:end --> markers"
        )
    lines = [README_START, "| table | what it holds | rows | primary key |", "|---|---|---:|---|"]
    for name, schema in schemas.items():
        key = ", ".join(f"`{k}`" for k in schema["primaryKey"])
        rows = counts[name]
        link = f"[`{name}`](docs/codebook.md#{name})"
        lines.append(f"| {link} | {md_cell(schema['title'])} | {rows} | {key} |")
    return readme[:start] + "\n".join(lines) + "\n" + readme[end:]


def render_citation(package: dict[str, Any]) -> str:
    """CITATION.cff for the dataset; its version is the package version."""
    lines = [
        "# Generated by scripts/build_datapackage.py from metadata/package.toml: do not edit.",
        "cff-version: 1.2.0",
        'message: "If you use this dataset, please cite it as below."',
        "type: dataset",
        f"title: {json.dumps(package['title'], ensure_ascii=False)}",
        f'version: "{package["version"]}"',
        f'date-released: "{package["created"][:10]}"',
        "authors:",
        *(
            f"  - name: {json.dumps(c['title'], ensure_ascii=False)}"
            for c in package["contributors"]
        ),
        f"license: {package['licenses'][0]['name']}",
        f"repository-code: {json.dumps(package['repository'])}",
        f"url: {json.dumps(package['homepage'])}",
        f"abstract: {json.dumps(package['description'], ensure_ascii=False)}",
        "keywords:",
        *(f"  - {json.dumps(k, ensure_ascii=False)}" for k in package["keywords"]),
    ]
    return "\n".join(lines) + "\n"


#: Zenodo's licence identifiers (lowercase SPDX) for the licences metadata/package.toml may name.
ZENODO_LICENSES = {"CC-BY-4.0": "cc-by-4.0", "CC0-1.0": "cc0-1.0", "ODbL-1.0": "odbl-1.0"}


def render_zenodo(package: dict[str, Any]) -> str:
    """.zenodo.json: the deposit Zenodo creates from a GitHub release (it wins over CITATION.cff).

    Same facts as CITATION.cff: title, version, date, creators, licence, keywords, abstract; the
    repository is linked as the deposit's source code.
    """
    license_name = package["licenses"][0]["name"]
    if license_name not in ZENODO_LICENSES:
        raise MetadataError(
            f"metadata/package.toml: licence {license_name!r} has no Zenodo identifier "
            f"(expected one of {sorted(ZENODO_LICENSES)})"
        )
    zenodo = {
        "upload_type": "dataset",
        "title": package["title"],
        "version": package["version"],
        "publication_date": package["created"][:10],
        "description": package["description"],
        "creators": [{"name": c["title"]} for c in package["contributors"]],
        "license": ZENODO_LICENSES[license_name],
        "access_right": "open",
        "keywords": package["keywords"],
        "related_identifiers": [
            {
                "identifier": package["repository"],
                "relation": "isSupplementTo",
                "resource_type": "software",
                "scheme": "url",
            }
        ],
        "notes": (
            "Generated by scripts/build_datapackage.py from metadata/package.toml. "
            + package["licenses"][0].get("title", "")
        ).strip(),
    }
    return dumps_json(zenodo)


def md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_codebook(
    root: Path,
    package: dict[str, Any],
    vocabularies: dict[str, Any],
    tables: dict[str, dict],
    schemas: dict[str, dict],
) -> str:
    """The codebook: the hand-written rules (metadata/codebook-intro.md), then every table, field
    and category value."""
    intro = (root / "metadata" / "codebook-intro.md").read_text(encoding="utf-8").rstrip("\n")
    out = [
        "<!-- Generated by scripts/build_datapackage.py from metadata/: do not edit by hand. -->",
        "",
        intro.replace("{version}", package["version"]),
        "",
        "## Tables",
        "",
        "| table | what one row is | primary key |",
        "|---|---|---|",
    ]
    for name, schema in schemas.items():
        key = ", ".join(f"`{k}`" for k in schema["primaryKey"])
        out.append(f"| [`{name}`](#{name}) | {md_cell(schema['description'])} | {key} |")
    for name, schema in schemas.items():
        out += ["", f"### {name}", "", f"**{schema['title']}.** {schema['description']}", ""]
        out += [f"File: `data/{name}.csv`; schema: `schemas/{name}.schema.json`.", ""]
        out += ["| field | type | required | description | constraints | example |"]
        out += ["|---|---|---|---|---|---|"]
        for field in schema["fields"]:
            cons = field["constraints"]
            notes = []
            if "x-vocabulary" in field:
                voc = field["x-vocabulary"]
                notes.append(f"one of [`{voc}`](#vocabulary-{voc.replace('_', '-')})")
            if "pattern" in cons:
                notes.append(f"pattern `{cons['pattern']}`")
            if "maxLength" in cons:
                notes.append(f"at most {cons['maxLength']} characters")
            if "x-maxWords" in field:
                notes.append(f"at most {field['x-maxWords']} words")
            if "minimum" in cons:
                notes.append(f"at least {cons['minimum']}")
            required = "yes" if cons["required"] else "no (empty allowed)"
            example = field["example"]
            example_text = f"`{example}`" if example != "" else "(empty)"
            cells = [
                f"`{field['name']}`",
                field["type"],
                required,
                md_cell(field["description"]),
                md_cell("; ".join(notes)),
                md_cell(example_text),
            ]
            out.append("| " + " | ".join(cells) + " |")
        keys = []
        for fk in schema.get("foreignKeys", []):
            target = fk["reference"].get("resource", name)
            source_fields = ", ".join(fk["fields"])
            target_fields = ", ".join(fk["reference"]["fields"])
            keys.append(f"- `{source_fields}` refers to `{target}.{target_fields}`")
        for ref in schema.get("x-polymorphicReferences", []):
            targets = ", ".join(f"`{r}`" for r in ref["resources"])
            keys.append(
                f"- `{', '.join(ref['fields'])}` refers to the primary key of one of {targets}; "
                "the ID's prefix names the table (checked by `afpak-data validate`; Table Schema "
                "cannot express a reference into several tables)"
            )
        if keys:
            out += ["", "References:", "", *keys]
        rules = schema.get("x-rules", [])
        if rules:
            out += ["", "Rules across fields:", ""]
            out += [f"- {rule['description']}" for rule in rules]
    out += ["", "## Vocabularies", ""]
    for voc_name, voc in vocabularies.items():
        users = [
            f"`{t}.{f['name']}`"
            for t, s in schemas.items()
            for f in s["fields"]
            if f.get("x-vocabulary") == voc_name
        ]
        out += [f'<a id="vocabulary-{voc_name.replace("_", "-")}"></a>', ""]
        out += [f"### Vocabulary `{voc_name}`", "", voc["description"], ""]
        out += [f"Used by: {', '.join(users) if users else 'no field yet'}.", ""]
        out += ["| value | definition |", "|---|---|"]
        out += [f"| `{v}` | {md_cell(d)} |" for v, d in voc["values"].items()]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def write_all(outputs: dict[Path, str]) -> None:
    """Write every output: all complete beside their targets first, then one rename each.

    The helper is ``src/afpak_data/_atomic.py`` (standard library only), loaded by file path so
    that this script still runs before the package is installed. A kill before the renames leaves
    the repository as it was; a kill during them (one ``os.replace`` per file, ``datapackage.json``
    last) can leave some derived files new and others old, each one complete: ``--check`` names
    the stale ones and the next run finishes the job. Temporary files left by a kill are removed
    by the next run. Files get the mode the umask gives (as ``open()`` would).
    """
    atomic = _load_atomic()
    ordered = sorted(outputs, key=lambda path: path.name == "datapackage.json")
    atomic.write_files({path: outputs[path] for path in ordered})


def _load_atomic() -> Any:
    """``afpak_data._atomic``, loaded from this checkout without importing ``afpak_data``."""
    path = ROOT / "src" / "afpak_data" / "_atomic.py"
    spec = importlib.util.spec_from_file_location("_afpak_atomic", path)
    if spec is None or spec.loader is None:  # pragma: no cover - a broken checkout
        raise ImportError(f"{path}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stale_files(outputs: dict[Path, str]) -> list[Path]:
    return [
        path
        for path, content in outputs.items()
        if not path.is_file() or path.read_text(encoding="utf-8") != content
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report stale files; exit 1 if any"
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="repository root (default: this repo)"
    )
    args = parser.parse_args(argv)
    try:
        outputs = build(args.root)
    except (MetadataError, OSError, KeyError, tomllib.TOMLDecodeError) as error:
        print(f"build_datapackage: {error}", file=sys.stderr)
        return 2
    stale = stale_files(outputs)
    if args.check:
        for path in stale:
            hint = "run python scripts/build_datapackage.py"
            print(f"{path.relative_to(args.root)}: out of date ({hint})")
        return 1 if stale else 0
    try:
        write_all({path: outputs[path] for path in stale})
    except OSError as error:
        print(f"build_datapackage: {error}", file=sys.stderr)
        return 2
    for path in stale:
        print(f"wrote {path.relative_to(args.root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
