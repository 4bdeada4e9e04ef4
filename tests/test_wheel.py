"""The built wheel carries the package and works when installed, away from the checkout."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from _wheel import install_wheel

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"
TEST_COMMAND = 'pip install -e ".[test]" && pytest'

CHECK_INSTALLED = """
import json, sys
from pathlib import Path
import afpak_data
from afpak_data._model.descriptor import read_package
from afpak_data._load.dtypes import pandas_dtype
package = read_package()
frames = afpak_data.load_all()
report = {
    "module": afpak_data.__file__,
    "root": str(package.root),
    "version": afpak_data.__version__,
    "tables": {name: len(frame) for name, frame in frames.items()},
    "object_columns": [f"{n}.{c}" for n, f in frames.items() for c in f.columns
                       if f[c].dtype == object],
    "wrong_dtypes": [f"{r.name}.{s.name}" for r in package.resources for s in r.schema.fields
                     if frames[r.name][s.name].dtype != pandas_dtype(s)],
}
print(json.dumps(report))
"""


def test_ci_runs_the_readme_test_command() -> None:
    """The README's test command and the one ``.ci/run`` executes are the same line."""
    assert TEST_COMMAND in README.read_text(encoding="utf-8")
    assert f"\n{TEST_COMMAND}\n" in CI_RUN.read_text(encoding="utf-8")


@pytest.mark.slow
def test_wheel_contains_descriptor_data_and_schemas(wheel: Path) -> None:
    """Every CSV and schema the descriptor names is in the wheel under afpak_data/_package/."""
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"afpak_data/_package/datapackage.json", "afpak_data/py.typed"}
    for resource in descriptor["resources"]:
        expected.add(f"afpak_data/_package/{resource['path']}")
        if isinstance(resource.get("schema"), str):
            expected.add(f"afpak_data/_package/{resource['schema']}")
    assert expected - names == set()
    packaged = zipfile.ZipFile(wheel).read("afpak_data/_package/datapackage.json")
    assert packaged == (ROOT / "datapackage.json").read_bytes()


@pytest.mark.slow
def test_installed_wheel_loads_every_table_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    """Installed from the wheel, every table loads from the bundled copy with schema dtypes."""
    venv = tmp_path / "venv"
    python = install_wheel(wheel, venv) / "python"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = subprocess.run(
        [str(python), "-c", CHECK_INSTALLED],
        cwd=outside,
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    assert Path(report["module"]).is_relative_to(venv)
    assert Path(report["root"]).is_relative_to(venv)
    assert report["root"].endswith("_package")
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert list(report["tables"]) == [r["name"] for r in descriptor["resources"]]
    assert report["version"] == descriptor["version"]
    assert report["object_columns"] == [] and report["wrong_dtypes"] == []
    info = subprocess.run(
        [str(venv / "bin" / "afpak-data"), "info"], cwd=outside, capture_output=True, text=True
    )
    assert info.returncode == 0, info.stderr
    assert f"location: {report['root']}" in info.stdout
