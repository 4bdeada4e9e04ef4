"""The release rehearsal: publish to a loopback index, install back, load from loopback raw URLs."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from _release_fixtures import make_package

from afpak_data._model.remote import release_url

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "rehearse_release.py"
STEPS = [
    "== 1. build the sdist and the wheel; twine check",
    "== 2. package index on 127.0.0.1 (pypiserver); twine upload",
    "== 3. pip install afpak-data==",
    "== 3b. install by URL with the hash check (the README's pinned form)",
    "== 4. the release's raw files from 127.0.0.1, loaded with release_url(version, base=...)",
]


def test_release_url_takes_a_base_template(tmp_path: Path) -> None:
    """``base`` replaces GitHub's raw host; owner, repo and version still come from the package."""
    package = make_package(tmp_path / "p")
    base = "http://127.0.0.1:8000/{owner}/{repo}/v{version}/"
    assert release_url("1.2.0", package, base=base) == (
        "http://127.0.0.1:8000/afpak-data/afpak-data/v1.2.0/"
    )
    assert release_url("1.2.0", package) == (
        "https://raw.githubusercontent.com/afpak-data/afpak-data/v1.2.0/"
    )


def test_missing_dist_directory_is_a_usage_error(tmp_path: Path) -> None:
    """--dist naming no directory exits 2 before anything starts."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--dist", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"rehearse_release: --dist {tmp_path / 'nowhere'}: not a directory\n"


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_rehearsal_passes_and_leaves_nothing_behind() -> None:
    """Every step runs and passes; both servers are stopped and the work directory is removed."""
    env = dict(os.environ)  # AFPAK_DIST, when set (the release workflow), is rehearsed as built
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=env,
    )
    output = result.stdout + result.stderr
    print(output)  # quoted in reports: pytest shows it with -s or on failure
    assert result.returncode == 0, output
    positions = [output.find(step) for step in STEPS]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "every table equals the installed copy" in output
    assert "with a wrong sha256 is refused by pip (hash mismatch)" in output
    assert re.search(r"VALID: \S+/venv/\S+/afpak_data/_package/datapackage\.json", output)
    assert output.rstrip().splitlines()[-1].startswith("rehearsal passed in ")
    (work,) = re.findall(r"work directory (\S+) ", output)
    assert not Path(work).exists()
    ports = {int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)/", output)}
    assert len(ports) == 2  # the index and the raw-file server
    assert not any(_listening(port) for port in ports)
    assert "pypiserver stopped" in output and "raw-file server stopped" in output
