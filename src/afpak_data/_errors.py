"""The one located problem and the base of every public error.

A :class:`Problem` (what the validator reports, a :class:`DataError` carries, release-check and the
pandera translation return): ``file``, the physical ``line`` an editor shows (None: the whole
file), ``record_id`` and ``column`` when they apply, the ``check`` (``_validate.problems.CHECKS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, located as an editor shows it (``file`` relative to the package)."""

    file: str
    line: int | None
    record_id: str | None
    column: str | None
    check: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        column = f" column {self.column!r}:" if self.column else ""
        return f"{where}:{column} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON record: the six fields, nulls where a location does not apply (not
        ``dataclasses.asdict``, whose deep copy was a tenth of a 10,000-problem report's time)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def under(self, root: Path) -> str:
        """The problem as ``str`` shows it, its file under ``root`` (a message naming the package:
        a refused descriptor, or one of the two packages a diff reads)."""
        return str(replace(self, file=str(root / self.file)))

    @classmethod
    def whole_file(cls, file: str, check: str, message: str) -> Problem:
        """A problem of the file as a whole (no line, record or column to point at)."""
        return cls(file, None, None, None, check, message)


class AfpakDataError(Exception):
    """Base of every error afpak-data raises on purpose (catch this one to catch them all)."""


class PackageError(AfpakDataError, ValueError):
    """The descriptor or a schema cannot be used: ``problems``, shown one per line in the
    message (``path:line: what is wrong``)."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class PackageNotFoundError(AfpakDataError, FileNotFoundError):
    """No data package where the caller pointed (or nothing bundled with this installation)."""


class UnknownTableError(AfpakDataError, KeyError, ValueError):
    """A table name that the package does not have; the message lists the tables it has."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DataError(AfpakDataError, ValueError):
    """A CSV cannot be loaded as its schema says (``path:line: column 'x': what is wrong``):
    ``problem``, and its parts for callers' own formats (``detail``: the unlocated message)."""

    def __init__(
        self,
        path: str,
        detail: str,
        *,
        line: int | None = None,
        column: str | None = None,
        check: str = "load",
        record_id: str | None = None,
    ) -> None:
        self.problem = Problem(path, line, record_id, column, check, detail)
        self.path = path
        self.line = line
        self.column = column
        self.check = check
        self.detail = detail
        super().__init__(str(self.problem))
