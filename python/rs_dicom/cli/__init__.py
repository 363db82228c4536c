"""The ``rs-dicom`` command line tool.

``rs-dicom meta FILE...`` prints DICOM metadata: a dcmdump-like tree (default), the DICOM JSON
model (``--json``) or selected values (``--tag``). ``rs-dicom show FILE`` draws the image in
the terminal (or writes a PNG with ``-o``); ``rs-dicom export FILE... -o DIR`` writes frames as
PNG or NumPy ``.npy`` files; ``rs-dicom dicomdir DIR`` writes ``DIR/DICOMDIR``;
``rs-dicom convert IN OUT --ts NAME`` writes files or whole directories in another transfer
syntax (compressing or decompressing); ``rs-dicom index DIR... -o x.parquet`` writes one row of
header values per file to a Parquet file; ``rs-dicom find|move|get`` query and retrieve
from a PACS and ``rs-dicom serve DIR`` is one; ``rs-dicom web search|get|store URL`` talks
to a DICOMweb server. Run
``rs-dicom COMMAND --help`` for details. The package also runs as ``python -m rs_dicom.cli``.

Each subcommand is one module of this package exposing a :class:`Command` (``COMMAND``), listed
in :data:`COMMANDS`; the shared parts are ``_args`` (argument types), ``_tagpath``, ``_files``
(globs, reading), ``_pixels`` and ``_report`` (one-line errors and the exit status).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from rs_dicom.cli import (
    anonymize,
    convert,
    dicomdir,
    echo,
    export,
    find,
    get,
    index,
    listen,
    meta,
    move,
    send,
    serve,
    show,
    web,
    worklist,
)
from rs_dicom.cli._args import parse_frames
from rs_dicom.cli._command import Command
from rs_dicom.cli._report import PROG
from rs_dicom.cli._tagpath import TagPath, parse_tag_path

__all__ = [
    "COMMANDS",
    "Command",
    "TagPath",
    "build_parser",
    "main",
    "parse_frames",
    "parse_tag_path",
]

COMMANDS: tuple[Command, ...] = (
    meta.COMMAND,
    show.COMMAND,
    export.COMMAND,
    dicomdir.COMMAND,
    convert.COMMAND,
    anonymize.COMMAND,
    index.COMMAND,
    echo.COMMAND,
    send.COMMAND,
    listen.COMMAND,
    find.COMMAND,
    move.COMMAND,
    get.COMMAND,
    serve.COMMAND,
    worklist.COMMAND,
    web.COMMAND,
)
"""The subcommands, in the order ``rs-dicom --help`` lists them."""

_DESCRIPTION = """\
Read DICOM files with rs_dicom (a Rust core: memory-mapped, zero-copy).
Run 'rs-dicom COMMAND --help' for a command's options."""

_EPILOG = """\
examples:
  rs-dicom meta image.dcm
  rs-dicom meta --json --no-bulk image.dcm
  rs-dicom meta --tag PatientName --tag 0020,0013 'series/*.dcm'
  rs-dicom show image.dcm
  rs-dicom show --window 40 400 -o image.png image.dcm
  rs-dicom export cine.dcm --frames 0-9 -o frames/
  rs-dicom dicomdir /media/cd
  rs-dicom convert archive/ archive_htj2k/ --ts htj2k-lossless
  rs-dicom anonymize study/ -o anon/ --key secret.key
  rs-dicom web search http://pacs:8042/dicom-web -k PatientID=123"""


def _version() -> str:
    try:
        from rs_dicom import __version__
    except ImportError:  # pragma: no cover - broken installation
        return "unknown"
    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``rs-dicom``, one subparser per entry of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.help,
            description=command.description,
            epilog=command.epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(command_spec=command)
    return parser


def _reconfigure(stream: TextIO) -> None:
    """Never fail on characters the terminal's encoding cannot show."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # pragma: no cover - exotic streams
            pass


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``rs-dicom`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command: Command | None = getattr(args, "command_spec", None)
    if command is None:
        parser.print_help(sys.stderr)
        return 2
    problem = command.check(args)
    if problem is not None:
        parser.error(problem)
    _reconfigure(sys.stdout)
    _reconfigure(sys.stderr)
    try:
        return int(command.run(args, sys.stdout, sys.stderr))
    except BrokenPipeError:
        # The reader went away (e.g. '| head'): stop quietly. Point stdout at devnull so that
        # the interpreter's final flush does not complain again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141 if os.name == "posix" else 1
    except KeyboardInterrupt:
        return 130
