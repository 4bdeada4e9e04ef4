"""``afpak-data info``: what is in a package, at a glance, without importing pandas."""

from __future__ import annotations

from pathlib import Path

import click

import afpak_data
from afpak_data.cli import reading_errors, source_option


@click.command()
@source_option
def info(source: str | None) -> None:
    """Show the package version, its tables with row counts, and how to cite it."""
    from afpak_data._load.loader import whole_package
    from afpak_data._publish.citation import citation

    with reading_errors():
        package = whole_package(source)
        counts = [(r.name, count_rows(r.file, r.encoding)) for r in package.resources]
        cite = citation(package.descriptor)
    width = max((len(name) for name, _ in counts), default=0)
    digits = max((len(str(n)) for _, n in counts), default=1)
    lines = [
        f"afpak-data {afpak_data.__version__}",
        f"package: {package.title or package.name}",
        f"data version: {package.version or '(none)'}",
        f"location: {package.root}",
        "",
        f"tables ({len(counts)}, rows):",
        *(f"  {name:<{width}}  {n:>{digits}}" for name, n in counts),
        "",
        "cite as:",
        f"  {cite}",
    ]
    click.echo("\n".join(lines))


def count_rows(path: Path, encoding: str = "utf-8") -> int:
    """Data rows of a CSV (records, not lines: a quoted cell may span lines); a CSV that cannot
    be read raises the located ``CsvFormatError`` (``path:line: not a readable CSV (...)``)."""
    from afpak_data._csvfmt import records

    with path.open(encoding=encoding, newline="") as handle:
        return max(sum(1 for _ in records(handle, str(path))) - 1, 0)
