"""The contribution validator: every problem in a data package, located and explained, nothing touched.

``validate_package(descriptor_file)`` returns a :class:`Report`; the ``afpak-data validate`` command
(``afpak_data._validate.cli``) renders it. Imported only by that command: it needs pandas.
"""

from __future__ import annotations

from afpak_data._validate.problems import CHECKS, Problem, Skipped
from afpak_data._validate.run import Report, validate_package

__all__ = ["CHECKS", "Problem", "Report", "Skipped", "validate_package"]
