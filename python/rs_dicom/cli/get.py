"""``rs-dicom get``: C-GET from a Query/Retrieve SCP into a directory, as DCMTK's getscu."""

from __future__ import annotations

import argparse
from typing import TextIO

from rs_dicom.cli import _qr
from rs_dicom.cli._command import Command
from rs_dicom.cli._net import check_association

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
    parser.add_argument(
        "-od",
        "--output-directory",
        dest="directory",
        default=".",
        metavar="DIR",
        help="where received files are written (default: .)",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom get``."""
    from rs_dicom import net

    final = None
    try:
        with net.associate(
            args.host,
            args.port,
            ae_title=args.aet,
            called_ae=args.aec,
            timeout=args.timeout,
            max_pdu=args.max_pdu,
        ) as assoc:
            for status, _ in assoc.get(
                _qr.build_query(args.keys), args.model, directory=args.directory
            ):
                final = status
    except (OSError, ValueError) as exc:
        return _qr.fail(args, "get", exc, err)
    if final is None:
        return 1
    _qr.final_line("C-GET", final, out)
    return 0 if int(final) == 0 else 1


COMMAND = Command(
    name="get",
    help="retrieve from a PACS over the same association (C-GET)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=lambda a: check_association(a) or _qr.check_query(a),
)
