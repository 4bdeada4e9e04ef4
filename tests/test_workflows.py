"""The GitHub workflows: valid against GitHub's schema, actions pinned, least permissions."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}")


def load(path: Path) -> dict[str, Any]:
    """A workflow as data (YAML reads the key ``on`` as True; put it back)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in workflow["jobs"].values() for s in job.get("steps", [])]


RELEASE = load(ROOT / ".github" / "workflows" / "release.yml")


def test_workflows_validate_against_githubs_schema() -> None:
    """check-jsonschema's vendored GitHub workflow schema accepts every workflow file."""
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert tool, "check-jsonschema is in the test extra"
    command = [tool, "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_actions_are_pinned_by_commit_sha(path: Path) -> None:
    """Every ``uses:`` names a full 40-hex commit, never a movable tag or branch."""
    uses = [s["uses"] for s in steps(load(path)) if "uses" in s]
    assert uses
    assert [u for u in uses if not PINNED.fullmatch(u)] == []


def test_release_runs_on_version_tags_with_no_default_permissions() -> None:
    """The release runs on tags v*; the workflow grants nothing, each job asks for its own."""
    assert RELEASE["on"] == {"push": {"tags": ["v*"]}}
    assert RELEASE["permissions"] == {}
    assert {name: job.get("permissions") for name, job in RELEASE["jobs"].items()} == {
        "check": {"contents": "read"},
        "build": {"contents": "read"},
        "test": {"contents": "read"},
        "pypi": {"id-token": "write"},
        "release": {"contents": "write"},
    }


def test_pypi_job_uses_trusted_publishing() -> None:
    """Publishing goes through an environment and OIDC, with no password or token input."""
    job = RELEASE["jobs"]["pypi"]
    assert job["environment"]["name"] == "pypi"
    (publish,) = [s for s in job["steps"] if s.get("uses", "").startswith("pypa/")]
    assert publish["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert not {"password", "user", "username"} & set(publish.get("with", {}))
    assert "secrets." not in (ROOT / ".github" / "workflows" / "release.yml").read_text("utf-8")


def test_release_order_and_contents() -> None:
    """Tag check, then one build, tests on it, PyPI, and the GitHub release with every asset."""
    jobs = RELEASE["jobs"]
    assert jobs["build"]["needs"] == "check"
    assert jobs["test"]["needs"] == "build"
    assert set(jobs["pypi"]["needs"]) >= {"build", "test"}
    assert "pypi" in jobs["release"]["needs"]
    check = "\n".join(s.get("run", "") for s in jobs["check"]["steps"])
    assert 'scripts/check_tag.py "$GITHUB_REF_NAME"' in check
    assert "afpak-data release-check" in check
    assert "bash .ci/run" in "\n".join(s.get("run", "") for s in jobs["test"]["steps"])
    assert [s.get("env", {}).get("AFPAK_DIST") for s in jobs["test"]["steps"] if "run" in s]
    build = "\n".join(s.get("run", "") for s in jobs["build"]["steps"])
    assert "python -m build --outdir dist ." in build
    assert "scripts/changelog_section.py" in build and 'afpak-data" bundle' in build
    create = jobs["release"]["steps"][-1]["run"]
    for asset in ("dist/*", "afpak-data-$VERSION.zip", "afpak-data-$VERSION.zip.sha256"):
        assert asset in create
    assert "--notes-file assets/notes.md" in create


def test_pull_request_job_says_when_quotes_were_not_checked() -> None:
    """CI checks out the texts when a secret names their repository, else says so in the summary."""
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")
    job = ci["jobs"]["ci"]
    assert job["env"]["SOURCES_REPOSITORY"] == "${{ secrets.AFPAK_SOURCES_REPOSITORY }}"
    checkout = next(s for s in job["steps"] if s.get("with", {}).get("path") == "source-texts")
    assert checkout["if"].endswith("env.SOURCES_REPOSITORY != ''")
    runs = [s.get("run", "") for s in job["steps"]]
    script = next(run for run in runs if "--sources-dir source-texts" in run)
    assert "Quotes were NOT checked" in script and "$GITHUB_STEP_SUMMARY" in script


def test_ci_run_validates_every_workflow() -> None:
    """``.ci/run`` checks all workflow files against GitHub's schema, and can test given files."""
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert (
        "check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml"
        in ci_run
    )
    assert 'WHEEL="$(ls "$AFPAK_DIST"/afpak_data-*.whl)"' in ci_run
