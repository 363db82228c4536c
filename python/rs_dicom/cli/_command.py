"""What a subcommand of ``rs-dicom`` is: a name, its help texts, its options and its runner.

Each subcommand lives in its own module of this package and exposes one ``COMMAND``; the
package's ``__init__`` lists them in ``COMMANDS``, and adding a subcommand is adding its module
and one entry there.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

Runner = Callable[[argparse.Namespace, TextIO, TextIO], int]
"""Runs a parsed command line, printing to ``out`` and ``err``; returns the exit status."""


def _no_check(args: argparse.Namespace) -> str | None:
    return None


@dataclass(frozen=True)
class Command:
    """One ``rs-dicom NAME`` subcommand."""

    name: str
    help: str
    """One line in the list of commands of ``rs-dicom --help``."""
    description: str
    """The text of ``rs-dicom NAME --help`` (kept as written: line breaks are the author's)."""
    epilog: str
    """Examples and exit statuses, after the options in ``--help``."""
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Runner
    check: Callable[[argparse.Namespace], str | None] = _no_check
    """A usage error in the combination of options (exit status 2), or ``None``."""
