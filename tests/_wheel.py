"""Build the wheel and install it into a fresh venv, for tests of the installed package."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_wheel(out: Path) -> Path:
    """Build the wheel into ``out`` (without build isolation when hatchling is at hand: offline)."""
    command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out)]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-isolation")
    subprocess.run([*command, str(ROOT)], check=True, capture_output=True, text=True)
    (built,) = out.glob("afpak_data-*.whl")
    return built


def install_wheel(wheel: Path, venv: Path) -> Path:
    """A fresh venv at ``venv`` with ``wheel`` installed for real; returns its bin directory.

    Dependencies come from this environment (offline) through a plain path entry in a .pth: it
    does not run this environment's .pth files, so the editable install of the checkout cannot
    leak in.
    """
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "_deps_from_test_env.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    return venv / "bin"
