"""The contribution validator: every problem in a package, located and explained, nothing touched.

``validate_package(descriptor_file)`` returns a :class:`Report`; the ``afpak-data validate`` command
(``afpak_data._validate.cli``) renders it. Importing this package is light (``afpak-data --help``
imports the command module); pyarrow and numpy are imported only when ``validate_package`` or
``Report`` is first used. The validator never imports pandas: its import alone costs more than
checking 100,000 rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from afpak_data._validate.problems import CHECKS, Problem, Skipped

if TYPE_CHECKING:
    from afpak_data._validate.run import Report, validate_package

__all__ = ["CHECKS", "Problem", "Report", "Skipped", "validate_package"]


def __getattr__(name: str) -> Any:
    if name in {"Report", "validate_package"}:
        from afpak_data._validate import run

        return getattr(run, name)
    raise AttributeError(name)
