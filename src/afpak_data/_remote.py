"""Download a published package (by URL), verify it against its descriptor, and cache it.

Researchers cite a version and must get the same bytes years later, so nothing is returned before
each requested CSV matches the ``bytes`` and ``sha256`` its descriptor declares. Layout of the
cache (root: ``$AFPAK_DATA_CACHE``, else ``$XDG_CACHE_HOME/afpak-data``, else
``~/.cache/afpak-data``)::

    <root>/<version>/<first 16 hex digits of the descriptor's sha256>/datapackage.json
                                                                      schemas/..., data/...
    <root>/urls/<sha256 of the URL>.json    {"url": ..., "version": ..., "package": "<v>/<h>"}

Every download is staged in a temporary directory inside the cache root and moved into place with
``os.replace`` only after everything requested is verified, so a failure (network, hash, truncated
transfer) never leaves a partial or corrupt file where a later load would find it. When the network
fails, the URL's record in ``urls/`` leads to the cached copy, which is verified again.

Schemas have no hash in the descriptor; they are trusted as served with the descriptor whose hash
names their directory. Only the standard library is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, Any

from afpak_data._errors import AfpakDataError

DESCRIPTOR_NAME = "datapackage.json"
#: Seconds to wait for the server before treating the network as down.
TIMEOUT = 30.0
_CHUNK = 1 << 16
_SAFE_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")
_GITHUB = re.compile(r"https://github\.com/(?P<owner>[^/]+)/(?P<repo>[^/#?]+?)(?:\.git)?/?")
_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


class RemoteDataError(AfpakDataError, OSError):
    """A published package could not be fetched or verified; nothing unverified was kept."""


def cache_root() -> Path:
    """Where downloads are cached: ``$AFPAK_DATA_CACHE``, else the user cache directory."""
    override = os.environ.get("AFPAK_DATA_CACHE")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "afpak-data"


#: Where a tag's raw files are served; ``release_url(base=...)`` takes another such template.
RAW_BASE = "https://raw.githubusercontent.com/{owner}/{repo}/v{version}/"


def release_url(version: str, source: Any = None, base: str = RAW_BASE) -> str:
    """The raw-file base URL of the tagged release ``v<version>`` (pass it to ``load(source=)``).

    Built from the ``homepage`` (or ``repository``) of the descriptor of ``source`` (default: the
    bundled package), which must be a GitHub repository URL. ``base`` is the URL template, with
    ``{owner}``, ``{repo}`` and ``{version}`` filled in (default: GitHub's raw files; a mirror or
    the release rehearsal's loopback server can be named instead).
    """
    if not _SEMVER.fullmatch(version):
        raise ValueError(f"version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    from afpak_data._descriptor import read_package

    descriptor = read_package(source).descriptor
    for key in ("repository", "homepage"):
        value = descriptor.get(key)
        match = _GITHUB.fullmatch(value) if isinstance(value, str) else None
        if match:
            return base.format(owner=match["owner"], repo=match["repo"], version=version)
    raise ValueError(
        "the descriptor's homepage is not a GitHub repository URL "
        "(expected https://github.com/<owner>/<repo>)"
    )


def fetch(base_url: str, resources: list[str]) -> Path:
    """Return a local, verified copy of the package at ``base_url`` holding ``resources``' CSVs.

    ``base_url`` is the folder that holds ``datapackage.json`` (or the descriptor's own URL). The
    descriptor and every schema are fetched; CSVs only for ``resources``. Offline, a copy cached
    for the same URL is used. Raises :class:`RemoteDataError`.
    """
    base = _normalise(base_url)
    root = cache_root()
    descriptor_url = urllib.parse.urljoin(base, DESCRIPTOR_NAME)
    try:
        raw = _download_bytes(descriptor_url)
    except RemoteDataError as network:
        cached = _cached_package(root, base)
        if cached is None:
            raise RemoteDataError(f"{network} (and no cached copy of {base})") from network
        _verify_cached(cached, resources, base)
        return cached
    descriptor = _parse_descriptor(raw, descriptor_url)
    version = descriptor.get("version")
    if not isinstance(version, str) or not _SAFE_VERSION.fullmatch(version):
        raise RemoteDataError(
            f"{descriptor_url}: 'version' {version!r} cannot name a cache directory "
            "(expected a version such as 1.0.0)"
        )
    digest = hashlib.sha256(raw).hexdigest()
    target = root / version / digest[:16]
    wanted = _resources(descriptor, descriptor_url, resources)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=root))
    try:
        staged: list[str] = []
        for schema_path in _schema_paths(descriptor, descriptor_url):
            if not (target / schema_path).is_file():
                data = _download_bytes(urllib.parse.urljoin(base, schema_path))
                _parse_json(data, urllib.parse.urljoin(base, schema_path))
                _write(staging / schema_path, data)
                staged.append(schema_path)
        for path, size, sha256 in wanted:
            if (target / path).is_file() and _matches(target / path, size, sha256):
                continue
            _download_verified(urllib.parse.urljoin(base, path), staging / path, size, sha256)
            staged.append(path)
        _write(staging / DESCRIPTOR_NAME, raw)
        staged.append(DESCRIPTOR_NAME)
        for relative in staged:  # the descriptor last: its presence marks a usable copy
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / relative, target / relative)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _remember(root, base, version, target)
    return target


def sha256_of(path: Path) -> tuple[int, str]:
    """Size in bytes and sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def declared_sha256(value: Any) -> str | None:
    """The hex digest of a descriptor ``hash`` of the form ``sha256:<hex>`` (else None)."""
    if isinstance(value, str) and value.startswith("sha256:"):
        hexdigest = value.removeprefix("sha256:").lower()
        if re.fullmatch(r"[0-9a-f]{64}", hexdigest):
            return hexdigest
    return None


def _normalise(base_url: str) -> str:
    """The folder URL with a trailing slash (a descriptor URL is cut back to its folder)."""
    if not base_url.startswith(("http://", "https://")):
        raise RemoteDataError(f"{base_url}: not an http(s) URL")
    parts = urllib.parse.urlsplit(base_url)
    path = parts.path
    if path.endswith("/" + DESCRIPTOR_NAME):
        path = path[: -len(DESCRIPTOR_NAME)]
    if not path.endswith("/"):
        path += "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _download_bytes(url: str) -> bytes:
    """The body of ``url``, complete (a short read raises), as RemoteDataError on any failure."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        raise RemoteDataError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except http.client.IncompleteRead as exc:
        raise RemoteDataError(
            f"{url}: truncated download ({len(exc.partial)} bytes received, "
            f"{exc.expected} more expected)"
        ) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise RemoteDataError(f"{url}: cannot download ({reason})") from exc


def _download_verified(url: str, destination: Path, size: int, sha256: str) -> None:
    """Stream ``url`` to ``destination`` and check its size and sha256; delete it on mismatch."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    received = 0
    try:
        with (
            urllib.request.urlopen(url, timeout=TIMEOUT) as response,
            destination.open("wb") as handle,
        ):
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                received += len(chunk)
                handle.write(chunk)
                if received > size:
                    break
    except urllib.error.HTTPError as exc:
        destination.unlink(missing_ok=True)
        raise RemoteDataError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except http.client.IncompleteRead as exc:
        destination.unlink(missing_ok=True)
        raise RemoteDataError(
            f"{url}: truncated download ({received + len(exc.partial)} bytes received, "
            f"the descriptor declares {size})"
        ) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        destination.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        raise RemoteDataError(f"{url}: cannot download ({reason})") from exc
    problem = _mismatch(received, digest.hexdigest(), size, sha256)
    if problem:
        destination.unlink(missing_ok=True)
        raise RemoteDataError(f"{url}: {problem}; refused, nothing was kept")


def _mismatch(size: int, sha256: str, declared_size: int, declared_sha256: str) -> str | None:
    if size < declared_size:
        return (
            f"truncated download ({size} bytes received, the descriptor declares {declared_size})"
        )
    if size != declared_size:
        return f"{size} bytes, but the descriptor declares {declared_size}"
    if sha256 != declared_sha256:
        return f"sha256 is {sha256}, but the descriptor declares {declared_sha256}"
    return None


def _matches(path: Path, size: int, sha256: str) -> bool:
    try:
        return sha256_of(path) == (size, sha256)
    except OSError:
        return False


def _parse_json(raw: bytes, url: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RemoteDataError(f"{url}: not valid JSON ({exc})") from exc


def _parse_descriptor(raw: bytes, url: str) -> dict[str, Any]:
    descriptor = _parse_json(raw, url)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise RemoteDataError(f"{url}: not a data package descriptor (expected 'resources')")
    return descriptor


def _safe_path(value: Any, url: str, what: str) -> str:
    """A relative path inside the package; absolute paths, ``..`` and URLs are refused."""
    pure = PurePosixPath(value) if isinstance(value, str) and value else None
    if (
        pure is None
        or pure.is_absolute()
        or ".." in pure.parts
        or "\\" in value
        or ":" in value
        or value.startswith("/")
    ):
        raise RemoteDataError(
            f"{url}: {what} {value!r} refused (expected a relative path inside the package)"
        )
    return str(pure)


def _schema_paths(descriptor: dict[str, Any], url: str) -> list[str]:
    paths = []
    for resource in descriptor["resources"]:
        schema = resource.get("schema") if isinstance(resource, dict) else None
        if isinstance(schema, str):
            name = resource.get("name")
            paths.append(_safe_path(schema, url, f"schema of resource {name!r}"))
    return sorted(set(paths))


def _resources(
    descriptor: dict[str, Any], url: str, names: list[str]
) -> list[tuple[str, int, str]]:
    """(path, bytes, sha256) of each requested resource; a missing hash is refused.

    Names the descriptor lacks are skipped: the loader then reports them as it does for a local
    package (``UnknownTableError`` listing the tables), so both kinds of source behave alike.
    """
    by_name = {
        r.get("name"): r for r in descriptor["resources"] if isinstance(r, dict) and "name" in r
    }
    wanted = []
    for name in names:
        resource = by_name.get(name)
        if resource is None:
            continue
        path = _safe_path(resource.get("path"), url, f"path of resource {name!r}")
        size, sha256 = resource.get("bytes"), declared_sha256(resource.get("hash"))
        if not isinstance(size, int) or isinstance(size, bool) or sha256 is None:
            raise RemoteDataError(
                f"{url}: resource {name!r} declares no 'bytes' and 'sha256:' hash, so the "
                "download cannot be verified (expected both in the descriptor)"
            )
        wanted.append((path, size, sha256))
    return wanted


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then ``os.replace`` it there.

    Readers see the old file or the complete new one, never a partial one; on failure the
    temporary file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _write(path: Path, data: bytes) -> None:
    atomic_write(path, lambda handle: handle.write(data))


def _url_record(root: Path, base: str) -> Path:
    return root / "urls" / f"{hashlib.sha256(base.encode('utf-8')).hexdigest()}.json"


def _remember(root: Path, base: str, version: str, target: Path) -> None:
    record = {"url": base, "version": version, "package": target.relative_to(root).as_posix()}
    _write(_url_record(root, base), (json.dumps(record, indent=2) + "\n").encode("utf-8"))


def _cached_package(root: Path, base: str) -> Path | None:
    """The cached package last downloaded from ``base``, if its record and descriptor exist."""
    try:
        record = json.loads(_url_record(root, base).read_text(encoding="utf-8"))
        relative = _safe_path(record.get("package"), base, "cached package")
    except (OSError, ValueError, AttributeError, RemoteDataError):
        return None
    package = root / relative
    return package if (package / DESCRIPTOR_NAME).is_file() else None


def _verify_cached(package: Path, names: list[str], base: str) -> None:
    """Offline: the cached CSVs must exist and still match the cached descriptor."""
    descriptor_file = package / DESCRIPTOR_NAME
    descriptor = _parse_descriptor(descriptor_file.read_bytes(), str(descriptor_file))
    for path, size, sha256 in _resources(descriptor, str(descriptor_file), names):
        file = package / path
        if not file.is_file():
            raise RemoteDataError(
                f"{base}: cannot download, and {path} was never cached (load it once online)"
            )
        size_now, sha_now = sha256_of(file)
        problem = _mismatch(size_now, sha_now, size, sha256)
        if problem:
            raise RemoteDataError(f"{file}: cached copy damaged ({problem}); delete it and retry")
