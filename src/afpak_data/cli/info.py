"""``afpak-data info``: what is in a package, at a glance, without importing pandas."""

from __future__ import annotations

import click

import afpak_data
from afpak_data._errors import PackageError
from afpak_data._model.descriptor import Resource
from afpak_data.cli import reading_errors, source_option


@click.command()
@source_option
def info(source: str | None) -> None:
    """Show the package version, its tables with row counts, and how to cite it."""
    from afpak_data._load.loader import whole_package
    from afpak_data._publish.citation import citation

    with reading_errors():
        package = whole_package(source)
        counts = [(r.name, count_rows(r)) for r in package.resources]
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


def count_rows(resource: Resource) -> int:
    """The records ``load`` gives (read by the validator's reader: a quoted line break is inside
    its record, a blank row is none); an unusable CSV raises the located ``PackageError``."""
    from afpak_data._validate.files import read_usable

    table, refused = read_usable(resource)
    if table is None:
        raise PackageError(refused[0].under(resource.root))
    return int(table.usable.sum())
