"""One bundle: ``afpak-data bundle`` gives the same bytes from a checkout and from the wheel."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from afpak_data._bundle import FOLDERS, members
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
def test_bundle_from_installed_wheel_equals_bundle_from_checkout(tmp_path: Path) -> None:
    """Built, installed in a fresh venv and bundled there, the zip equals ``bundle --source .``."""
    dist = tmp_path / "dist"
    command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist)]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-isolation")
    subprocess.run([*command, str(ROOT)], check=True, capture_output=True, text=True)
    (wheel,) = dist.glob("afpak_data-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies from this environment (a plain path entry: the editable install cannot leak in).
    Path(site, "_deps_from_test_env.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    installed = subprocess.run(
        [str(venv / "bin" / "afpak-data"), "bundle", str(tmp_path / "from-wheel")],
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
