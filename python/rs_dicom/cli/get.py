"""``rs-dicom get``: C-GET from a Query/Retrieve SCP into a directory, as DCMTK's getscu."""

from __future__ import annotations

import argparse
from typing import TextIO

from rs_dicom.cli import _qr
from rs_dicom.cli._command import Command
from rs_dicom.cli._net import add_output_directory

DESCRIPTION = """\
Send a C-GET request built from the -k keys to the peer at HOST PORT; the instances come
back on the same association and are written to --output-directory as SOPINSTANCEUID.dcm."""

EPILOG = """\
examples:
  rs-dicom get -S -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=1.2.3 -od study/ pacs 104

exit status: 0 every sub-operation succeeded, 1 not (or no association), 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom get``."""
    _qr.add_query(parser)
    add_output_directory(parser, "where received files are written (default: .)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom get``."""
    return _qr.retrieve(
        args,
        "GET",
        lambda assoc, query: assoc.get(query, args.model, directory=args.directory),
        out,
        err,
    )


COMMAND = Command(
    name="get",
    help="retrieve from a PACS over the same association (C-GET)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=_qr.check,
)
