"""The ``afpak-data`` command line: a click group whose command modules (``COMMANDS``) are
imported only when used, so ``--help`` and ``--version`` stay fast; heavy modules are imported
inside the commands. Exit: 0 success, 1 the data is invalid, 2 usage error or unreadable input.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator

import click

#: Command name -> "module:attribute" of its click command: adding a command is one line here.
COMMANDS: dict[str, str] = {
    "info": "afpak_data.cli.info:info",
    "export": "afpak_data.cli.publish:export",
    "fmt": "afpak_data.cli.fmt:fmt",
    "site": "afpak_data.cli.publish:site",
    "validate": "afpak_data.cli.validate:validate",
    "bundle": "afpak_data.cli.release:bundle",
    "diff": "afpak_data.cli.release:diff",
    "release-check": "afpak_data.cli.release:release_check",
}


class InputError(click.ClickException):
    """Unreadable input or a bad argument: ``Error: <one line>`` on stderr, exit code 2."""

    exit_code = 2


class InvalidDataError(click.ClickException):
    """The data is invalid (a located problem): ``Error: <one line>`` on stderr, exit code 1."""

    exit_code = 1


@contextlib.contextmanager
def reading_errors() -> Iterator[None]:
    """Every error of reading a package as one line on stderr (a refused package's problems
    joined by '; '), never a traceback: a located ``DataError`` exits 1; a refused or unreadable
    package, a file not read or written exits 2."""
    from csv import Error as CsvError

    from afpak_data._errors import AfpakDataError, DataError

    try:
        yield
    except (AfpakDataError, CsvError, OSError, UnicodeError, ValueError, RuntimeError) as exc:
        lines = (" ".join(line.split()) for line in str(exc).splitlines() if line.strip())
        error = InvalidDataError if isinstance(exc, DataError) else InputError
        raise error("; ".join(lines)) from exc


#: The ``--source`` option shared by every command that reads a package (one definition, one help).
source_option = click.option(
    "--source",
    metavar="PATH|URL",
    default=None,
    help="Package directory, datapackage.json or URL (default: the bundled package).",
)


class LazyGroup(click.Group):
    """A click group that imports a command's module only when the command is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, _, attribute = COMMANDS[cmd_name].partition(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    package_name="afpak-data",  # looked up only when --version is given
    prog_name="afpak-data",
    help="Show the version of afpak-data and exit.",
)
def cli() -> None:
    """Pakistan's relations with the Taliban government of Afghanistan, as a data package.

    Run a command with --help for its options.
    """


def main() -> None:
    cli(prog_name="afpak-data")
