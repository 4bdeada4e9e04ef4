"""``afpak-data export`` (the package as Parquet, SQLite, Excel or JSON) and ``afpak-data site``
(a static website that opens from disk), each in one command."""

from __future__ import annotations

from pathlib import Path

import click

from afpak_data._publish.export import FORMATS
from afpak_data.cli import reading_errors, source_option

_out = click.argument("out", type=click.Path(file_okay=False, writable=True))


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    required=True,
    help="Output format: parquet (one file per table), sqlite (one database with keys and "
    "views), xlsx (one workbook with a codebook sheet) or json (records per table + descriptor).",
)
@source_option
@click.option("--quiet", "-q", is_flag=True, help="Do not list the files written.")
@_out
def export(fmt: str, source: str | None, quiet: bool, out: str) -> None:
    """Write every table of the package into directory OUT in another format.

    Files are written next to OUT first and moved in when complete, so a failure never leaves a
    half-written file.
    """
    from afpak_data._publish.export import export as run_export

    with reading_errors():
        written = run_export(fmt, out, source)
    if not quiet:
        for path in written:
            click.echo(str(path))


@click.command()
@source_option
@click.option(
    "--base-url",
    metavar="URL",
    default=None,
    help="Where the site will be published; makes the JSON-LD download URLs absolute.",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not print where the site was written.")
@_out
def site(source: str | None, base_url: str | None, quiet: bool, out: str) -> None:
    """Write a static website of the package into directory OUT (open OUT/index.html).

    Overview with citation and relation figures, a searchable page per table, and the codebook.
    No server, CDN or network is needed to view it.
    """
    from afpak_data._publish.site.build import build_site

    with reading_errors():
        written = build_site(out, source, base_url)
    if not quiet:
        click.echo(f"{len(written)} files written; open {Path(out) / 'index.html'}")
