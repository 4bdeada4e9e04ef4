"""Render a report as text (one line per problem), JSON records, or GitHub Actions annotations.

Text starts by saying which package was checked and ends with the verdict, so a log read from either
end is unambiguous; skipped checks are printed as SKIPPED so that 'not checked' never reads as
'passed'.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from afpak_data._validate.problems import Problem, Report


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


def github(report: Report, cwd: Path | None = None) -> str:
    """GitHub Actions workflow commands: ``::error`` per problem, ``::notice`` per skipped check.

    Paths are made relative to the working directory (the repository root in CI), so annotations
    land on the files in the pull request's diff.
    """
    base = report.package.parent
    here = (cwd or Path.cwd()).resolve()
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
