"""Downloads in tests: a cache of the test's own, and nothing between the client and 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy")


def isolate_downloads(monkeypatch: pytest.MonkeyPatch, root: Path) -> Path:
    """Point AFPAK_DATA_CACHE at ``root`` and keep every proxy away from loopback."""
    monkeypatch.setenv("AFPAK_DATA_CACHE", str(root))
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return root
