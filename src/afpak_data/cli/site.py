"""``afpak-data site``: a static website of the package that opens from disk, in one command."""

from __future__ import annotations

from pathlib import Path

import click

from afpak_data.cli import reading_errors, source_option


@click.command()
@source_option
@click.option(
    "--base-url",
    metavar="URL",
    default=None,
    help="Where the site will be published; makes the JSON-LD download URLs absolute.",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not print where the site was written.")
@click.argument("out", type=click.Path(file_okay=False, writable=True))
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
