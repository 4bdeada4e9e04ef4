"""``afpak-data fmt``: rewrite a package's CSVs in the canonical form (:mod:`afpak_data._csvfmt`),
so that after a spreadsheet's save (its quoting, line endings, byte-order mark) the pull request
diff shows only the cells that changed. ``--check`` is the CI form.
"""

from __future__ import annotations

from pathlib import Path

import click

from afpak_data.cli import reading_errors


@click.command()
@click.argument("path", required=False, default=".", type=click.Path(path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Only name the CSVs that are not in the canonical form; exit 1 if any (write nothing).",
)
def fmt(path: Path, check: bool) -> None:
    """Rewrite the CSVs of the package at PATH (default: .) in the canonical form.

    Every non-empty text cell quoted, LF line endings, no byte-order mark, columns in the schema's
    order, spreadsheet-added empty rows dropped. Cell values are not changed.
    """
    from afpak_data._atomic import write_files
    from afpak_data._csvfmt import CsvFormatError, canonical
    from afpak_data._model.descriptor import read_package

    with reading_errors():
        package = read_package(path)
    problems: list[str] = []
    planned: dict[Path, bytes | str] = {}
    for resource in package.resources:
        file, shown = resource.file, _shown(resource.file)
        fields = [(f.name, f.type) for f in resource.schema.fields]
        try:
            raw = file.read_bytes()
            text = canonical(raw, fields, shown).encode("utf-8")
        except OSError as exc:
            problems.append(f"{shown}: cannot be read ({exc.strerror})")
        except CsvFormatError as exc:
            problems.append(str(exc))
        else:
            if text != raw:
                planned[file] = text
    for line in problems:
        click.echo(line, err=True)
    if check:
        for file in planned:
            click.echo(f"{_shown(file)}: not in the canonical form (run afpak-data fmt)")
        if problems or planned:
            raise SystemExit(1)
        click.echo(f"{len(package.resources)} CSVs in the canonical form")
        return
    if problems:
        click.echo("nothing written: fix the problems above first", err=True)
        raise SystemExit(1)
    with reading_errors():
        write_files(planned)  # every file complete beside its target, then one rename each
    for file in planned:
        click.echo(f"rewrote {_shown(file)}")
    if not planned:
        click.echo(f"{len(package.resources)} CSVs already in the canonical form")


def _shown(file: Path) -> str:
    """The path as the user typed it when it is below the working directory."""
    try:
        return str(file.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(file)
