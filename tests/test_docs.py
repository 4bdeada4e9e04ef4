"""Documentation keeps up with the code: every command is in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from afpak_data.cli import COMMANDS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_shown_in_the_readme(command: str) -> None:
    """A command nobody can find in the README fails here (as in sqlite-utils' test_docs)."""
    assert f"afpak-data {command} " in README
