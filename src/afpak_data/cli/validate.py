"""``afpak-data validate``: the complete contribution check, in three formats; the package is only
ever read. Text names the package checked first and the verdict last, so a log read from either
end is unambiguous; skipped checks say SKIPPED, so that 'not checked' never reads as 'passed'.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import click

from afpak_data._validate.problems import CHECKS, Problem, Report

FORMATS = ("text", "json", "github")


def _resolve(path: str | None) -> tuple[Path, str]:
    """The descriptor to check and where it came from (said in the output)."""
    from afpak_data._model.resources import DESCRIPTOR, bundled_root, is_url

    if is_url(path):
        from afpak_data._load.loader import local_source
        from afpak_data.cli import InputError

        try:
            local = Path(str(local_source(path)))
        except (OSError, ValueError) as exc:  # network, hash mismatch, not a package: exit 2
            raise InputError(" ".join(str(exc).split())) from exc
        return local / DESCRIPTOR, f"{path}, downloaded and hash-checked"
    if path is not None:
        target = Path(path)
        if not target.exists():
            raise click.BadParameter(f"{path}: no such file or directory", param_hint="PATH")
        if target.is_dir():
            target = target / DESCRIPTOR
            if not target.is_file():
                raise click.BadParameter(
                    f"{path}: no datapackage.json in this directory", param_hint="PATH"
                )
        return target.resolve(), "the given path"
    local = Path(DESCRIPTOR)
    if local.is_file():
        return local.resolve(), "the datapackage.json in the current directory"
    try:
        bundled = bundled_root() / DESCRIPTOR
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    return bundled.resolve(), "the package bundled with afpak-data"


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
        click.echo("\n".join(f"{name:22} {meaning}" for name, meaning in CHECKS.items()))
        return
    descriptor, origin = _resolve(path)
    from afpak_data._validate.run import validate_package

    result = validate_package(descriptor, Path(sources_dir) if sources_dir else None, origin)
    if result.refused:  # issue 12: a --sources-dir with none of the texts is a usage error
        click.echo(f"Error: {result.refused}", err=True)
        raise SystemExit(2)
    output = {"text": text, "json": as_json, "github": github}[fmt](result)
    click.echo(output, nl=False)
    raise SystemExit(result.exit_code)


def _prefix(p: Problem) -> list[str]:
    return [x for x in (p.record_id, f"column '{p.column}'" if p.column else None) if x]


def text(report: Report) -> str:
    """The human format, ``file:line: record: column 'x': message``, between heading and verdict."""
    origin = f" ({report.origin})" if report.origin else ""
    lines = [f"Checking {report.package}{origin}"]
    for p in report.problems:
        where = p.file if p.line is None else f"{p.file}:{p.line}"
        lines.append(": ".join([where, *_prefix(p), p.message]))
    lines += [f"SKIPPED {s.check}: {s.reason}" for s in report.skipped]
    if report.problems:
        files = len({p.file for p in report.problems})
        noun = "problem" if len(report.problems) == 1 else "problems"
        lines.append(
            f"INVALID: {len(report.problems)} {noun} in {files} file(s) of {report.package}"
        )
    else:
        rows = sum(report.rows.values())
        lines.append(f"VALID: {report.package} ({len(report.rows)} tables, {rows} rows)")
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    """Machine records: every problem as (file, line, record_id, column, check, message)."""
    record = {
        "package": str(report.package),
        "origin": report.origin,
        "valid": not report.problems,
        "problems": [p.as_dict() for p in report.problems],
        "skipped": [asdict(s) for s in report.skipped],
        "rows": report.rows,
    }
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def _escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github(report: Report) -> str:
    """GitHub Actions workflow commands: ``::error`` per problem, ``::notice`` per skipped check.

    Paths are made relative to the working directory (the repository root in CI), so annotations
    land on the files in the pull request's diff.
    """
    base = report.package.parent
    here = Path.cwd().resolve()
    out = []
    for p in report.problems:
        path = Path(os.path.relpath((base / p.file).resolve(), here)).as_posix()
        props = [f"file={_escape(path, True)}"]
        if p.line is not None:
            props.append(f"line={p.line}")
        props.append(f"title={_escape('afpak-data ' + p.check, True)}")
        message = ": ".join([*_prefix(p), p.message])
        out.append(f"::error {','.join(props)}::{_escape(message)}")
    for s in report.skipped:
        title = _escape(f"afpak-data {s.check} skipped", True)
        out.append(f"::notice title={title}::{_escape(s.reason)}")
    verdict = "INVALID" if report.problems else "VALID"
    out.append(
        f"{verdict}: {len(report.problems)} problem(s) in {report.package} ({report.origin})"
    )
    return "\n".join(out) + "\n"
