"""The contribution validator: every problem in a package, located and explained, nothing touched.

``validate_package`` returns a :class:`Report`, which ``afpak-data validate`` renders. Importing
this is light: pyarrow comes with ``validate_package``, pandas never (its import costs more than
checking 100,000 rows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from afpak_data._validate.problems import CHECKS, Problem, Report, Skipped

if TYPE_CHECKING:
    from afpak_data._validate.run import validate_package

__all__ = ["CHECKS", "Problem", "Report", "Skipped", "validate_package"]


def __getattr__(name: str) -> Any:
    if name == "validate_package":
        from afpak_data._validate.run import validate_package

        return validate_package
    raise AttributeError(name)
