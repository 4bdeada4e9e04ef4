"""Importing the package, loading a table and asking for --help stay light."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "pandera", "frictionless", "urllib.request")


def imported_after(code: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; report which heavy modules it imported."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("code", "allowed"),
    [
        pytest.param("import afpak_data", set(), id="import"),
        pytest.param(
            "import afpak_data; afpak_data.tables(); afpak_data.metadata()", set(), id="metadata"
        ),
        pytest.param(
            "from afpak_data.cli import cli\ntry: cli(['--help'])\nexcept SystemExit: pass",
            set(),
            id="cli-help",
        ),
        pytest.param("import afpak_data; afpak_data.load_all()", {"pandas"}, id="load"),
        pytest.param(
            "import afpak_data; afpak_data.release_url('1.0.0')", {"urllib.request"}, id="remote"
        ),
        pytest.param(
            "import afpak_data; afpak_data.pandera_schema(afpak_data.tables()[0])",
            {"pandas", "pandera"},
            id="pandera",
        ),
    ],
)
def test_heavy_modules_are_imported_only_when_needed(code: str, allowed: set[str]) -> None:
    """Each step imports exactly the heavy modules it needs (frictionless never; the network
    client only for remote loading)."""
    imported = {name for name, present in imported_after(code).items() if present}
    assert imported == allowed


def test_version_is_read_only_when_asked_for() -> None:
    """`import afpak_data` skips importlib.metadata (a site-packages scan); __version__ reads it."""
    probe = (
        "import sys, afpak_data\n"
        "before = 'importlib.metadata' in sys.modules\n"
        "version = afpak_data.__version__\n"
        "print(before, 'importlib.metadata' in sys.modules, version)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    from importlib.metadata import version

    assert result.stdout.split() == ["False", "True", version("afpak-data")]
