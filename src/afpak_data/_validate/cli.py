"""The ``afpak-data validate`` command: the complete contribution check.

Exit 0 valid, 1 invalid, 2 usage error or unreadable input. The package is only ever read.
"""

from __future__ import annotations

from pathlib import Path

import click

from afpak_data._validate.problems import CHECKS

FORMATS = ("text", "json", "github")


def _resolve(path: str | None) -> tuple[Path, str]:
    """The descriptor to check and where it came from (said in the output)."""
    from afpak_data._resources import is_url

    if is_url(path):
        from afpak_data._loader import local_source
        from afpak_data.cli import InputError

        try:
            local = Path(str(local_source(path)))
        except (OSError, ValueError) as exc:  # network, hash mismatch, not a package: exit 2
            raise InputError(" ".join(str(exc).split())) from exc
        return local / "datapackage.json", f"{path}, downloaded and hash-checked"
    if path is not None:
        target = Path(path)
        if not target.exists():
            raise click.BadParameter(f"{path}: no such file or directory", param_hint="PATH")
        if target.is_dir():
            target = target / "datapackage.json"
            if not target.is_file():
                raise click.BadParameter(
                    f"{path}: no datapackage.json in this directory", param_hint="PATH"
                )
        return target.resolve(), "the given path"
    local = Path("datapackage.json")
    if local.is_file():
        return local.resolve(), "the datapackage.json in the current directory"
    from afpak_data._resources import bundled_root

    try:
        return (
            bundled_root() / "datapackage.json"
        ).resolve(), "the package bundled with afpak-data"
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc


@click.command(
    "validate",
    epilog="Checks (the 'check' field of --format json; see CONTRIBUTING.md): "
    + ", ".join(CHECKS)
    + ". Exit status: 0 valid, 1 invalid, 2 usage error or unreadable input.",
)
@click.argument("path", required=False)
@click.option(
    "--sources-dir",
    type=click.Path(exists=True, file_okay=False),
    help="Directory of source texts; quotes are checked against them (skipped without it; "
    "exit 2 when it holds none of them).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: one line per problem; json: records; github: GitHub Actions annotations.",
)
@click.option(
    "--list-checks", is_flag=True, help="List the check names and what each one means, then exit."
)
def validate(path: str | None, sources_dir: str | None, fmt: str, list_checks: bool) -> None:
    """Check a data package (PATH: a directory, a datapackage.json or a URL); report every problem.

    Without PATH: ./datapackage.json if there is one, else the package bundled with afpak-data.
    The package is opened read-only and never modified.
    """
    if list_checks:
        click.echo("\n".join(f"{name:22} {text}" for name, text in CHECKS.items()))
        return
    descriptor, origin = _resolve(path)
    from afpak_data._validate import report as render
    from afpak_data._validate.run import validate_package

    result = validate_package(descriptor, Path(sources_dir) if sources_dir else None, origin)
    if result.refused:  # issue 12: a --sources-dir with none of the texts is a usage error
        click.echo(f"Error: {result.refused}", err=True)
        raise SystemExit(2)
    output = {"text": render.text, "json": render.as_json, "github": render.github}[fmt](result)
    click.echo(output, nl=False)
    raise SystemExit(result.exit_code)
