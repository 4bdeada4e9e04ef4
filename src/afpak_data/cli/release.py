"""Release commands: ``diff`` (what changed), ``release-check`` (is the bump right), ``bundle``.

The modules that do the work are imported when a command runs, so ``afpak-data --help`` stays light.
"""

from __future__ import annotations

from pathlib import Path

import click

from afpak_data.cli import InvalidDataError, reading_errors, source_option


@click.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "markdown", "json")),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for scripts.",
)
def diff(old: str, new: str, fmt: str) -> None:
    """Show what changed from package OLD to package NEW (directories, datapackage.json or URLs).

    Per table: records added, removed and changed (matched by primary key, with each changed
    field before and after) and schema changes. Exit 0 with or without differences, 2 when a
    package cannot be read.
    """
    from afpak_data._release.diff import diff_paths
    from afpak_data._release.render import render

    with reading_errors():
        result = diff_paths(old, new)
    click.echo(render(result, fmt), nl=False)


@click.command("release-check")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.pass_context
def release_check(ctx: click.Context, old: str, new: str) -> None:
    """Check that NEW follows the versioning policy relative to OLD (the released version).

    OLD and NEW: package directories, datapackage.json files or URLs (downloaded, hash-checked).

    The version must be MAJOR.MINOR.PATCH, not go backwards, and be bumped as far as the changes
    need; released IDs must not disappear unless withdrawn, and withdrawn IDs must not come back;
    CHANGELOG.md (in NEW, else its parent) must have NEW's version as its top entry. Exit 0 when all
    holds, 1 with one line per problem, 2 when a package cannot be read.
    """
    from afpak_data._release.policy import check_release

    with reading_errors():
        report = check_release(old, new)
    n = len(report.problems)
    click.echo(f"release-check: {old} ({report.old_version}) -> {new} ({report.new_version})")
    click.echo("".join(f"ok: {line}\n" for line in report.checked), nl=False)
    click.echo("".join(f"{problem}\n" for problem in report.problems), nl=False)
    if n:
        click.echo(f"release-check failed: {n} problem{'s' if n != 1 else ''}")
        ctx.exit(1)
    click.echo("release-check passed")


@click.command("bundle")
@click.argument("outdir", metavar="OUTDIR")
@source_option
def bundle(outdir: str, source: str | None) -> None:
    """Write afpak-data-<version>.zip and its .sha256 file into OUTDIR, for archiving.

    The zip holds datapackage.json, data/, schemas/ and, when present, the codebook, changelog,
    citation, README and licence files, under one folder; the same package gives the same bytes.
    Exit 1 when a CSV does not match its declared hash, 2 when the package cannot be read.
    """
    from afpak_data._load.loader import whole_package
    from afpak_data._publish.bundle import BundleError
    from afpak_data._publish.bundle import bundle as write_bundle

    with reading_errors():
        try:
            result = write_bundle(whole_package(source), Path(outdir))
        except BundleError as exc:  # a stale package: the data is invalid
            raise InvalidDataError(str(exc)) from exc
    click.echo(f"wrote {result.archive}\nwrote {result.checksum}\nsha256 {result.sha256}")
