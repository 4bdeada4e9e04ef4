"""``afpak-data export``: the package as Parquet, SQLite, Excel or JSON, in one command."""

from __future__ import annotations

import click

from afpak_data._publish.export import FORMATS
from afpak_data.cli import reading_errors, source_option


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
@click.argument("out", type=click.Path(file_okay=False, writable=True))
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
