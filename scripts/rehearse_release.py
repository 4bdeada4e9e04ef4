#!/usr/bin/env python3
"""Rehearse a release on this machine, on loopback only: what a tag would publish, installed back.

    python scripts/rehearse_release.py               # build the sdist and wheel from this checkout
    python scripts/rehearse_release.py --dist DIR    # or rehearse with files built already

Steps (each printed as it runs):

 1. build the sdist and the wheel (``python -m build``: the wheel is built from the sdist, so a
    file missing from the sdist fails here), and ``twine check`` them as PyPI would;
 2. start a package index, pypiserver, on 127.0.0.1 (a free port, no fallback to any other index)
    and upload both files to it with twine;
 3. ``pip install afpak-data==<version>`` from that index into a fresh venv outside the checkout
    (first with ``--no-deps`` and only the loopback index, so no other index can supply
    afpak-data; then again with the machine's configured indexes as extra indexes, so the
    dependencies resolve as they would for a user), load every table and run
    ``afpak-data validate`` on the installed package; install it once more by URL with the
    ``#sha256=`` check, and see a wrong hash refused;
 4. serve the release's raw files (the sdist's tree, the files a tag holds) from 127.0.0.1, laid
    out as ``<owner>/<repo>/v<version>/...`` like a tag's raw URL, and load every table with
    ``load(name, source=release_url(version, base=...))``: downloaded, hash-checked, and equal to
    the installed copy.

Both servers are stopped in ``finally`` blocks, every command has a timeout, and the temporary
directory (venv, index, downloads, cache) is removed: nothing is left behind. Exit status 0 when
every step passed, 1 when one failed (the output says which), 2 on a usage error. Needs the test
extra (build, twine, pypiserver): ``pip install -e ".[test]"``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.server
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "afpak-data"
#: Seconds allowed for one command (a dependency install on a cold cache is the slowest).
COMMAND_TIMEOUT = 600
SERVER_START_TIMEOUT = 30.0
GITHUB = re.compile(r"https://github\.com/(?P<owner>[^/]+)/(?P<repo>[^/#?]+?)(?:\.git)?/?")

INSTALLED_CHECK = """
import json, sys
import afpak_data
from afpak_data._model.descriptor import read_package
package = read_package()
frames = afpak_data.load_all()
print(json.dumps({
    "version": afpak_data.__version__,
    "module": afpak_data.__file__,
    "root": str(package.root),
    "tables": {name: [len(frame), frame.shape[1]] for name, frame in frames.items()},
}))
"""

URL_CHECK = """
import json, sys
import afpak_data
version, base = sys.argv[1], sys.argv[2]
url = afpak_data.release_url(version, base=base)
remote = afpak_data.load_all(source=url)
local = afpak_data.load_all()
different = [name for name in local if name not in remote or not remote[name].equals(local[name])]
print(json.dumps({"url": url, "tables": {n: len(f) for n, f in remote.items()},
                  "different": different}))
"""


class RehearsalError(Exception):
    """A step failed; the message says which and why."""


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def say(text: str) -> None:
    print(f"   {text}", flush=True)


#: Shown instead of the work directory's path in the printed commands.
_SHORT: dict[str, str] = {}


def shorten(text: str) -> str:
    for long, short in _SHORT.items():
        text = text.replace(long, short)
    return text


def run(
    command: Sequence[str | Path],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    show: bool = True,
) -> str:
    """Run ``command`` (bounded in time); its output, or RehearsalError naming it."""
    words = [str(c) for c in command]
    if "-c" in words:  # an inline script: name it, do not print it
        at = words.index("-c")
        words[at + 1] = {INSTALLED_CHECK: "INSTALLED_CHECK", URL_CHECK: "URL_CHECK"}.get(
            words[at + 1], "SCRIPT"
        )
    if words[0] == sys.executable:
        words[0] = "python"
    shown = shorten(" ".join(words))
    if show:
        say(f"$ {shown}")
    try:
        result = subprocess.run(
            [str(c) for c in command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise RehearsalError(f"{shown}: no answer after {COMMAND_TIMEOUT} s") from exc
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
        raise RehearsalError(f"{shown}: exit {result.returncode}\n{tail}")
    return result.stdout


def package_version(root: Path) -> str:
    with (root / "metadata" / "package.toml").open("rb") as handle:
        return str(tomllib.load(handle)["version"])


def free_port() -> int:
    """A port nobody listens on now, on 127.0.0.1 (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once ``url`` answers; RehearsalError when the server died or never answered."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RehearsalError(
                f"pypiserver exited ({process.returncode}):\n{log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RehearsalError(f"{url}: no answer after {SERVER_START_TIMEOUT:.0f} s")


@contextlib.contextmanager
def package_index(packages: Path, log: Path) -> Iterator[str]:
    """pypiserver on 127.0.0.1, uploads open, no fallback; yields its URL; always stopped."""
    port = free_port()
    command = [sys.executable, "-m", "pypiserver", "run", "--host", "127.0.0.1", "--port"]
    command += [str(port), "--authenticate", ".", "--passwords", ".", "--disable-fallback"]
    command += ["--health-endpoint", "/health", str(packages)]
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/health", process, log)
        say(f"pypiserver {url}/ (pid {process.pid}), serving {shorten(str(packages))}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        say(f"pypiserver stopped (pid {process.pid}, exit {process.returncode})")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format: str, *args: object) -> None:
        self.requests.append(self.path)


@contextlib.contextmanager
def raw_server(directory: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve ``directory`` on 127.0.0.1 from a thread; yields (URL, paths requested)."""
    requests: list[str] = []
    handler = type("Handler", (_QuietHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        say(f"raw-file server stopped ({len(requests)} requests served)")


def configured_indexes(env: dict[str, str]) -> list[str]:
    """The index URLs pip is configured with here (config files and PIP_* variables).

    The primary index (PyPI unless configured otherwise) comes first, then any extra indexes, so
    that with ``--index-url <loopback>`` the dependencies still resolve from where they would.
    """
    listing = run([sys.executable, "-m", "pip", "config", "list"], cwd=ROOT, env=env, show=False)
    primary: list[str] = []
    extra: list[str] = []
    for line in listing.splitlines():
        key, _, value = line.partition("=")
        value = value.strip().strip("'\"")
        if key.endswith(".index-url"):
            primary = value.split()
        elif key.endswith(".extra-index-url"):
            extra += value.split()
    primary = env.get("PIP_INDEX_URL", "").split() or primary or ["https://pypi.org/simple"]
    extra += env.get("PIP_EXTRA_INDEX_URL", "").split()
    return list(dict.fromkeys(primary + extra))


def build(dist: Path) -> None:
    command = [sys.executable, "-m", "build", "--outdir", str(dist)]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-isolation")  # the build backend is here: no download needed
    run([*command, str(ROOT)], cwd=dist.parent)


def rehearse(work: Path, given_dist: Path | None) -> None:
    version = package_version(ROOT)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        # Downloads and caches of the installed package stay in the work directory.
        AFPAK_DATA_CACHE=str(work / "cache"),
        XDG_CACHE_HOME=str(work / "xdg-cache"),
    )
    say(f"afpak-data {version}, checkout {ROOT}")
    say(f"work directory {work} (shown as $WORK; removed at the end)")
    _SHORT[str(work)] = "$WORK"

    step("1. build the sdist and the wheel; twine check")
    dist = work / "dist"
    if given_dist is not None:
        dist.mkdir()
        for pattern in ("afpak_data-*.whl", "afpak_data-*.tar.gz"):
            for path in given_dist.glob(pattern):
                shutil.copy2(path, dist / path.name)
        say(f"using the files built already in {given_dist}")
    else:
        build(dist)
    wheel = dist / f"afpak_data-{version}-py3-none-any.whl"
    sdist = dist / f"afpak_data-{version}.tar.gz"
    for path in (wheel, sdist):
        if not path.is_file():
            found = sorted(p.name for p in dist.iterdir())
            raise RehearsalError(f"{path.name} was not built (found: {found})")
        say(f"{path.name}  {path.stat().st_size} bytes")
    run([sys.executable, "-m", "twine", "check", "--strict", wheel, sdist], cwd=work, env=env)

    step("2. package index on 127.0.0.1 (pypiserver); twine upload")
    packages = work / "index"
    packages.mkdir()
    with package_index(packages, work / "pypiserver.log") as index:
        run(
            [
                *(sys.executable, "-m", "twine", "upload", "--non-interactive"),
                *("--disable-progress-bar", "--repository-url", f"{index}/"),
                *("--username", "rehearsal", "--password", "rehearsal", wheel, sdist),
            ],
            cwd=work,
            env=env,
        )
        with urllib.request.urlopen(f"{index}/simple/{NAME}/", timeout=10) as response:
            listing = response.read().decode("utf-8")
        listed = sorted(set(re.findall(r"afpak_data-[^\"#<>]+(?:\.whl|\.tar\.gz)", listing)))
        say(f"the index lists: {', '.join(listed)}")
        if {wheel.name, sdist.name} - set(listed):
            raise RehearsalError(f"{index}/simple/{NAME}/ does not list both files: {listed}")

        step(f"3. pip install {NAME}=={version} from the index into a fresh venv")
        venv = work / "venv"
        run([sys.executable, "-m", "venv", venv], cwd=work, env=env)
        python = venv / "bin" / "python"
        outside = work / "elsewhere"
        outside.mkdir()
        requirement = f"{NAME}=={version}"
        pip = [python, "-m", "pip", "install", "--quiet"]
        only_here = [*pip, "--no-deps", "--index-url", f"{index}/simple/", "--no-cache-dir"]
        # No pip configuration at all (files, PIP_* variables): only the loopback index can
        # supply afpak-data itself, whatever another index or a find-links directory holds.
        bare = {k: v for k, v in env.items() if not k.startswith("PIP_")}
        bare.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
        run([*only_here, requirement], cwd=outside, env=bare)
        extras = [a for url in configured_indexes(env) for a in ("--extra-index-url", url)]
        run([*pip, "--index-url", f"{index}/simple/", *extras, requirement], cwd=outside, env=env)
        installed = json.loads(run([python, "-c", INSTALLED_CHECK], cwd=outside, env=env))
        if installed["version"] != version or not Path(installed["root"]).is_relative_to(venv):
            raise RehearsalError(f"not the release just uploaded: {installed}")
        say(f"installed {installed['version']} at {shorten(installed['root'])}")
        for name, (rows, columns) in installed["tables"].items():
            say(f"  {name:<20} {rows:>5} rows, {columns} columns")
        for line in run(
            [venv / "bin" / "afpak-data", "validate"], cwd=outside, env=env
        ).splitlines():
            say(f"  {shorten(line)}")

        step("3b. install by URL with the hash check (the README's pinned form)")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        by_url = f"{NAME} @ {index}/packages/{wheel.name}#sha256={digest}"
        reinstall = [*pip, "--no-deps", "--force-reinstall", "--no-cache-dir"]
        run([*reinstall, by_url], cwd=outside, env=bare)
        wrong = f"{NAME} @ {index}/packages/{wheel.name}#sha256={'0' * 64}"
        try:
            run([*reinstall, wrong], cwd=outside, env=bare, show=False)
        except RehearsalError as refused:
            if "hash" not in str(refused).lower():
                raise
            say("the same URL with a wrong sha256 is refused by pip (hash mismatch)")
        else:
            raise RehearsalError("pip installed a wheel whose sha256 does not match the URL")

    step("4. the release's raw files from 127.0.0.1, loaded with release_url(version, base=...)")
    owner, repo = github_repository(ROOT)
    raw = work / "raw"
    tag_dir = raw / owner / repo / f"v{version}"
    with tarfile.open(sdist) as archive:
        archive.extractall(work / "sdist", filter="data")
    shutil.copytree(work / "sdist" / f"afpak_data-{version}", tag_dir)
    say(f"laid out as {tag_dir.relative_to(raw)}/ (the sdist's tree: the files of the tag)")
    with raw_server(raw) as (url, requests):
        base = f"{url}/{{owner}}/{{repo}}/v{{version}}/"
        loaded = json.loads(run([python, "-c", URL_CHECK, version, base], cwd=outside, env=env))
        say(f"release_url -> {loaded['url']}")
        say(f"{len(loaded['tables'])} tables downloaded ({sum(loaded['tables'].values())} rows),"
            f" {len(requests)} files served, each CSV checked against its sha256")  # fmt: skip
        if loaded["different"] or len(loaded["tables"]) != len(installed["tables"]):
            raise RehearsalError(f"tables differ from the installed copy: {loaded['different']}")
        say("every table equals the installed copy")


def github_repository(root: Path) -> tuple[str, str]:
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    for key in ("repository", "homepage"):
        match = GITHUB.fullmatch(str(descriptor.get(key, "")))
        if match:
            return match["owner"], match["repo"]
    raise RehearsalError("datapackage.json: homepage is not a GitHub repository URL")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dist",
        type=Path,
        default=os.environ.get("AFPAK_DIST") or None,
        help="directory with the sdist and wheel to rehearse (default: $AFPAK_DIST, else build)",
    )
    args = parser.parse_args(argv)
    if args.dist is not None and not args.dist.is_dir():
        print(f"rehearse_release: --dist {args.dist}: not a directory", file=sys.stderr)
        return 2
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="afpak-rehearsal-"))
    try:
        rehearse(work, args.dist)
    except RehearsalError as error:
        print(f"\nrehearsal FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
        say(f"removed {work}" + (" (still there!)" if work.exists() else ""))
    print(f"\nrehearsal passed in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
