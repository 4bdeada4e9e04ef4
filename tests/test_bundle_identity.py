"""One bundle: ``afpak-data bundle`` gives the same bytes from a checkout and from the wheel."""

from __future__ import annotations

import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest
from _wheel import install_wheel
from click.testing import CliRunner

from afpak_data._publish.bundle import FOLDERS, members
from afpak_data.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = "afpak_data/_package/"


def force_include() -> dict[str, str]:
    """pyproject's wheel force-include table: checkout path -> path inside the wheel."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        config = tomllib.load(handle)
    return config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]


def test_wheel_carries_exactly_what_a_bundle_holds() -> None:
    """The force-include table maps each bundle member of the checkout (folders whole), no more."""
    table = force_include()
    wanted = {
        path.split("/")[0] if path.split("/")[0] in FOLDERS else path for path in members(ROOT)
    }
    assert set(table) == wanted
    assert all(target == PACKAGED + source for source, target in table.items())


@pytest.mark.slow
def test_bundle_from_installed_wheel_equals_bundle_from_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    """Built, installed in a fresh venv and bundled there, the zip equals ``bundle --source .``."""
    bin_dir = install_wheel(wheel, tmp_path / "venv")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    installed = subprocess.run(
        [str(bin_dir / "afpak-data"), "bundle", str(tmp_path / "from-wheel")],
        cwd=outside,
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    result = CliRunner().invoke(
        cli, ["bundle", str(tmp_path / "from-checkout"), "--source", str(ROOT)]
    )
    assert result.exit_code == 0, result.output
    (from_wheel,) = (tmp_path / "from-wheel").glob("*.zip")
    (from_checkout,) = (tmp_path / "from-checkout").glob("*.zip")
    wheel_names = zipfile.ZipFile(from_wheel).namelist()
    checkout_names = zipfile.ZipFile(from_checkout).namelist()
    assert wheel_names == checkout_names
    assert from_wheel.read_bytes() == from_checkout.read_bytes()
    assert (tmp_path / "from-wheel" / f"{from_wheel.name}.sha256").read_bytes() == (
        tmp_path / "from-checkout" / f"{from_checkout.name}.sha256"
    ).read_bytes()
